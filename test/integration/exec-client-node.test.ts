import https from 'node:https';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execWithClientNode } from '../helpers/client-node-exec.ts';
import { until } from '../helpers/until.ts';
import WebSocket from 'ws';
import { ScaledClock } from '../../server/clock.ts';
import { ClusterConnection } from '../../server/cluster/connection.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../server/embedded/cluster.ts';
import { apply, manifest } from '../helpers/mesh-fixtures.ts';

/** pods/exec and pods/portforward of the embedded API, through client-node as the deck uses them, and through a bare WebSocket. */
describe('exec and port-forward on the embedded cluster', () => {
  let cluster: EmbeddedCluster;
  let connection: ClusterConnection;

  const podOf = (namespace: string, labelSelector: string) =>
    until(async () => {
      const pods = await connection.core.listNamespacedPod({ namespace, labelSelector });
      return pods.items.find((p) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))?.metadata!.name;
    }, `a Ready pod for ${labelSelector} in ${namespace}`, 30_000);

  const exec = (pod: string, container: string, command: string[]) => execWithClientNode(connection.kc, pod, container, command);

  /** A bare WebSocket to the API with the kubeconfig's CA and token: the handshake's status and body, or the open socket. */
  async function rawUpgrade(path: string, protocols: string[], token?: string): Promise<{ status: number; body: any } | { ws: WebSocket }> {
    const opts: any = {};
    await connection.kc.applyToHTTPSOptions(opts);
    if (token !== undefined) opts.headers = { ...opts.headers, Authorization: `Bearer ${token}` };
    const ws = new WebSocket(`${cluster.apiServerUrl.replace('https', 'wss')}${path}`, protocols, opts);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws }));
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      ws.once('error', reject);
    });
  }

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ clock: new ScaledClock(0.05) });
    connection = new ClusterConnection({ mode: 'embedded', kubeconfigText: cluster.kubeconfig });
    apply(cluster.store, [...manifest('bookinfo/namespace.yaml'), ...manifest('bookinfo/bookinfo.yaml'), ...manifest('networking/bookinfo-gateway.yaml'), ...manifest('sleep/sleep.yaml'), ...manifest('httpbin/httpbin.yaml')]);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs curl in the sleep container through the mesh, with stdout and a Success status', async () => {
    const pod = await podOf('default', 'app=sleep');
    await podOf('default', 'app=httpbin');
    const r = await exec(pod, 'sleep', ['curl', '-s', '-H', 'x-demo: yes', 'http://httpbin:8000/headers']);
    expect(r.protocol).toBe('v5.channel.k8s.io');
    expect(r.status).toEqual({ metadata: {}, status: 'Success' });
    const echoed = JSON.parse(r.out).headers;
    expect(echoed['X-Demo']).toEqual(['yes']);
    // The sidecar added the trace headers: the call went through the mesh.
    expect(echoed['X-B3-Traceid'][0]).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reports a non-zero exit code in the v4 status on stream 3, and stderr on stream 2', async () => {
    const pod = await podOf('default', 'app=sleep');
    const r = await exec(pod, 'sleep', ['curl', '-sS', 'http://no-such-service:80/']);
    expect(r.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '6' }] } });
    expect(r.err).toMatch(/^curl: \(6\) /);
    const missing = await exec(pod, 'sleep', ['ls', '/']);
    expect(missing.status?.details?.causes?.[0]).toEqual({ reason: 'ExitCode', message: '126' });
    expect(missing.out).toContain('exec: "ls": executable file not found in $PATH');
  });

  it('refuses a bad token, an unknown pod and an unknown container before upgrading', async () => {
    const pod = await podOf('default', 'app=sleep');
    const path = (name: string, container: string) => `/api/v1/namespaces/default/pods/${name}/exec?command=curl&container=${container}&stdout=true`;
    expect(await rawUpgrade(path(pod, 'sleep'), ['v5.channel.k8s.io'], 'wrong')).toMatchObject({ status: 401, body: { reason: 'Unauthorized' } });
    expect(await rawUpgrade(path('nope', 'sleep'), ['v5.channel.k8s.io'])).toMatchObject({ status: 404, body: { reason: 'NotFound', message: 'pods "nope" not found' } });
    const bad = await rawUpgrade(path(pod, 'nope'), ['v5.channel.k8s.io']);
    expect(bad).toMatchObject({ status: 400, body: { reason: 'BadRequest' } });
    const plain = await new Promise<{ status: number; body: any }>(async (resolve, reject) => {
      const opts: any = {};
      await connection.kc.applyToHTTPSOptions(opts);
      https
        .get(`${cluster.apiServerUrl}${path(pod, 'sleep')}`, opts, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        })
        .on('error', reject);
    });
    expect(plain).toMatchObject({ status: 400, body: { message: 'Upgrade request required' } });
    expect((bad as any).body.message).toBe(`container nope is not valid for pod ${pod}; choose one of: [sleep istio-proxy] or one of the init containers: [istio-init]`);
  });

  it('speaks v4 to a client that offers only v4, and plain error text to a channel.k8s.io client', async () => {
    const pod = await podOf('default', 'app=sleep');
    const path = `/api/v1/namespaces/default/pods/${pod}/exec?command=curl&command=-sS&command=http://no-such-service/&container=sleep&stdout=true&stderr=true`;
    const collect = async (protocols: string[]) => {
      const r = await rawUpgrade(path, protocols);
      if (!('ws' in r)) throw new Error(`upgrade failed: ${r.status}`);
      const frames: Array<{ stream: number; text: string }> = [];
      r.ws.on('message', (d: Buffer) => frames.push({ stream: d[0], text: d.subarray(1).toString() }));
      await new Promise((resolve) => r.ws.on('close', resolve));
      return { protocol: r.ws.protocol, frames };
    };
    const v4 = await collect(['v4.channel.k8s.io']);
    expect(v4.protocol).toBe('v4.channel.k8s.io');
    expect(JSON.parse(v4.frames.find((f) => f.stream === 3)!.text)).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '6' }] } });
    const v1 = await collect(['channel.k8s.io']);
    expect(v1.frames.find((f) => f.stream === 3)!.text).toMatch(/exit code 6$/);
  });

  it('port-forwards the ingress gateway pod to the gateway listener with client-node', async () => {
    const pod = await podOf('istio-system', 'istio=ingressgateway');
    await podOf('default', 'app=productpage');
    const output = new PassThrough();
    const input = new PassThrough();
    let response = '';
    output.on('data', (d) => (response += d));
    const ws = await new k8s.PortForward(connection.kc).portForward('istio-system', pod, [8080], output, null, input);
    input.write('GET /productpage HTTP/1.1\r\nHost: bookinfo\r\nConnection: close\r\n\r\n');
    await new Promise<void>((resolve) => (ws as any).on('close', () => resolve()));
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response).toContain('<title>Simple Bookstore App</title>');
  });

  it('refuses a port nothing serves, with the reason on the error stream', async () => {
    const pod = await podOf('default', 'app=productpage');
    const output = new PassThrough();
    const errors = new PassThrough();
    let error = '';
    errors.on('data', (d) => (error += d));
    const ws = await new k8s.PortForward(connection.kc).portForward('default', pod, [9080], output, errors, new PassThrough());
    await new Promise<void>((resolve) => (ws as any).on('close', () => resolve()));
    expect(error).toMatch(new RegExp(`^error forwarding port 9080 to pod ${pod}, uid [0-9a-f-]+: connection refused: nothing listens on port 9080`));
    const noPorts = await rawUpgrade(`/api/v1/namespaces/default/pods/${pod}/portforward`, ['v4.channel.k8s.io']);
    expect(noPorts).toMatchObject({ status: 400, body: { message: 'at least one port must be specified in the "ports" query parameter' } });
  });
});
