import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCrdController } from '../../server/embedded/controllers/crd-controller.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { until } from '../helpers/until.ts';

let api: TestApiServer;
let controller: { stop(): void };
let extensions: k8s.ApiextensionsV1Api;
let custom: k8s.CustomObjectsApi;
let watch: k8s.Watch;

/** client-node's model names a schema's default `_default` and sends it as `default`. */
const CRD: k8s.V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'backups.ops.example.com' },
  spec: {
    group: 'ops.example.com',
    names: { plural: 'backups', singular: 'backup', kind: 'Backup', shortNames: ['bk'] },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', required: ['schedule'], properties: { schedule: { type: 'string' }, keep: { type: 'integer', _default: 7 } } },
              status: { type: 'object', properties: { lastRun: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
};

/** The API's answer to a call that must fail. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => Promise.reject(new Error('expected the call to fail')),
    (e: any) => ({ code: e.code as number, body: JSON.parse(e.body) }),
  );

beforeAll(async () => {
  api = await startTestApiServer();
  controller = startCrdController(api.store, api.clock);
  const kc = new k8s.KubeConfig();
  kc.loadFromString(api.kubeconfigYaml);
  extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  watch = new k8s.Watch(kc);
});

afterAll(async () => {
  controller?.stop();
  await api?.stop();
});

describe('CRDs through client-node', () => {
  it('creates a CRD with ApiextensionsV1Api and sees it established', async () => {
    const created = await extensions.createCustomResourceDefinition({ body: CRD });
    expect(created.status?.storedVersions).toEqual(['v1']);
    await until(async () => {
      const crd = await extensions.readCustomResourceDefinition({ name: 'backups.ops.example.com' });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    }, 'the CRD is established');
    const crd = await extensions.readCustomResourceDefinitionStatus({ name: 'backups.ops.example.com' });
    expect(crd.status?.acceptedNames).toMatchObject({ kind: 'Backup', plural: 'backups', shortNames: ['bk'] });
    const list = await extensions.listCustomResourceDefinition();
    expect(list.items.map((c) => c.metadata?.name)).toContain('backups.ops.example.com');
  });

  it('creates, defaults, validates and updates the status of custom objects with CustomObjectsApi', async () => {
    const base = { group: 'ops.example.com', version: 'v1', namespace: 'default', plural: 'backups' };
    const made: any = await custom.createNamespacedCustomObject({ ...base, body: { apiVersion: 'ops.example.com/v1', kind: 'Backup', metadata: { name: 'nightly' }, spec: { schedule: '@daily' } } });
    expect(made.spec).toEqual({ schedule: '@daily', keep: 7 });
    const refused = await failure(custom.createNamespacedCustomObject({ ...base, body: { apiVersion: 'ops.example.com/v1', kind: 'Backup', metadata: { name: 'bad' }, spec: { keep: 'x' } } }));
    expect(refused.code).toBe(422);
    expect(refused.body.details.causes).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.schedule' },
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "string": spec.keep in body must be of type integer: "string"', field: 'spec.keep' },
    ]);
    await custom.patchNamespacedCustomObjectStatus(
      { ...base, name: 'nightly', body: { status: { lastRun: '2026-01-01T00:00:00Z' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const list: any = await custom.listNamespacedCustomObject(base);
    expect(list.kind).toBe('BackupList');
    expect(list.items.map((o: any) => [o.metadata.name, o.status?.lastRun])).toEqual([['nightly', '2026-01-01T00:00:00Z']]);
  });

  it('deletes the CRD and with it the objects and the API, ending the watches of its kind', async () => {
    const events: string[] = [];
    const watchEnded = new Promise<void>((resolve) => {
      void watch.watch('/apis/ops.example.com/v1/namespaces/default/backups', { resourceVersion: String(api.store.resourceVersion) }, (type, obj) => events.push(`${type} ${obj.metadata.name}`), () => resolve());
    });
    await new Promise((r) => setTimeout(r, 100));
    await extensions.deleteCustomResourceDefinition({ name: 'backups.ops.example.com' });
    await watchEnded;
    expect(events).toEqual(['DELETED nightly']);
    await until(() => !api.store.registry.byPlural('ops.example.com', 'backups'), 'the kind is no longer served');
    const gone = await failure(custom.listNamespacedCustomObject({ group: 'ops.example.com', version: 'v1', namespace: 'default', plural: 'backups' }));
    expect(gone.code).toBe(404);
    const crdGone = await failure(extensions.readCustomResourceDefinition({ name: 'backups.ops.example.com' }));
    expect(crdGone.body.message).toBe('customresourcedefinitions.apiextensions.k8s.io "backups.ops.example.com" not found');
  });
});
