import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayProxy, sandboxGatewayProxy } from '../../server/api/gateway-proxy.ts';
import { inputErrorHandler, requireOriginForm } from '../../server/api/input-errors.ts';
import { rawRequest } from '../helpers/raw-http.ts';

/** A server that records the path of every request it answers. */
async function recordingServer(name: string): Promise<{ server: http.Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    // A frame's user (`/as/<user>/`) is signed in with productpage's POST /login first.
    const session = req.method === 'POST' && req.url === '/login' ? { 'set-cookie': 'session=s1; Path=/' } : {};
    res.writeHead(200, { 'content-type': 'text/plain', ...session }).end(`${name} ${req.url}`);
  });
  server.on('connect', (req, socket) => {
    seen.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 200 OK\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

const raw = (port: number, requestLine: string, headers = 'Host: deck') => rawRequest(port, `${requestLine}\r\n${headers}\r\nConnection: close\r\n\r\n`);

describe('gateway proxy: only the gateway is ever asked', () => {
  let gateway: Awaited<ReturnType<typeof recordingServer>>;
  let other: Awaited<ReturnType<typeof recordingServer>>;
  let deck: http.Server;
  let port: number;

  beforeAll(async () => {
    gateway = await recordingServer('gateway');
    other = await recordingServer('other');
    const app = express();
    app.use(requireOriginForm);
    const gatewayUrl = async () => `http://127.0.0.1:${gateway.port}`;
    app.use('/gateway', gatewayProxy(gatewayUrl));
    app.use('/sandbox-gateway/:id', sandboxGatewayProxy((id) => (id === 'sb1' ? gatewayUrl : undefined)));
    app.use(inputErrorHandler);
    deck = http.createServer(app);
    await new Promise<void>((r) => deck.listen(0, '127.0.0.1', () => r()));
    port = (deck.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const s of [deck, gateway?.server, other?.server]) if (s) await new Promise((r) => (s.closeAllConnections(), s.close(r)));
  });

  it('refuses every path that could name another host or climb out, and the other server sees nothing', async () => {
    const o = `127.0.0.1:${other.port}`;
    const refused = [
      `/gateway//${o}/x`,
      `/gateway///${o}/x`,
      `/gateway/\\\\${o}/x`,
      `/gateway/\\${o}/x`,
      `/gateway/%5C%5C${o}/x`,
      `/gateway/%2F%2F${o}/x`,
      `/gateway/%2f${o}/x`,
      `/gateway/a/../..//${o}/x`,
      `/gateway/..`,
      `/gateway/%2e%2e/x`,
      `/gateway/.%2E/x`,
      `/gateway/x/./y`,
      `/gateway/as/jason//${o}/x`,
      `/gateway/as/jason/\\\\${o}/x`,
      `/gateway/as/%ZZ/productpage`,
      `/gateway/%ZZ`,
      `/sandbox-gateway/sb1//${o}/x`,
      `/sandbox-gateway/sb1/as/jason//${o}/x`,
      `/sandbox-gateway/sb1/\\\\${o}/x`,
      `/sandbox-gateway/%ZZ/x`,
      `http://${o}/gateway/x`,
      `https://${o}/gateway/x`,
      `http://deck/gateway//${o}/x`,
      `//${o}/gateway/x`,
    ];
    for (const target of refused) {
      const res = await raw(port, `GET ${target} HTTP/1.1`);
      expect(res.status, target).toBe(400);
      expect(res.body, target).toMatch(/gateway path|request target|percent-encoding/);
    }
    // Raw non-ASCII in the target: Node's parser refuses it before any route.
    expect((await raw(port, `GET /gateway/x\u00e9/${o} HTTP/1.1`)).status).toBe(400);
    // A CONNECT is not a proxy request the deck serves.
    await raw(port, `CONNECT ${o} HTTP/1.1`, `Host: ${o}`).catch(() => undefined);
    expect(other.seen).toEqual([]);
    expect(gateway.seen).toEqual([]);
  });

  it('sends what it accepts to the gateway alone, whatever Host, userinfo or "@" say', async () => {
    const o = `127.0.0.1:${other.port}`;
    const accepted: Array<[string, string, string?]> = [
      ['/gateway/productpage?u=1', '/productpage?u=1'],
      [`/gateway/@${o}/x`, `/@${o}/x`],
      [`/gateway/user:pw@${o}/x`, `/user:pw@${o}/x`],
      [`/gateway/x?next=//${o}/y`, `/x?next=//${o}/y`],
      ['/gateway/as/jason/productpage', '/productpage'],
      ['/sandbox-gateway/sb1/reviews/1', '/reviews/1'],
      ['/gateway/productpage', '/productpage', `Host: ${o}`],
      ['/gateway/productpage', '/productpage', `Host: deck\r\nX-Forwarded-Host: ${o}`],
    ];
    for (const [target, upstream, headers] of accepted) {
      gateway.seen.length = 0;
      const res = await raw(port, `GET ${target} HTTP/1.1`, headers);
      expect(res.status, target).toBe(200);
      expect(res.body, target).toContain(`gateway ${upstream}\r\n`); // one chunk of the gateway's answer
    }
    expect(other.seen).toEqual([]);
  });
});
