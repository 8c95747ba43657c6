import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { until } from '../helpers/until.ts';

const m = (p: string) => join(resolve(import.meta.dirname, '../..'), 'manifests', p);

/** What kubectl users type beyond get/apply: wait, events, get --raw, diff and rollout, with the real kubectl. */
describe('kubectl wait, events, get --raw, diff and rollout on the embedded cluster', () => {
  const fixture = clusterWithKubectl(0.05);
  let dir: string;

  /** A long-running kubectl (`-w`): its output so far, and a stop that waits for it to exit. */
  function startKubectl(args: string[]) {
    const child = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache'), HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    return {
      output: () => out,
      exited,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clients-kubectl-'));
    writeFileSync(join(dir, 'kubeconfig'), fixture.cluster.kubeconfig, { mode: 0o600 });
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    await fixture.kubectl.ok(['apply', '-f', m('bookinfo/bookinfo.yaml'), '-f', m('curl/curl.yaml')]);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('kubectl wait', () => {
    it('--for=condition on every Deployment (--all) names each one as it is met', async () => {
      const out = await fixture.kubectl.ok(['wait', '--for=condition=Available', 'deployment', '--all', '--timeout=60s'], { timeoutMs: 70_000 });
      expect(out.trim().split('\n').sort()).toEqual(
        ['curl', 'details-v1', 'productpage-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3'].map((d) => `deployment.apps/${d} condition met`),
      );
    }, 80_000);

    it('--for=condition with -l waits on each selected pod', async () => {
      const out = await fixture.kubectl.ok(['wait', '--for=condition=Ready', 'pod', '-l', 'app=reviews', '--timeout=30s'], { timeoutMs: 40_000 });
      expect(out.trim().split('\n')).toHaveLength(3);
      expect(out).toMatch(/^pod\/reviews-v1-[a-z0-9]+-[a-z0-9]+ condition met$/m);
    });

    it('--for=condition=Ready=false on Ready pods times out after --timeout, exit 1', async () => {
      const r = await fixture.kubectl.run(['wait', '--for=condition=Ready=false', 'pod', '-l', 'app=ratings', '--timeout=2s']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/timed out waiting for the condition on pods\/ratings-v1-\S+/);
    });

    it('--for=condition=Progressing=True matches a condition status written the API\'s way', async () => {
      const out = await fixture.kubectl.ok(['wait', '--for=condition=Progressing=True', 'deploy/ratings-v1', '--timeout=10s']);
      expect(out).toBe('deployment.apps/ratings-v1 condition met\n');
    });

    it("--for=jsonpath='{…}'=value waits on a field's value", async () => {
      const out = await fixture.kubectl.ok(['wait', "--for=jsonpath={.status.phase}=Running", 'pod', '-l', 'app=details', '--timeout=10s']);
      expect(out).toMatch(/^pod\/details-v1-\S+ condition met\n$/);
      const wrong = await fixture.kubectl.run(['wait', "--for=jsonpath={.status.phase}=Pending", 'pod', '-l', 'app=details', '--timeout=1s']);
      expect(wrong.code).toBe(1);
    });

    it('--for=delete returns once the object is gone (it watches for the deletion)', async () => {
      await fixture.kubectl.ok(['create', 'configmap', 'short-lived', '--from-literal=a=b']);
      const waiting = startKubectl(['wait', '--for=delete', 'configmap/short-lived', '--timeout=30s']);
      try {
        // Deleted only once kubectl is waiting, so the deletion must reach it through its watch.
        await new Promise((r) => setTimeout(r, 1_000));
        expect(waiting.output()).toBe('');
        await fixture.kubectl.ok(['delete', 'configmap', 'short-lived']);
        expect(await waiting.exited).toBe(0);
        expect(waiting.output()).toBe('configmap/short-lived condition met\n');
      } finally {
        await waiting.stop();
      }
    }, 40_000);
  });

  describe('kubectl events', () => {
    it('lists the namespace\'s events, --for one object, and --types=Warning filters them', async () => {
      const all = await fixture.kubectl.ok(['events']);
      expect(all.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
      expect(all).toMatch(/Normal\s+Scheduled\s+Pod\/productpage-v1-\S+\s+Successfully assigned default\/productpage-v1-\S+ to /);
      const one = await fixture.kubectl.ok(['events', '--for', 'deployment/reviews-v2']);
      const rows = one.trim().split('\n').slice(1);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row).toMatch(/Normal\s+ScalingReplicaSet\s+Deployment\/reviews-v2\s+Scaled up replica set reviews-v2-\S+ from 0 to 1/);
      expect(await fixture.kubectl.ok(['events', '--types=Warning'])).toBe('');
      expect((await fixture.kubectl.run(['events', '--types=Warning'])).stderr).toContain('No events found in default namespace.');
    });

    it('-w prints new events as they happen', async () => {
      const watching = startKubectl(['events', '-w', '--for', 'deployment/details-v1']);
      try {
        await until(() => watching.output().includes('from 0 to 1'), 'kubectl events -w to print the existing events');
        await fixture.kubectl.ok(['scale', 'deploy/details-v1', '--replicas=2']);
        await until(() => /Scaled up replica set details-v1-\S+ from 1 to 2/.test(watching.output()), `the scale-up event in:\n${watching.output()}`);
      } finally {
        await watching.stop();
        await fixture.kubectl.ok(['scale', 'deploy/details-v1', '--replicas=1']);
      }
    }, 40_000);
  });

  describe('kubectl get --raw', () => {
    it('reads a resource path as the API serves it', async () => {
      const pods = JSON.parse(await fixture.kubectl.ok(['get', '--raw', '/api/v1/namespaces/default/pods']));
      expect(pods.kind).toBe('PodList');
      const names = (await fixture.kubectl.ok(['get', 'pods', '-o', 'name'])).trim().split('\n').map((n) => n.replace('pod/', ''));
      expect(pods.items.map((p: any) => p.metadata.name).sort()).toEqual(names.sort());
    });

    it('reads watch the way the apiserver does: True and an empty value watch, False and 0 list', async () => {
      for (const value of ['True', 'true', '1', '']) {
        const out = await fixture.kubectl.ok(['get', '--raw', `/api/v1/namespaces/default/configmaps?watch=${value}&timeoutSeconds=1`], { timeoutMs: 15_000 });
        expect(JSON.parse(out.split('\n')[0]), `watch=${value}`).toMatchObject({ type: 'ADDED', object: { kind: 'ConfigMap' } });
      }
      for (const value of ['False', 'false', '0']) {
        expect(JSON.parse(await fixture.kubectl.ok(['get', '--raw', `/api/v1/namespaces/default/configmaps?watch=${value}`])).kind, `watch=${value}`).toBe('ConfigMapList');
      }
    });

    it('answers /version, /healthz, /livez and /readyz?verbose as the apiserver does', async () => {
      const version = JSON.parse(await fixture.kubectl.ok(['get', '--raw', '/version']));
      expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
      expect(await fixture.kubectl.ok(['get', '--raw', '/healthz'])).toBe('ok');
      expect(await fixture.kubectl.ok(['get', '--raw', '/livez'])).toBe('ok');
      const ready = await fixture.kubectl.ok(['get', '--raw', '/readyz?verbose']);
      expect(ready).toMatch(/^\[\+\]ping ok\n\[\+\]log ok\n\[\+\]etcd ok\n/);
      expect(ready).toContain('[+]shutdown ok\n');
      expect(ready.endsWith('readyz check passed\n')).toBe(true);
      expect(await fixture.kubectl.ok(['get', '--raw', '/readyz?verbose&exclude=etcd'])).toContain('[+]etcd excluded: ok\n');
      expect(await fixture.kubectl.ok(['get', '--raw', '/readyz/etcd'])).toBe('ok');
      const missing = await fixture.kubectl.run(['get', '--raw', '/readyz/no-such-check']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('Error from server (NotFound)');
    });
  });

  describe('kubectl diff', () => {
    it('exits 0 and prints nothing when the live object already matches', async () => {
      await fixture.kubectl.ok(['apply', '-f', m('networking/virtual-service-all-v1.yaml')]);
      expect(await fixture.kubectl.run(['diff', '-f', m('networking/virtual-service-all-v1.yaml')])).toEqual({ code: 0, stdout: '', stderr: '' });
      expect((await fixture.kubectl.run(['diff', '-f', m('bookinfo/bookinfo.yaml')])).code).toBe(0);
    });

    it('exits 1 with a unified diff of what apply would change, and changes nothing (server-side dry run)', async () => {
      const r = await fixture.kubectl.run(['diff', '-f', m('networking/virtual-service-reviews-50-v3.yaml')]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^diff -u -N \S+\/networking\.istio\.io\.v1\.VirtualService\.default\.reviews /);
      expect(r.stdout).toContain('-  generation: 1\n+  generation: 2\n');
      expect(r.stdout).toContain('+      weight: 50\n+    - destination:\n+        host: reviews\n+        subset: v3\n+      weight: 50\n');
      const live = JSON.parse(await fixture.kubectl.ok(['get', 'virtualservice', 'reviews', '-o', 'json']));
      expect(live.spec.http[0].route).toEqual([{ destination: { host: 'reviews', subset: 'v1' } }]);
      expect(live.metadata.generation).toBe(1);
    });
  });

  describe('kubectl diff on a built-in kind', () => {
    it('shows a Deployment change from a strategic-merge dry run, client- and server-side', async () => {
      const curl = readFileSync(m('curl/curl.yaml'), 'utf8').replace('replicas: 1', 'replicas: 2');
      for (const args of [['diff', '-f', '-'], ['diff', '--server-side', '--force-conflicts', '-f', '-']]) {
        const r = await fixture.kubectl.run(args, { input: curl });
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stdout).toContain('-  replicas: 1\n+  replicas: 2\n');
      }
      expect((await fixture.kubectl.ok(['get', 'deploy', 'curl', '-o', 'jsonpath={.spec.replicas}'])).trim()).toBe('1');
    });
  });

  describe('kubectl attach', () => {
    it('a wrong container is named, and otherwise attach says it is not served here', async () => {
      const wrong = await fixture.kubectl.run(['attach', 'deploy/curl', '-c', 'nope']);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/container nope not found in pod curl-\S+/);
      const r = await fixture.kubectl.run(['attach', 'deploy/curl', '-c', 'curl']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Error from server (BadRequest): attach is not supported by the embedded cluster');
    });
  });

  describe('kubectl rollout', () => {
    const image = async () => (await fixture.kubectl.ok(['get', 'deploy', 'ratings-v1', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).trim();
    const podNames = async () => (await fixture.kubectl.ok(['get', 'pods', '-l', 'app=ratings', '-o', 'name'])).trim();
    const settle = () => fixture.kubectl.ok(['rollout', 'status', 'deploy/ratings-v1', '--timeout=60s'], { timeoutMs: 70_000 });

    it('status, history with CHANGE-CAUSE, history --revision, undo and restart', async () => {
      expect(await settle()).toBe('deployment "ratings-v1" successfully rolled out\n');
      const original = await image();
      await fixture.kubectl.ok(['annotate', 'deploy/ratings-v1', 'kubernetes.io/change-cause=install bookinfo']);
      await fixture.kubectl.ok(['set', 'image', 'deploy/ratings-v1', `ratings=${original.replace(/:[^:]+$/, ':1.20.2')}`]);
      await fixture.kubectl.ok(['annotate', '--overwrite', 'deploy/ratings-v1', 'kubernetes.io/change-cause=ratings 1.20.2']);
      expect(await settle()).toContain('deployment "ratings-v1" successfully rolled out\n');
      expect(await fixture.kubectl.ok(['rollout', 'history', 'deploy/ratings-v1'])).toMatch(
        /^deployment\.apps\/ratings-v1 \nREVISION\s+CHANGE-CAUSE\n1\s+install bookinfo\n2\s+ratings 1\.20\.2\n\n$/,
      );
      const first = await fixture.kubectl.ok(['rollout', 'history', 'deploy/ratings-v1', '--revision=1']);
      expect(first).toContain('deployment.apps/ratings-v1 with revision #1\nPod Template:\n');
      expect(first).toContain(`Image:\t${original}\n`);

      // undo: the template of revision 1 comes back, as revision 3.
      expect(await fixture.kubectl.ok(['rollout', 'undo', 'deploy/ratings-v1'])).toBe('deployment.apps/ratings-v1 rolled back\n');
      expect(await image()).toBe(original);
      await settle();
      expect(await fixture.kubectl.ok(['rollout', 'history', 'deploy/ratings-v1'])).toMatch(/\n2\s+ratings 1\.20\.2\n3\s+install bookinfo\n\n$/);
      await until(async () => !(await podNames()).includes('\n'), 'one ratings pod after the undo', 30_000);

      // restart: a new template annotation, so the pods are replaced.
      const before = await podNames();
      expect(await fixture.kubectl.ok(['rollout', 'restart', 'deploy/ratings-v1'])).toBe('deployment.apps/ratings-v1 restarted\n');
      const restartedAt = await fixture.kubectl.ok(['get', 'deploy', 'ratings-v1', '-o', "jsonpath={.spec.template.metadata.annotations['kubectl\\.kubernetes\\.io/restartedAt']}"]);
      expect(restartedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
      await settle();
      await until(async () => {
        const now = await podNames();
        return !now.includes('\n') && now !== before;
      }, 'the restarted ratings pod to replace the old one', 30_000);
      expect(await fixture.kubectl.ok(['rollout', 'history', 'deploy/ratings-v1'])).toMatch(/\n3\s+install bookinfo\n4\s+install bookinfo\n\n$/);
    }, 120_000);
  });
});
