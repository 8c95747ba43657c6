import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, BOOTSTRAP_CRDS } from '../../server/embedded/controllers/bootstrap.ts';
import { startCrdController } from '../../server/embedded/controllers/crd-controller.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { makeKubectl } from '../helpers/kubectl.ts';

let api: TestApiServer;
let kubectl: ReturnType<typeof makeKubectl>;
let controller: { stop(): void };

/** A CRD a user writes: two served versions, a status subresource, columns, short name, category, defaults and constraints. */
const WIDGETS = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    listKind: WidgetList
    plural: widgets
    singular: widget
    shortNames: [wd]
    categories: [example]
  scope: Namespaced
  versions:
  - name: v1beta1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, x-kubernetes-preserve-unknown-fields: true}}}}
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    additionalPrinterColumns:
    - name: Size
      type: string
      jsonPath: .spec.size
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Phase
      type: string
      jsonPath: .status.phase
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size:
                type: string
                enum: [small, large]
              replicas:
                type: integer
                minimum: 1
                default: 1
              color:
                type: string
                pattern: '^[a-z]+$'
              tags:
                type: array
                maxItems: 2
                items:
                  type: string
          status:
            type: object
            properties:
              phase:
                type: string
`;

const widget = (name: string, spec: string) => `apiVersion: example.com/v1
kind: Widget
metadata:
  name: ${name}
