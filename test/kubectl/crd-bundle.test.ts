import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_API_STANDARD_BUNDLE, crdsInFile } from '../../server/embedded/apiserver/crd/bundle-file.ts';
import { bootstrapCluster, installCrds } from '../../server/embedded/controllers/bootstrap.ts';
import { startCrdController } from '../../server/embedded/controllers/crd-controller.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { makeKubectl } from '../helpers/kubectl.ts';

let api: TestApiServer;
let kubectl: ReturnType<typeof makeKubectl>;
let controller: { stop(): void };
let dir: string;

/** A bundle laid out as the Gateway API's install files are: `---`, a comment naming the source file, then the CRD. */
const crdDoc = (plural: string, kind: string, scope: string, shortName: string) => `---
#
# config/crd/standard/example.io_${plural}.yaml
#
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    example.io/bundle-version: v0.1.0
  name: ${plural}.example.io
spec:
  group: example.io
  names: {categories: [example-api], kind: ${kind}, listKind: ${kind}List, plural: ${plural}, shortNames: [${shortName}], singular: ${kind.toLowerCase()}}
  scope: ${scope}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {mode: {type: string, default: Same}}}, status: {type: object}}}}
`;
const BUNDLE = crdDoc('lanes', 'Lane', 'Namespaced', 'ln') + crdDoc('lanepolicies', 'LanePolicy', 'Cluster', 'lp');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crd-bundle-'));
  api = await startTestApiServer();
  controller = startCrdController(api.store, api.clock);
  kubectl = makeKubectl(api.kubeconfigPath);
});

afterAll(async () => {
  controller?.stop();
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('CRD bundles', () => {
  it('bootstrap installs Istio\'s CRDs and the project\'s Gateway API bundle, all established', async () => {
    bootstrapCluster(api.store, api.clock);
    const bundle = crdsInFile(GATEWAY_API_STANDARD_BUNDLE).map((c) => c.metadata.name);
    const listed = JSON.parse((await kubectl.run(['get', 'crd', '-o', 'json'])).stdout).items;
    expect(listed).toHaveLength(15 + bundle.length);
    for (const name of bundle) expect(listed.map((c: any) => c.metadata.name)).toContain(name);
    for (const crd of listed) expect(crd.status.conditions.find((c: any) => c.type === 'Established')?.status, crd.metadata.name).toBe('True');
  });

  it('installs a bundle file at bootstrap, and the same file applied with kubectl updates it in place', async () => {
    const file = join(dir, 'standard-install.yaml');
    writeFileSync(file, BUNDLE);
    installCrds(api.store, api.clock, [{ name: 'example', documents: () => crdsInFile(file) }]);
    const uid = JSON.parse((await kubectl.run(['get', 'crd', 'lanes.example.io', '-o', 'json'])).stdout).metadata.uid;
    expect(uid).toBeTruthy();
    // As istio.io installs the Gateway API: only when the CRD is missing; here it is not.
    expect((await kubectl.run(['get', 'crd', 'lanes.example.io'])).code).toBe(0);
    writeFileSync(file, BUNDLE.replaceAll('v0.1.0', 'v0.2.0'));
    const applied = await kubectl.run(['apply', '-f', file]);
    expect(applied.stdout.trim().split('\n')).toEqual([
      'customresourcedefinition.apiextensions.k8s.io/lanes.example.io configured',
      'customresourcedefinition.apiextensions.k8s.io/lanepolicies.example.io configured',
    ]);
    const after = JSON.parse((await kubectl.run(['get', 'crd', 'lanes.example.io', '-o', 'json'])).stdout);
    expect(after.metadata.uid).toBe(uid);
    expect(after.metadata.annotations['example.io/bundle-version']).toBe('v0.2.0');
    expect(after.metadata.generation).toBe(1);
    const again = await kubectl.run(['apply', '--server-side', '-f', file]);
    expect(again.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/lanes.example.io serverside-applied');
  });

  it('serves a bundle\'s namespaced and cluster-scoped kinds with their defaults and category', async () => {
    await kubectl.run(['apply', '-f', '-'], { input: 'apiVersion: example.io/v1\nkind: LanePolicy\nmetadata: {name: global}\nspec: {}\n---\napiVersion: example.io/v1\nkind: Lane\nmetadata: {name: fast, namespace: default}\nspec: {mode: All}\n' });
    const policy = JSON.parse((await kubectl.run(['get', 'lp', 'global', '-o', 'json'])).stdout);
    expect(policy.metadata.namespace).toBeUndefined();
    expect(policy.spec).toEqual({ mode: 'Same' });
    const category = await kubectl.run(['get', 'example-api', '-o', 'name']);
    expect(category.stdout.trim().split('\n').sort()).toEqual(['lane.example.io/fast', 'lanepolicy.example.io/global']);
  });
});
