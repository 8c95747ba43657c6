import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../server/embedded/cluster.ts';
import { makeKubectl } from '../helpers/kubectl.ts';

const m = (p: string) => join(resolve(import.meta.dirname, '../..'), 'manifests', p);

/** The real kubectl's exec (WebSocket, v5.channel.k8s.io) and port-forward against the embedded cluster. */
describe('kubectl exec and port-forward on the embedded cluster', () => {
  let cluster: EmbeddedCluster;
  let kubectl: ReturnType<typeof makeKubectl>;
  let dir: string;

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ clock: new ScaledClock(0.05) });
    dir = mkdtempSync(join(tmpdir(), 'exec-kubectl-'));
    writeFileSync(join(dir, 'kubeconfig'), cluster.kubeconfig, { mode: 0o600 });
    kubectl = makeKubectl(join(dir, 'kubeconfig'));
    await kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    await kubectl.ok(['apply', '-f', m('bookinfo/bookinfo.yaml'), '-f', m('sleep/sleep.yaml'), '-f', m('sleep/sleep-legacy.yaml')]);
    await kubectl.ok(['wait', '--for=condition=Available', 'deployment', '--all', '--timeout=60s'], { timeoutMs: 70_000 });
  }, 90_000);
  afterAll(async () => {
    kubectl?.cleanup();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const curlProductPage = ['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', 'http://productpage:9080/productpage'];

  it('prints what the command prints and exits 0', async () => {
    const r = await kubectl.run(['exec', 'deploy/sleep', '-c', 'sleep', '--', ...curlProductPage]);
    expect(r).toEqual({ code: 0, stdout: '200', stderr: '' });
  });

  it('under STRICT mTLS, exits with curl\'s code and says so, as on a real cluster', async () => {
    await kubectl.ok(['apply', '-f', m('security/peer-authentication-strict.yaml')]);
    const r = await kubectl.run(['exec', 'deploy/sleep-legacy', '--', ...curlProductPage]);
    expect(r.code).toBe(56);
    expect(r.stdout).toBe('000');
    expect(r.stderr).toBe('curl: (56) Recv failure: Connection reset by peer\ncommand terminated with exit code 56\n');
    expect((await kubectl.run(['exec', 'deploy/sleep', '-c', 'sleep', '--', ...curlProductPage])).stdout).toBe('200');
    await kubectl.ok(['delete', '-f', m('security/peer-authentication-strict.yaml')]);
  });

  it('defaults to the injector\'s default container and names a missing executable', async () => {
    const r = await kubectl.run(['exec', 'deploy/sleep', '--', 'bash']);
    expect(r.code).toBe(126);
    expect(r.stdout).toContain('exec: "bash": executable file not found in $PATH');
    expect(r.stderr).toContain('command terminated with exit code 126');
  });

  it('reports an unknown container or pod the way the API server words it', async () => {
    const container = await kubectl.run(['exec', 'deploy/sleep', '-c', 'nope', '--', 'curl', 'http://productpage:9080/']);
    expect(container.code).toBe(1);
    expect(container.stderr).toMatch(/Error from server \(BadRequest\): container nope is not valid for pod sleep-\S+; choose one of: \[sleep istio-proxy\]/);
    const pod = await kubectl.run(['exec', 'no-such-pod', '--', 'curl', 'http://productpage:9080/']);
    expect(pod.stderr).toContain('Error from server (NotFound): pods "no-such-pod" not found');
  });

  it('kubectl port-forward (SPDY in a WebSocket) reaches the gateway through deploy/istio-ingressgateway', async () => {
    const pf = await kubectl.portForward(['-n', 'istio-system', 'deploy/istio-ingressgateway', '0:8080']);
    try {
      // No Gateway is applied in this suite, so the gateway itself answers: Envoy's 404.
      const res = await fetch(`http://127.0.0.1:${pf.localPort}/productpage`, { headers: { connection: 'close' } });
      expect(res.status).toBe(404);
      expect(res.headers.get('server')).toBe('istio-envoy');
    } finally {
      await pf.stop();
    }
  });
});
