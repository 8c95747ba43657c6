import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';

const m = (p: string) => join(resolve(import.meta.dirname, '../..'), 'manifests', p);

/** The real kubectl's exec (WebSocket, v5.channel.k8s.io) and port-forward against the embedded cluster. */
describe('kubectl exec and port-forward on the embedded cluster', () => {
  const fixture = clusterWithKubectl(0.05);

  beforeAll(async () => {
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    await fixture.kubectl.ok(['apply', '-f', m('bookinfo/bookinfo.yaml'), '-f', m('sleep/sleep.yaml'), '-f', m('sleep/sleep-legacy.yaml')]);
    await fixture.kubectl.ok(['wait', '--for=condition=Available', 'deployment', '--all', '--timeout=60s'], { timeoutMs: 70_000 });
  }, 90_000);

  const curlProductPage = ['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', 'http://productpage:9080/productpage'];

  it('prints what the command prints and exits 0', async () => {
    const r = await fixture.kubectl.run(['exec', 'deploy/sleep', '-c', 'sleep', '--', ...curlProductPage]);
    expect(r).toEqual({ code: 0, stdout: '200', stderr: '' });
  });

  it('prints every answer when execs come back to back, four at a time (none lost to kubectl starting its streams)', async () => {
    const results = [];
    for (let round = 0; round < 5; round++) {
      results.push(...(await Promise.all([0, 1, 2, 3].map(() => fixture.kubectl.run(['exec', 'deploy/sleep', '-c', 'sleep', '--', ...curlProductPage])))));
    }
    expect(results.map((r) => `${r.code} ${r.stdout} ${r.stderr}`)).toEqual(Array(20).fill('0 200 '));
  }, 60_000);

  it('under STRICT mTLS, exits with curl\'s code and says so, as on a real cluster', async () => {
    await fixture.kubectl.ok(['apply', '-f', m('security/peer-authentication-strict.yaml')]);
    const r = await fixture.kubectl.run(['exec', 'deploy/sleep-legacy', '--', ...curlProductPage]);
    expect(r.code).toBe(56);
    expect(r.stdout).toBe('000');
    expect(r.stderr).toBe('curl: (56) Recv failure: Connection reset by peer\ncommand terminated with exit code 56\n');
    expect((await fixture.kubectl.run(['exec', 'deploy/sleep', '-c', 'sleep', '--', ...curlProductPage])).stdout).toBe('200');
    await fixture.kubectl.ok(['delete', '-f', m('security/peer-authentication-strict.yaml')]);
  });

  it('defaults to the injector\'s default container and names a missing executable', async () => {
    const r = await fixture.kubectl.run(['exec', 'deploy/sleep', '--', 'bash']);
    expect(r.code).toBe(126);
    expect(r.stdout).toContain('exec: "bash": executable file not found in $PATH');
    expect(r.stderr).toContain('command terminated with exit code 126');
  });

  it('reports an unknown container or pod the way the API server words it', async () => {
    const container = await fixture.kubectl.run(['exec', 'deploy/sleep', '-c', 'nope', '--', 'curl', 'http://productpage:9080/']);
    expect(container.code).toBe(1);
    expect(container.stderr).toMatch(/Error from server \(BadRequest\): container nope is not valid for pod sleep-\S+; choose one of: \[sleep istio-proxy\]/);
    const pod = await fixture.kubectl.run(['exec', 'no-such-pod', '--', 'curl', 'http://productpage:9080/']);
    expect(pod.stderr).toContain('Error from server (NotFound): pods "no-such-pod" not found');
  });

  it('kubectl port-forward (SPDY in a WebSocket) reaches the gateway through deploy/istio-ingressgateway', async () => {
    const pf = await fixture.kubectl.portForward(['-n', 'istio-system', 'deploy/istio-ingressgateway', '0:8080']);
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
