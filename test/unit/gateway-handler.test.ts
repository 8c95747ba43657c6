import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { type Mesh, ConnectionError, createMesh } from '../../server/embedded/mesh/index.ts';
import {
  type GatewayIngress,
  type GatewayRequest,
  INGRESS_GATEWAY_POD_PORT,
  MAX_GATEWAY_BODY_BYTES,
  gatewayFailureResponse,
  handleGatewayRequest,
} from '../../server/embedded/mesh/gateway-handler.ts';
import { SpanCollector, bookinfoStore, readPage } from '../helpers/mesh-fixtures.ts';

// The gateway's core called in process, as a worker would: no listener, no socket.
describe('the ingress gateway core', () => {
  const clock = new ScaledClock(0.01);
  const spans = new SpanCollector();
  let mesh: Mesh;
  let ingress: GatewayIngress;
  const text = new TextDecoder();
  const bytes = (s: string) => new TextEncoder().encode(s);
  const send = (req: Partial<GatewayRequest> & { path: string }) => handleGatewayRequest(ingress, INGRESS_GATEWAY_POD_PORT, { headers: {}, body: new Uint8Array(), secure: false, ...req });

  beforeAll(() => {
    mesh = createMesh({ store: bookinfoStore(clock), clock, spans });
    ingress = (service, port, req) => mesh.gatewayRequest(service, port, req);
  });
  afterAll(() => mesh.stop());

  it("answers /productpage with Bookinfo's page, framed by its byte length", async () => {
    const res = await send({ method: 'GET', path: '/productpage', headers: { host: 'bookinfo.local' } });
    expect(res?.status).toBe(200);
    expect(res?.headers.server).toBe('istio-envoy');
    expect(res?.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = text.decode(res?.body);
    expect(html).toContain('<title>Simple Bookstore App</title>');
    expect(html).toContain('The Comedy of Errors');
    expect(res?.headers['content-length']).toBe(String(res?.body?.byteLength));
    expect(res?.headers).not.toHaveProperty('transfer-encoding');
    // The gateway's span opens the trace the page request made.
    expect(spans.spans.some((s) => s.serviceName === 'istio-ingressgateway.istio-system')).toBe(true);
  });

  it('answers HEAD with the length GET would read and no body', async () => {
    const get = await send({ method: 'GET', path: '/static/no-such-file' });
    const head = await send({ method: 'HEAD', path: '/static/no-such-file' });
    expect(get?.body?.byteLength).toBeGreaterThan(0);
    expect(head?.status).toBe(get?.status);
    expect(head?.body).toBeUndefined();
    expect(head?.headers['content-length']).toBe(String(get?.body?.byteLength));
  });

  it('signs in from form bytes, hands back one set-cookie entry per cookie, and reads repeated Cookie headers as one', async () => {
    const login = await send({ method: 'POST', path: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: bytes('username=jason&passwd=x') });
    expect(login?.status).toBe(302);
    const cookies = login?.headers['set-cookie'];
    expect(Array.isArray(cookies)).toBe(true);
    expect(cookies).toHaveLength(1);
    const session = String((cookies as string[])[0]).split(';')[0];
    const page = await send({ method: 'GET', path: '/productpage', headers: { cookie: ['theme=dark', session] } });
    expect(readPage(text.decode(page?.body)).user).toBe('jason');
  });

  it("refuses a body over Envoy's buffer limit with 413, whether read or cut short", async () => {
    for (const body of [new Uint8Array(MAX_GATEWAY_BODY_BYTES + 1), 'too-large' as const]) {
      const res = await send({ method: 'POST', path: '/productpage', body });
      expect(res?.status).toBe(413);
      expect(text.decode(res?.body)).toBe('Payload Too Large');
    }
  });

  it('rejects a port no gateway serves, which the listener words as a 503', async () => {
    const nowhere = { namespace: 'istio-system', service: 'no-such-gateway', port: 80 };
    const err = await handleGatewayRequest(ingress, nowhere, { method: 'GET', path: '/', headers: {}, body: new Uint8Array(), secure: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    const res = gatewayFailureResponse(err);
    expect(res.status).toBe(503);
    expect(res.headers).not.toHaveProperty('content-length');
    expect(text.decode(res.body)).toMatch(/^upstream connect error or disconnect\/reset before headers\. reset reason: Failed to connect to no-such-gateway/);
  });
});
