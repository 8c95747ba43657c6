import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { DataPlane } from './dataplane.ts';
import { localReply } from './envoy.ts';
import { lingeringSocket } from './lingering-socket.ts';

/** Request bodies larger than this get 413, as Envoy's buffer limit would. */
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_HEADER_BYTES = 60 * 1024;

export interface GatewayServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A port of a gateway's Service, by the port number the cluster declares for it (80 for http2). */
export interface GatewayServicePort {
  namespace: string;
  service: string;
  port: number;
}

/** The pod port of istio-ingressgateway that Envoy's HTTP listener is on: what a port-forward to the pod reaches. */
export const INGRESS_GATEWAY_POD_PORT: GatewayServicePort = { namespace: 'istio-system', service: 'istio-ingressgateway', port: 80 };

export interface GatewayServerOptions {
  host?: string;
  /** 0 or unset: any free port. */
  port?: number;
  /** The Service port this listener plays; the ingress gateway's http2 port when unset. */
  target?: GatewayServicePort;
  /** What the gateway's config makes of the port, asked at each connection; plain HTTP when unset. */
  portMode?: () => GatewayPortMode;
}

/**
 * What a gateway port is, as Envoy's listeners make it: no server for it in any Gateway (no
 * listener: the connection is reset), plain HTTP, TLS terminated with the certificate the
 * client's SNI names (none: the handshake fails), or Envoy's status port (`/healthz/ready`).
 */
export type GatewayPortMode =
  | { kind: 'closed' }
  | { kind: 'http' }
  | { kind: 'https'; mutual?: boolean; context(serverName: string): SecureContext | undefined }
  | { kind: 'status' };

/**
 * A gateway's port as a real HTTP server (127.0.0.1 by default): every request is routed by
 * the bound Gateway and routes. A port that cannot be bound rejects with the listen error
 * (its `code`, e.g. EACCES or EADDRINUSE, says why).
 */
export async function startGatewayServer(plane: DataPlane, opts: GatewayServerOptions = {}): Promise<GatewayServer> {
  const target = opts.target ?? INGRESS_GATEWAY_POD_PORT;
  // HTTP/2's compatibility API answers as HTTP/1's does: one handler serves both.
  const onRequest = (secure: boolean) => (rawReq: http.IncomingMessage | http2.Http2ServerRequest, rawRes: http.ServerResponse | http2.Http2ServerResponse) => {
    const req = rawReq as http.IncomingMessage;
    const res = rawRes as http.ServerResponse;
    void handle(plane, target, secure, req, res).catch((err) => {
      if (!res.headersSent) {
        res.writeHead(503, { 'content-type': 'text/plain', server: 'istio-envoy' });
        res.end(`upstream connect error or disconnect/reset before headers. reset reason: ${String(err?.message ?? err).slice(0, 200)}`);
      } else if ('stream' in rawRes) rawRes.stream.close();
      else res.destroy();
    });
  };
  const plain = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, onRequest(false));
  plain.keepAliveTimeout = 5000;
  // TLS as the gateway serves it: the certificate the client's SNI names, HTTP/2 when it offers it;
  // for MUTUAL, a client certificate signed by the credential's CA is required.
  const secureServer = (mutual: boolean) =>
    http2.createSecureServer(
      {
        allowHTTP1: true,
        maxSessionMemory: 10,
        ...(mutual ? { requestCert: true, rejectUnauthorized: true } : {}),
        SNICallback: (name, cb) => {
          const mode = opts.portMode?.();
          const context = mode?.kind === 'https' ? mode.context(name) : undefined;
          if (context) cb(null, context);
          else cb(new Error(`no certificate for ${name}`));
        },
      },
      onRequest(true),
    );
  const secure = secureServer(false);
  const secureMutual = secureServer(true);
  const status = http.createServer((req, res) => {
    const ready = (req.url ?? '').split('?')[0] === '/healthz/ready';
    res.writeHead(ready ? 200 : 404, { 'content-length': 0 });
    res.end();
  });
  for (const s of [plain, secure, secureMutual, status]) s.on('clientError', (_err: Error, socket: net.Socket) => socket.destroy());
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const mode = opts.portMode?.() ?? { kind: 'http' };
    if (mode.kind === 'closed') socket.resetAndDestroy();
    else if (mode.kind === 'https' && mode.mutual) secureMutual.emit('connection', lingeringSocket(socket));
    else if (mode.kind === 'https') secure.emit('connection', socket);
    else if (mode.kind === 'status') status.emit('connection', socket);
    else plain.emit('connection', socket);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        plain.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }),
  };
}

async function handle(plane: DataPlane, target: GatewayServicePort, secure: boolean, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = req.url ?? '/';
  const body = await readBody(req);
  if (body === undefined) {
    const r = localReply(413, 'Payload Too Large');
    res.writeHead(r.status, r.headers);
    res.end(r.body);
    return;
  }
  // The client hanging up cuts the request through every hop.
  const hangup = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) hangup.abort();
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    // HTTP/2's pseudo-headers: its :authority is the Host.
    if (k === ':authority' && typeof v === 'string') headers.host ??= v;
    if (v !== undefined && !k.startsWith(':')) headers[k] = Array.isArray(v) ? v.join(k === 'cookie' ? '; ' : ', ') : v;
  }
  if (secure) headers['x-forwarded-proto'] = 'https';
  let out;
  try {
    out = await plane.gatewayIngress({ namespace: target.namespace, name: target.service }, target.port, { method: req.method, url: path, headers, body, signal: hangup.signal });
  } catch (err) {
    if (hangup.signal.aborted) return;
    throw err;
  }
  const { 'content-length': _len, 'transfer-encoding': _te, connection: _conn, 'keep-alive': _ka, ...rest } = out.headers;
  const cookies = rest['set-cookie'];
  res.writeHead(out.status, { ...rest, ...(cookies ? { 'set-cookie': cookies.split('\n') } : {}), 'content-length': Buffer.byteLength(out.body) });
  res.end(req.method === 'HEAD' ? undefined : out.body);
}

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      return resolve(undefined);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        resolve(undefined);
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
