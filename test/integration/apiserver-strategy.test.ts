import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMESPACE_FINALIZE_DELAY_MS } from '../../server/embedded/controllers/namespace-controller.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';
import { rawApiCall, startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { makeKubectl } from '../helpers/kubectl.ts';
import { until } from '../helpers/until.ts';

let api: TestApiServer;
let kubectl: ReturnType<typeof makeKubectl>;
beforeAll(async () => {
  api = await startTestApiServer();
  kubectl = makeKubectl(api.kubeconfigPath);
});
afterAll(async () => {
  kubectl?.cleanup();
  await api?.stop();
});

const call = (method: string, path: string, body?: unknown, contentType?: string) =>
  rawApiCall(api, method, path, body === undefined ? undefined : JSON.stringify(body), contentType);
const type = (group: string, plural: string) => api.store.registry.mustGet(group, plural);
const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

function deployment(name: string, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
  };
}

describe("a kind's strategy, whoever writes", () => {
  it('keeps the stored status on a main-resource update, from a controller (the store) and from kubectl (HTTP) alike', async () => {
    const deployments = type('apps', 'deployments');
    api.store.create(deployments, { ...deployment('ruled', 1), status: { replicas: 1, readyReplicas: 1 } });

    // A controller's main-resource write that also carries a status: the spec lands, the status does not.
    const direct = structuredClone(api.store.get(deployments, 'default', 'ruled')!);
    direct.spec.replicas = 2;
    direct.status = { replicas: 9, readyReplicas: 9 };
    const afterStore = api.store.update(deployments, direct);
    expect(afterStore.spec.replicas).toBe(2);
    expect(afterStore.status).toEqual({ replicas: 1, readyReplicas: 1 });
    expect(afterStore.metadata.generation).toBe(2);

    // The same write over HTTP (kubectl replace): the same rules.
    const overHttp = { ...structuredClone(afterStore), spec: { ...afterStore.spec, replicas: 3 }, status: { replicas: 7, readyReplicas: 7 } };
    delete overHttp.metadata.resourceVersion;
    const put = await call('PUT', `${DEPLOYMENTS}/ruled`, overHttp);
    expect(put.status).toBe(200);
    expect(put.body.spec.replicas).toBe(3);
    expect(put.body.status).toEqual({ replicas: 1, readyReplicas: 1 });
    expect(put.body.metadata.generation).toBe(3);
  });

  it('writes status only through the status subresource, from the store and over HTTP alike', async () => {
    const deployments = type('apps', 'deployments');
    api.store.create(deployments, deployment('status-only', 1));

    const direct = structuredClone(api.store.get(deployments, 'default', 'status-only')!);
    direct.spec.replicas = 5;
    direct.status = { replicas: 1 };
    const afterStore = api.store.updateStatus(deployments, direct);
    expect(afterStore.status).toEqual({ replicas: 1 });
    expect(afterStore.spec.replicas).toBe(1);
    expect(afterStore.metadata.generation).toBe(1);

    const put = await call('PUT', `${DEPLOYMENTS}/status-only/status`, { ...deployment('status-only', 6), status: { replicas: 2 } });
    expect(put.status).toBe(200);
    expect(put.body.status).toEqual({ replicas: 2 });
    expect(put.body.spec.replicas).toBe(1);
    expect(put.body.metadata.generation).toBe(1);
  });

  it('cuts a long generateName to 58 characters before the 5-character suffix, as the apiserver does', async () => {
    const prefix = 'a'.repeat(61) + '-';
    const r = await call('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { generateName: prefix }, spec: { ports: [{ port: 80 }] } });
    expect(r.status).toBe(201);
    expect(r.body.metadata.name).toMatch(/^a{58}[a-z0-9]{5}$/);
    expect(api.store.get(type('', 'services'), 'default', r.body.metadata.name)).toBeDefined();
  });
});

describe('deleting a namespace', () => {
  it('shows it Terminating while the namespace controller empties it, then it is gone with everything in it', async () => {
    await kubectl.ok(['create', 'namespace', 'doomed']);
    await kubectl.ok(['create', 'configmap', 'inside', '-n', 'doomed', '--from-literal=a=b']);
    expect(api.store.get(type('', 'namespaces'), undefined, 'doomed')!.spec.finalizers).toEqual(['kubernetes']);

    expect(await kubectl.ok(['delete', 'namespace', 'doomed', '--wait=false'])).toBe('namespace "doomed" deleted\n');
    const terminating = await kubectl.run(['get', 'namespace', 'doomed', '--no-headers']);
    expect(terminating.stdout).toMatch(/^doomed\s+Terminating\s/);
    const stored = api.store.get(type('', 'namespaces'), undefined, 'doomed')!;
    expect(stored.metadata.deletionTimestamp).toBeTruthy();
    // An edit that leaves spec.finalizers out does not let it go before its content is deleted.
    const edited = api.store.update(type('', 'namespaces'), { ...structuredClone(stored), metadata: { ...structuredClone(stored.metadata), labels: { edited: 'yes' } }, spec: {} });
    expect(edited.spec.finalizers).toEqual(['kubernetes']);
    // Nothing new may start in it meanwhile.
    const refused = await kubectl.run(['create', 'configmap', 'late', '-n', 'doomed']);
    expect(refused.stderr).toContain('because it is being terminated');
    // Deleting it again is a conflict, as kube-apiserver answers while the content goes.
    const again = await kubectl.run(['delete', 'namespace', 'doomed', '--wait=false']);
    expect(again.stderr.trim()).toBe('Error from server (Conflict): Operation cannot be fulfilled on namespaces "doomed": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.');

    await until(() => !api.store.get(type('', 'namespaces'), undefined, 'doomed'), 'the namespace to go', NAMESPACE_FINALIZE_DELAY_MS * 20);
    expect(api.store.list(type('', 'configmaps'), 'doomed')).toEqual([]);
    const gone = await kubectl.run(['get', 'namespace', 'doomed']);
    expect(gone.stderr.trim()).toBe('Error from server (NotFound): namespaces "doomed" not found');
  });
});

describe('a watch of thousands of objects', () => {
  it('delivers every one while other requests are answered promptly', async () => {
    const COUNT = 5_000;
    const configmaps = type('', 'configmaps');
    api.store.create(type('', 'namespaces'), { metadata: { name: 'crowded' } });
    // 4 KiB each: some 20 MiB of replay, more than a watch may leave unread at once.
    const filler = 'x'.repeat(4096);
    for (let i = 0; i < COUNT; i++) api.store.create(configmaps, { metadata: { name: `cm-${i}`, namespace: 'crowded' }, data: { filler } });

    let received = 0;
    let firstEvent!: () => void;
    const started = new Promise<void>((resolve) => (firstEvent = resolve));
    const watch = new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: api.server.port, path: '/api/v1/namespaces/crowded/configmaps?watch=true', rejectUnauthorized: false, headers: { authorization: `Bearer ${api.token}` } },
        (res) => {
          let partial = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const lines = (partial + chunk).split('\n');
            partial = lines.pop()!;
            received += lines.filter((l) => l.startsWith('{"type":"ADDED"')).length;
            if (received > 0) firstEvent();
            if (received >= COUNT) {
              req.destroy();
              resolve(received);
            }
          });
          res.on('end', () => resolve(received));
        },
      );
      req.on('error', (err) => (received >= COUNT ? resolve(received) : reject(err)));
      req.end();
    });

    await started;
    const asked = Date.now();
    const answer = await call('GET', '/api/v1/namespaces/crowded/configmaps/cm-0');
    const answeredInMs = Date.now() - asked;
    expect(answer.status).toBe(200);
    // Generous: one turn of the whole replay would take far longer on this machine, and cut the watch.
    expect(answeredInMs).toBeLessThan(2_000);
    expect(await watch).toBe(COUNT);
  }, 60_000);
});

describe('streaming upgrades', () => {
  it('answers a malformed percent-escape in an exec path with a 400 Status', async () => {
    const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: api.server.port,
        path: '/api/v1/namespaces/default/pods/web%E0%A4%A/exec?command=ls',
        rejectUnauthorized: false,
        headers: { authorization: `Bearer ${api.token}`, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'v5.channel.k8s.io' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('upgrade', () => reject(new Error('the upgrade was accepted')));
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('no answer to the upgrade')));
      req.end();
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest', message: expect.stringContaining('malformed percent-encoding') });
  });
});
