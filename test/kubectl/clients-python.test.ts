import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';

const root = resolve(import.meta.dirname, '../..');
const m = (p: string) => join(root, 'manifests', p);
const PYTHON = '/usr/bin/python3';

function pythonHasKubernetes(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import kubernetes'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The official Python client (Debian's python3-kubernetes) against the embedded cluster: it
 * sends `watch=True`, `stdout=True` and speaks v4.channel.k8s.io for exec and port-forward.
 */
describe('the Kubernetes Python client on the embedded cluster', () => {
  // `npm test` installs it (or says how); run alone without it, the suite says so instead of passing.
  if (!pythonHasKubernetes()) throw new Error('/usr/bin/python3 cannot import kubernetes: run `sudo apt-get install -y python3-kubernetes`');
  const fixture = clusterWithKubectl(0.05);
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clients-python-'));
    writeFileSync(join(dir, 'kubeconfig'), fixture.cluster.kubeconfig, { mode: 0o600 });
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    await fixture.kubectl.ok(['apply', '-f', m('bookinfo/bookinfo.yaml'), '-f', m('networking/bookinfo-gateway.yaml'), '-f', m('curl/curl.yaml')]);
    await fixture.kubectl.ok(['wait', '--for=condition=Available', 'deployment', '--all', '--timeout=60s'], { timeoutMs: 70_000 });
  }, 90_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists, watches, patches, execs, reads logs and port-forwards', async () => {
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>((done) =>
      execFile(PYTHON, [join(root, 'test/clients/python-client.py'), join(dir, 'kubeconfig'), 'default'], { timeout: 60_000 }, (err, out, errOut) =>
        done({ stdout: String(out), stderr: String(errOut), code: err ? Number((err as any).code ?? 1) : 0 }),
      ),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const steps = Object.fromEntries(stdout.trim().split('\n').map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]));
    expect(steps.list).toMatch(/^curl-[a-z0-9]+-[a-z0-9]+$/);
    // watch=True: the event for an object created during the watch arrives.
    expect(steps.watch).toBe('ADDED:python-probe');
    expect(steps.patch).toBe('python');
    expect((await fixture.kubectl.ok(['get', 'deploy', 'curl', '-o', 'jsonpath={.metadata.labels.patched-by}'])).trim()).toBe('python');
    // stdout=True&stderr=True&stdin=False: the command runs and its output comes back.
    expect(steps.exec).toBe('200');
    // The exit status arrives on the status channel, and the stream closes.
    expect(steps['exec-exit']).toBe('6 "curl: (6) Could not resolve host: no-such-service"');
    // The call works; what the container logs comes from the logs work.
    expect(steps.logs).toMatch(/^ok \d+$/);
    expect(steps['port-forward']).toBe('HTTP/1.1 200 OK');
  }, 70_000);
});
