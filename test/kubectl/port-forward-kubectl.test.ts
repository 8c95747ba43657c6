import http from 'node:http';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import type { KubectlPortForward } from '../helpers/kubectl.ts';
import { until } from '../helpers/until.ts';

const m = (p: string) => join(resolve(import.meta.dirname, '../..'), 'manifests', p);

/** One request on its own connection (no keep-alive pool), so each is a new forwarded stream pair. */
function request(port: number, path: string, opts: { method?: string; body?: Buffer } = {}): Promise<{ status: number; body: Buffer }> {
  return new Promise((done, fail) => {
    const headers = { connection: 'close', ...(opts.body ? { 'content-length': String(opts.body.length) } : {}) };
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(opts.body);
  });
}

const get = (port: number, path: string) => request(port, path);

/**
 * The real kubectl's port-forward (SPDY/3.1, tunnelled in a WebSocket and, as its fallback,
 * on a plain HTTP upgrade) against the embedded cluster, reaching the ingress gateway and Jaeger.
 */
describe('kubectl port-forward on the embedded cluster', () => {
  const fixture = clusterWithKubectl(0.05);
  let gatewayPod: string;
  const running: KubectlPortForward[] = [];

  const forward = async (args: string[], env?: Record<string, string>) => {
    const pf = await fixture.kubectl.portForward(args, { env });
    running.push(pf);
    return pf;
  };

  beforeAll(async () => {
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    await fixture.kubectl.ok(['apply', '-f', m('bookinfo/bookinfo.yaml'), '-f', m('networking/bookinfo-gateway.yaml')]);
    await fixture.kubectl.ok(['wait', '--for=condition=Available', 'deployment', '--all', '--timeout=60s'], { timeoutMs: 70_000 });
    gatewayPod = (await fixture.kubectl.ok(['get', 'pods', '-n', 'istio-system', '-l', 'istio=ingressgateway', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
  }, 90_000);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((pf) => pf.stop()));
  });
  afterAll(async () => {
    await Promise.all(running.splice(0).map((pf) => pf.stop()));
  });

  const expectProductPage = (r: { status: number; body: Buffer }) => {
    expect(r.status).toBe(200);
    const html = r.body.toString('utf8');
    expect(html).toContain('<title>Simple Bookstore App</title>');
    expect(html).toContain('The Comedy of Errors');
  };

  it('forwards a local port to the gateway pod\'s 8080: the product page comes through', async () => {
    const pf = await forward(['-n', 'istio-system', `pod/${gatewayPod}`, '0:8080']);
    expectProductPage(await get(pf.localPort, '/productpage'));
    // A second connection through the same kubectl is a new pair of streams on the same tunnel.
    expectProductPage(await get(pf.localPort, '/productpage'));
  });

  it('resolves svc/istio-ingressgateway\'s http2 port to a gateway pod and its targetPort 8080', async () => {
    // 80, or the free port the load balancer took where 80 may not be bound: kubectl resolves what the Service shows.
    const http2 = await fixture.kubectl.ok(['-n', 'istio-system', 'get', 'svc', 'istio-ingressgateway', '-o', 'jsonpath={.spec.ports[?(@.name=="http2")].port}']);
    const pf = await forward(['-n', 'istio-system', 'svc/istio-ingressgateway', `0:${http2}`]);
    expectProductPage(await get(pf.localPort, '/productpage'));
  });

  it('serves two connections at once', async () => {
    const pf = await forward(['-n', 'istio-system', `pod/${gatewayPod}`, '0:8080']);
    const [a, b] = await Promise.all([get(pf.localPort, '/productpage'), get(pf.localPort, '/productpage')]);
    expectProductPage(a);
    expectProductPage(b);
  });

  it('carries a response of over a megabyte intact (Jaeger through svc/tracing)', async () => {
    // Traffic for the traces, sent straight to the gateway.
    await Promise.all(Array.from({ length: 100 }, () => fetch(`${fixture.cluster.gatewayUrl}/productpage`).then((r) => r.arrayBuffer())));
    const query = '/api/traces?service=productpage.default&limit=1000';
    const direct = Buffer.from(await (await fetch(`${fixture.cluster.jaegerUrl}${query}`)).arrayBuffer());
    expect(direct.length).toBeGreaterThan(1024 * 1024);

    const pf = await forward(['-n', 'istio-system', 'svc/tracing', '0:80']);
    const through = await get(pf.localPort, query);
    expect(through.status).toBe(200);
    expect(through.body.length).toBe(direct.length);
    expect(through.body.equals(direct)).toBe(true);
    const services = JSON.parse((await get(pf.localPort, '/api/services')).body.toString('utf8'));
    expect(services.data).toContain('productpage.default');
  }, 60_000);

  it('carries a 600 KB upload: the gateway reads the whole body before it answers', async () => {
    const body = Buffer.alloc(600 * 1024, 'x');
    const direct = await fetch(`${fixture.cluster.gatewayUrl}/productpage`, { method: 'POST', body });
    const pf = await forward(['-n', 'istio-system', `pod/${gatewayPod}`, '0:8080']);
    const through = await request(pf.localPort, '/productpage', { method: 'POST', body });
    expect(through.status).toBe(direct.status);
    expect(through.body.toString('utf8')).toBe(await direct.text());
    // The upload made this side send WINDOW_UPDATEs; kubectl's spdystream takes them in its stride.
    expectProductPage(await get(pf.localPort, '/productpage'));
  });

  it('works over the plain SPDY/3.1 upgrade too (kubectl\'s fallback)', async () => {
    const pf = await forward(['-n', 'istio-system', `pod/${gatewayPod}`, '0:8080'], { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
    const [a, b] = await Promise.all([get(pf.localPort, '/productpage'), get(pf.localPort, '/productpage')]);
    expectProductPage(a);
    expectProductPage(b);
  });

  it('refuses a bad SPDY upgrade with the API server\'s status before switching protocols', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(fixture.cluster.kubeconfig);
    const ca = Buffer.from(kc.getCurrentCluster()!.caData!, 'base64');
    const token = kc.getCurrentUser()!.token!;
    const upgrade = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; message: string }>((done, fail) => {
        const req = https.request(`${fixture.cluster.apiServerUrl}${path}`, { method: 'POST', ca, headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', ...headers } });
        req.on('upgrade', (res, socket) => (socket.destroy(), done({ status: res.statusCode ?? 0, message: '' })));
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => done({ status: res.statusCode ?? 0, message: body ? JSON.parse(body).message : '' }));
        });
        req.on('error', fail);
        req.end();
      });
    const path = `/api/v1/namespaces/istio-system/pods/${gatewayPod}/portforward`;
    const auth = { authorization: `Bearer ${token}`, 'x-stream-protocol-version': 'portforward.k8s.io' };
    expect(await upgrade(path, { 'x-stream-protocol-version': 'portforward.k8s.io' })).toMatchObject({ status: 401 });
    expect(await upgrade('/api/v1/namespaces/istio-system/pods/nope/portforward', auth)).toEqual({ status: 404, message: 'pods "nope" not found' });
    expect(await upgrade(path, { ...auth, 'x-stream-protocol-version': 'v4.channel.k8s.io' })).toEqual({
      status: 403,
      message: 'unable to upgrade: unable to negotiate protocol: client supports [v4.channel.k8s.io], server accepts [portforward.k8s.io]',
    });
    expect(await upgrade(path, auth)).toEqual({ status: 101, message: '' });
  });

  it('a pod port nobody serves: the connection closes and kubectl prints the kubelet\'s error, then stops', async () => {
    const pf = await forward(['-n', 'istio-system', `pod/${gatewayPod}`, '0:15021']);
    await expect(get(pf.localPort, '/healthz/ready')).rejects.toThrow(/socket hang up|ECONNRESET/);
    await until(() => pf.stderr().includes('an error occurred forwarding'), 'kubectl to print the forwarding error');
    expect(pf.stderr()).toMatch(
      new RegExp(`an error occurred forwarding ${pf.localPort} -> 15021: error forwarding port 15021 to pod ${gatewayPod}, uid [0-9a-f-]+: connection refused: nothing listens on port 15021`),
    );
    // kubectl 1.32 gives up on the pod after such an error, as it does against a real kubelet.
    await until(() => pf.stderr().includes('error: lost connection to pod'), 'kubectl to give up on the pod');
  });
});
