import * as k8s from '@kubernetes/client-node';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTlsMaterial } from '../../server/embedded/apiserver/tls.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let api: TestApiServer;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let custom: k8s.CustomObjectsApi;

/** Raw HTTPS call, to check what neither client shows (status lines, headers, bytes). */
function raw(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; token?: string | null } = {},
): Promise<{ status: number; headers: Record<string, any>; body: string }> {
  const url = new URL(path, api.server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        ca: generateTlsMaterial().caPem,
        headers: { ...(opts.token === null ? {} : { Authorization: `Bearer ${opts.token ?? api.token}` }), ...opts.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const status = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e: any) {
    return { code: e.code, body: JSON.parse(e.body) };
  }
  throw new Error('expected the call to fail');
};

beforeAll(async () => {
  api = await startTestApiServer();
  kc = new k8s.KubeConfig();
  kc.loadFromString(api.kubeconfigYaml);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
});

afterAll(async () => {
  await api?.stop();
});

describe('security and discovery', () => {
  it('serves HTTPS with the generated CA and answers 401 without the bearer token', async () => {
    expect(api.server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const none = await raw('/api/v1/namespaces', { token: null });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await raw('/api/v1/namespaces', { token: 'wrong' })).status).toBe(401);
  });

  it('refuses request bodies over 3 MiB with 413', async () => {
    const big = JSON.stringify({ metadata: { name: 'big' }, data: { x: 'a'.repeat(3 * 1024 * 1024 + 10) } });
    const r = await raw('/api/v1/namespaces/default/configmaps', { method: 'POST', body: big, headers: { 'Content-Type': 'application/json' } });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', code: 413 });
  });

  it('sends aggregated discovery with its exact content type, legacy otherwise', async () => {
    const agg = await raw('/apis', { headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
    expect(agg.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const networking = JSON.parse(agg.body).items.find((i: any) => i.metadata.name === 'networking.istio.io');
    expect(networking.versions.map((v: any) => v.version)).toEqual(['v1', 'v1beta1', 'v1alpha3']);
    const legacy = JSON.parse((await raw('/apis', { headers: { Accept: 'application/json' } })).body);
    expect(legacy.kind).toBe('APIGroupList');
    const list = JSON.parse((await raw('/apis/apps/v1')).body);
    const names = list.resources.map((r: any) => r.name);
    expect(names.indexOf('deployments')).toBeLessThan(names.indexOf('deployments/scale'));
    expect(list.resources.find((r: any) => r.name === 'deployments/scale')).toMatchObject({ kind: 'Scale', group: 'autoscaling', version: 'v1' });
  });

  it('answers bad requests with Status errors shaped like a real server\'s', async () => {
    const unknown = await raw('/apis/example.com/v1/widgets');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource' });
    const post = await raw('/api/v1/namespaces/default/configmaps/x', { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    expect(post.status).toBe(405);
    expect(JSON.parse(post.body)).toMatchObject({ reason: 'MethodNotAllowed' });
    const garbage = await raw('/api/v1/namespaces/default/configmaps', { method: 'POST', body: '{"metadata":', headers: { 'Content-Type': 'application/json' } });
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({ reason: 'BadRequest' });
    expect(JSON.parse(garbage.body).message).toMatch(/^error decoding JSON body/);
    const wrongKind = await raw('/api/v1/namespaces/default/configmaps', { method: 'POST', body: '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}}', headers: { 'Content-Type': 'application/json' } });
    expect(JSON.parse(wrongKind.body)).toMatchObject({ code: 400, message: 'the kind in the data (Secret) does not match the expected kind (ConfigMap)' });
    const noName = await raw('/api/v1/namespaces/default/configmaps', { method: 'POST', body: '{"metadata":{}}', headers: { 'Content-Type': 'application/json' } });
    expect(JSON.parse(noName.body)).toMatchObject({ code: 422, reason: 'Invalid', details: { causes: [{ field: 'metadata.name' }] } });
    const badDry = await raw('/api/v1/namespaces/default/configmaps?dryRun=Some', { method: 'POST', body: '{"metadata":{"name":"d"}}', headers: { 'Content-Type': 'application/json' } });
    expect(badDry.status).toBe(400);
  });

  it('serves /version as v1.32 and an OpenAPI v3 whose patch operations take fieldValidation', async () => {
    expect(JSON.parse((await raw('/version')).body).gitVersion).toMatch(/^v1\.32\./);
    const root = JSON.parse((await raw('/openapi/v3')).body);
    const url = root.paths['apis/networking.istio.io/v1beta1'].serverRelativeURL;
    const doc = JSON.parse((await raw(url)).body);
    const ops = Object.values(doc.paths).map((p: any) => p.patch).filter(Boolean);
    expect(ops.some((op: any) => op['x-kubernetes-group-version-kind'].kind === 'VirtualService' && op.parameters.some((p: any) => p.name === 'fieldValidation'))).toBe(true);
  });
});

describe('client-node typed APIs', () => {
  it('creates, reads, lists with selectors and deletes core objects', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'a1', labels: { app: 'a', tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'a2', labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running' } } });
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'b1', labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
    const pod = await core.readNamespacedPod({ namespace: 'default', name: 'a1' });
    expect(pod.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(typeof pod.metadata?.resourceVersion).toBe('string');
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedPod({ namespace: 'default', labelSelector, fieldSelector })).items.map((p) => p.metadata!.name);
    expect(await names('app=a')).toEqual(['a1', 'a2']);
    expect(await names('app==a,tier')).toEqual(['a1']);
    expect(await names('app!=a')).toEqual(['b1']);
    expect(await names('app in (a,b),!tier')).toEqual(['a2', 'b1']);
    expect(await names('app notin (a)')).toEqual(['b1']);
    expect(await names(undefined, 'metadata.name=b1')).toEqual(['b1']);
    expect(await names(undefined, 'status.phase=Running')).toEqual(['a2']);
    expect(await names(undefined, 'metadata.namespace=default,metadata.name!=a1')).toEqual(['a2', 'b1']);
    const all = await core.listPodForAllNamespaces();
    expect(all.metadata?.resourceVersion).toBe(String(api.store.resourceVersion));
    const bad = await status(core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.bogus=1' }));
    expect(bad.code).toBe(400);
    await core.deleteNamespacedPod({ namespace: 'default', name: 'b1' });
    expect((await status(core.readNamespacedPod({ namespace: 'default', name: 'b1' }))).body).toMatchObject({ reason: 'NotFound', message: 'pods "b1" not found', details: { name: 'b1', kind: 'pods' } });
    await core.deleteCollectionNamespacedPod({ namespace: 'default', labelSelector: 'app=a' });
    expect((await core.listNamespacedPod({ namespace: 'default' })).items).toEqual([]);
  });

  it('replaces with optimistic concurrency (409 on a stale resourceVersion)', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'occ' }, data: { a: '1' } } });
    const updated = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'occ', body: { ...cm, data: { a: '2' } } });
    expect(Number(updated.metadata!.resourceVersion)).toBeGreaterThan(Number(cm.metadata!.resourceVersion));
    const stale = await status(core.replaceNamespacedConfigMap({ namespace: 'default', name: 'occ', body: { ...cm, data: { a: '3' } } }));
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({ reason: 'Conflict', details: { name: 'occ', kind: 'configmaps' } });
    const dup = await status(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'occ' } } }));
    expect(dup.body).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'configmaps "occ" already exists' });
  });

  it('patches with JSON patch (typed default), merge patch and strategic merge patch', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'web', finalizers: ['a/b', 'c/d'] },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'app', image: 'nginx:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }, { name: 'side', image: 'busybox' }] },
          },
        },
      },
    });
    const jp = await apps.patchNamespacedDeployment({ namespace: 'default', name: 'web', body: [{ op: 'replace', path: '/spec/replicas', value: 2 }] });
    expect(jp.spec?.replicas).toBe(2);
    const mp = await apps.patchNamespacedDeployment(
      { namespace: 'default', name: 'web', body: { metadata: { labels: { team: 'x' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(mp.metadata?.labels).toEqual({ team: 'x' });
    const smp = await apps.patchNamespacedDeployment(
      {
        namespace: 'default',
        name: 'web',
        body: {
          metadata: { '$deleteFromPrimitiveList/finalizers': ['a/b'] },
          spec: {
            template: {
              spec: {
                '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }],
                containers: [{ name: 'app', image: 'nginx:2', env: [{ name: 'B', $patch: 'delete' }] }],
              },
            },
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    const containers = smp.spec!.template.spec!.containers;
    expect(containers.map((c) => `${c.name}=${c.image}`)).toEqual(['side=busybox', 'app=nginx:2']);
    expect(containers[1].env).toEqual([{ name: 'A', value: '1' }]);
    expect(smp.metadata?.finalizers).toEqual(['c/d']);
    const replaced = await apps.patchNamespacedDeployment(
      { namespace: 'default', name: 'web', body: { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }] } } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(replaced.spec!.template.spec!.containers.map((c) => c.name)).toEqual(['only']);
    const retained = await apps.patchNamespacedDeployment(
      { namespace: 'default', name: 'web', body: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(retained.spec?.strategy).toEqual({ type: 'Recreate' });
  });

  it('reads and scales through deployments/scale and writes pods/status', async () => {
    const scale = await apps.readNamespacedDeploymentScale({ namespace: 'default', name: 'web' });
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 } });
    await apps.replaceNamespacedDeploymentScale({ namespace: 'default', name: 'web', body: { ...scale, spec: { replicas: 4 } } });
    expect((await apps.readNamespacedDeployment({ namespace: 'default', name: 'web' })).spec?.replicas).toBe(4);
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'st' }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
    await core.patchNamespacedPodStatus(
      { namespace: 'default', name: 'st', body: { status: { phase: 'Running', podIP: '10.0.0.9' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const pod = await core.readNamespacedPod({ namespace: 'default', name: 'st' });
    expect(pod.status).toMatchObject({ phase: 'Running', podIP: '10.0.0.9' });
    // Status is not writable through the main resource.
    await core.patchNamespacedPod({ namespace: 'default', name: 'st', body: { status: { phase: 'Failed' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    expect((await core.readNamespacedPod({ namespace: 'default', name: 'st' })).status?.phase).toBe('Running');
  });

  it('honours dryRun=All on create, patch and delete', async () => {
    const rv = api.store.resourceVersion;
    const dry = await core.createNamespacedConfigMap({ namespace: 'default', dryRun: 'All', body: { metadata: { name: 'ghost' }, data: { a: '1' } } });
    expect(dry.metadata?.uid).toBeTruthy();
    await core.patchNamespacedConfigMap({ namespace: 'default', name: 'occ', dryRun: 'All', body: [{ op: 'add', path: '/data/z', value: '9' }] });
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'occ', dryRun: 'All' });
    expect(api.store.resourceVersion).toBe(rv);
    expect((await core.readNamespacedConfigMap({ namespace: 'default', name: 'occ' })).data).toEqual({ a: '2' });
    expect((await status(core.readNamespacedConfigMap({ namespace: 'default', name: 'ghost' }))).code).toBe(404);
  });
});

describe('Istio kinds through CustomObjectsApi and KubernetesObjectApi', () => {
  const vs = (subset: string) => ({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'default' },
    spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset } }] }] },
  });

  it('stores once and answers in the version of the URL', async () => {
    await custom.createNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1beta1', namespace: 'default', plural: 'virtualservices', body: vs('v1') });
    for (const version of ['v1', 'v1beta1', 'v1alpha3']) {
      const got: any = await custom.getNamespacedCustomObject({ group: 'networking.istio.io', version, namespace: 'default', plural: 'virtualservices', name: 'reviews' });
      expect(got.apiVersion).toBe(`networking.istio.io/${version}`);
      const list: any = await custom.listNamespacedCustomObject({ group: 'networking.istio.io', version, namespace: 'default', plural: 'virtualservices' });
      expect(list).toMatchObject({ kind: 'VirtualServiceList', apiVersion: `networking.istio.io/${version}` });
      expect(list.items[0].apiVersion).toBe(`networking.istio.io/${version}`);
    }
  });

  it('rejects KubernetesObjectApi.patch (strategic by default) with 415, and server-side applies', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const r = await status(objects.patch(vs('v2')));
    expect(r.code).toBe(415);
    expect(r.body).toMatchObject({ reason: 'UnsupportedMediaType' });
    const applied: any = await objects.patch(vs('v2'), undefined, undefined, 'deck', true, k8s.PatchStrategy.ServerSideApply);
    expect(applied.spec.http[0].route[0].destination.subset).toBe('v2');
    expect(applied.metadata.managedFields.map((m: any) => `${m.manager}/${m.operation}`)).toContain('deck/Apply');
    const read: any = await objects.read({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'default' } });
    expect(read.apiVersion).toBe('networking.istio.io/v1alpha3');
    const cm = await objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'via-objects' }, data: { k: 'v' } } as any);
    expect(cm.metadata?.namespace).toBe('default');
  });

  it('answers 201 when server-side apply creates, and 409 with causes on a conflict', async () => {
    const body = { ...vs('v1'), metadata: { name: 'ratings', namespace: 'default' } };
    const opts = (manager: string, force = false) =>
      custom.patchNamespacedCustomObject(
        { group: 'networking.istio.io', version: 'v1', namespace: 'default', plural: 'virtualservices', name: 'ratings', body, fieldManager: manager, force },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
      );
    const created = await raw('/apis/networking.istio.io/v1/namespaces/default/virtualservices/ratings?fieldManager=a', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: JSON.stringify(body),
    });
    expect(created.status).toBe(201);
    body.spec.http[0].route[0].destination.subset = 'v9';
    const conflict = await status(opts('b'));
    expect(conflict.code).toBe(409);
    expect(conflict.body).toMatchObject({
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "a": .spec.http',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "a"', field: '.spec.http' }] },
    });
    const forced: any = await opts('b', true);
    expect(forced.spec.http[0].route[0].destination.subset).toBe('v9');
    const managers = forced.metadata.managedFields.map((m: any) => m.manager);
    expect(managers).toEqual(['a', 'b']); // a still owns .spec.hosts, b now owns .spec.http
  });

  it('needs a fieldManager for apply patches', async () => {
    const r = await raw('/apis/networking.istio.io/v1/namespaces/default/virtualservices/ratings', { method: 'PATCH', headers: { 'Content-Type': 'application/apply-patch+yaml' }, body: '{}' });
    expect(r.status).toBe(400);
  });
});