spec:
${spec}
`;

const rows = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));

beforeAll(async () => {
  api = await startTestApiServer();
  installCrds(api.store, api.clock, BOOTSTRAP_CRDS.filter((s) => s.name === 'istio'));
  controller = startCrdController(api.store, api.clock);
  kubectl = makeKubectl(api.kubeconfigPath);
});

afterAll(async () => {
  controller?.stop();
  await api?.stop();
});

describe('CustomResourceDefinitions with the real kubectl', () => {
  it('lists Istio\'s CRDs as a real install has them, with NAME and CREATED AT', async () => {
    const r = await kubectl.run(['get', 'crd']);
    expect(r.stderr).toBe('');
    const table = rows(r.stdout);
    expect(table[0]).toEqual(['NAME', 'CREATED AT']);
    const names = table.slice(1).map((row) => row[0]);
    expect(names).toHaveLength(15);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('virtualservices.networking.istio.io');
    expect(names).toContain('telemetries.telemetry.istio.io');
    expect(table[1][1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const named = await kubectl.run(['get', 'crd', '-oname']);
    expect(named.stdout.split('\n')).toContain('customresourcedefinition.apiextensions.k8s.io/gateways.networking.istio.io');
    const vs = JSON.parse((await kubectl.run(['get', 'crd', 'virtualservices.networking.istio.io', '-o', 'json'])).stdout);
    expect(vs.spec.names).toMatchObject({ kind: 'VirtualService', shortNames: ['vs'], categories: ['istio-io', 'networking-istio-io'] });
    expect(vs.spec.versions.map((v: any) => `${v.name}:${v.storage}`)).toEqual(['v1:true', 'v1alpha3:false', 'v1beta1:false']);
    expect(vs.status.storedVersions).toEqual(['v1']);
    expect(vs.status.conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
  });

  it('serves a newly applied CRD at once: wait for established, then get by plural, short name and category', async () => {
    const applied = await kubectl.run(['apply', '-f', '-'], { input: WIDGETS });
    expect(applied.stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created');
    const waited = await kubectl.run(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/widgets.example.com']);
    expect(waited.stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met');
    const resources = rows((await kubectl.run(['api-resources', '--api-group=example.com'])).stdout);
    expect(resources[1]).toEqual(['widgets', 'wd', 'example.com/v1', 'true', 'Widget']);
    const empty = await kubectl.run(['get', 'widgets']);
    expect(empty.stderr.trim()).toBe('No resources found in default namespace.');
    expect(empty.code).toBe(0);

    // Unknown fields are pruned when the client does not ask for strict field validation.
    const created = await kubectl.run(['apply', '--validate=false', '-f', '-'], { input: widget('w1', '  size: small\n  color: blue\n  shape: round') });
    expect(created.stdout.trim()).toBe('widget.example.com/w1 created');
    const table = rows((await kubectl.run(['get', 'wd'])).stdout);
    expect(table[0]).toEqual(['NAME', 'SIZE', 'REPLICAS', 'PHASE', 'AGE']);
    expect(table[1].slice(0, 3)).toEqual(['w1', 'small', '1']);
    // One kind in the category: kubectl prints its table without the kind prefix.
    const byCategory = rows((await kubectl.run(['get', 'example'])).stdout);
    expect(byCategory.map((row) => row[0])).toEqual(['NAME', 'w1']);
  });

  it('prunes unknown fields, fills in defaults and reads the one stored object in every served version', async () => {
    const v1 = JSON.parse((await kubectl.run(['get', 'widget', 'w1', '-o', 'json'])).stdout);
    expect(v1.apiVersion).toBe('example.com/v1');
    expect(v1.spec).toEqual({ size: 'small', color: 'blue', replicas: 1 });
    const beta = JSON.parse((await kubectl.run(['get', 'widgets.v1beta1.example.com', 'w1', '-o', 'json'])).stdout);
    expect(beta.apiVersion).toBe('example.com/v1beta1');
    expect(beta.metadata.uid).toBe(v1.metadata.uid);
  });

  it('refuses an invalid object with the schema\'s messages and field paths', async () => {
    const r = await kubectl.run(['apply', '-f', '-'], { input: widget('bad', '  size: huge\n  replicas: 0\n  color: Blue1\n  tags: [a, b, c]') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Widget "bad" is invalid:');
    expect(r.stderr).toContain('spec.size: Unsupported value: "huge": supported values: "small", "large"');
    expect(r.stderr).toContain('spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1');
    expect(r.stderr).toContain(`spec.color: Invalid value: "Blue1": spec.color in body should match '^[a-z]+$'`);
    expect(r.stderr).toContain('spec.tags: Too many: 3: must have at most 2 items');
    const missing = await kubectl.run(['apply', '-f', '-'], { input: widget('bad2', '  replicas: "two"') });
    expect(missing.stderr).toContain('spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    expect(missing.stderr).toContain('spec.size: Required value');
    expect((await kubectl.run(['get', 'widgets', '-o', 'name'])).stdout.trim()).toBe('widget.example.com/w1');
  });

  it('writes status only through the status subresource', async () => {
    const patched = await kubectl.run(['patch', 'widget', 'w1', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Ready"}}']);
    expect(patched.stdout.trim()).toBe('widget.example.com/w1 patched');
    await kubectl.run(['patch', 'widget', 'w1', '--type=merge', '-p', '{"spec":{"size":"large"},"status":{"phase":"Broken"}}']);
    const table = rows((await kubectl.run(['get', 'widget', 'w1'])).stdout);
    expect(table[1].slice(0, 4)).toEqual(['w1', 'large', '1', 'Ready']);
    const obj = JSON.parse((await kubectl.run(['get', 'widget', 'w1', '-o', 'json'])).stdout);
    expect(obj.metadata.generation).toBe(2);
  });

  it('refuses CRDs the apiserver refuses: not structural, a wrong name, two storage versions, a bad scope', async () => {
    const nonStructural = WIDGETS.replace('{spec: {type: object, x-kubernetes-preserve-unknown-fields: true}}', '{spec: {properties: {size: {type: string}}}}');
    const r1 = await kubectl.run(['apply', '--dry-run=server', '-f', '-'], { input: nonStructural });
    expect(r1.stderr).toContain('The CustomResourceDefinition "widgets.example.com" is invalid: spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields');
    const wrongName = WIDGETS.replace('name: widgets.example.com', 'name: gizmos.example.com');
    const r2 = await kubectl.run(['create', '-f', '-'], { input: wrongName });
    expect(r2.stderr).toContain('The CustomResourceDefinition "gizmos.example.com" is invalid: metadata.name: Invalid value: "gizmos.example.com": must be spec.names.plural+"."+spec.group');
    const twoStorage = WIDGETS.replace('name: widgets.example.com', 'name: things.example.com').replace('plural: widgets', 'plural: things').replace('storage: false', 'storage: true');
    const r3 = await kubectl.run(['create', '-f', '-'], { input: twoStorage });
    expect(r3.stderr).toContain('spec.versions: Invalid value:');
    expect(r3.stderr).toContain('must have exactly one version marked as storage version');
    const badScope = WIDGETS.replace('name: widgets.example.com', 'name: things.example.com').replace('plural: widgets', 'plural: things').replace('scope: Namespaced', 'scope: Global');
    const r4 = await kubectl.run(['create', '-f', '-'], { input: badScope });
    expect(r4.stderr).toContain('spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"');
    expect((await kubectl.run(['get', 'crd', 'things.example.com'])).code).not.toBe(0);
  });

  it('stores a CRD whose names clash but does not serve it, saying why in NamesAccepted', async () => {
    const clash = WIDGETS.replace('name: widgets.example.com', 'name: gadgets.example.com').replace('plural: widgets', 'plural: gadgets').replace('singular: widget', 'singular: gadget').replace('kind: Widget', 'kind: Gadget').replace('listKind: WidgetList', 'listKind: GadgetList');
    expect((await kubectl.run(['create', '-f', '-'], { input: clash })).code).toBe(0);
    const reason = await kubectl.run(['wait', '--for=condition=NamesAccepted=False', '--timeout=20s', 'crd/gadgets.example.com']);
    expect(reason.code).toBe(0);
    const message = await kubectl.run(['get', 'crd', 'gadgets.example.com', '-o', 'jsonpath={.status.conditions[?(@.type=="NamesAccepted")].message}']);
    expect(message.stdout).toBe('"wd" is already in use');
    expect((await kubectl.run(['get', 'gadgets'])).stderr).toContain(`the server doesn't have a resource type "gadgets"`);
    await kubectl.run(['delete', 'crd', 'gadgets.example.com']);
  });

  it('deletes a CRD with its objects, then its API', async () => {
    const r = await kubectl.run(['delete', 'crd', 'widgets.example.com']);
    expect(r.stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io "widgets.example.com" deleted');
    const gone = await kubectl.run(['get', 'widgets']);
    expect(gone.code).not.toBe(0);
    // kubectl's cached discovery still names the kind, so it asks and hears 404, as from a real cluster.
    expect(gone.stderr).toContain('Error from server (NotFound): Unable to list "example.com/v1, Resource=widgets": the server could not find the requested resource');
    expect(api.store.registry.byPlural('example.com', 'widgets')).toBeUndefined();
    // Applied again, the kind starts empty: the objects went with the CRD.
    await kubectl.run(['apply', '-f', '-'], { input: WIDGETS });
    await kubectl.run(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/widgets.example.com']);
    expect((await kubectl.run(['get', 'widgets'])).stderr.trim()).toBe('No resources found in default namespace.');
  });
});
