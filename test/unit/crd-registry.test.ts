import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { ISTIO_CRDS, RESOURCE_TYPES, ResourceRegistry } from '../../server/embedded/apiserver/registry.ts';
import { PLAIN_STRATEGY } from '../../server/embedded/apiserver/strategy.ts';
import { istioCrds, withOpenFallback } from '../../server/embedded/apiserver/crd/istio-crds.ts';
import { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import { installCrds } from '../../server/embedded/controllers/bootstrap.ts';
import { reconcileCrd } from '../../server/embedded/controllers/crd-controller.ts';

const clock = new ScaledClock(1);

function istioStore() {
  const store = new ObjectStore({ clock });
  store.create(store.registry.mustGet('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  installCrds(store, clock, [{ name: 'istio', documents: () => ISTIO_CRDS }]);
  return store;
}

describe('the registry follows the CRDs in the store', () => {
  it('serves Istio\'s kinds from their CRDs: preferred version first, status subresource, columns, no defaults', () => {
    const store = new ObjectStore({ clock });
    const vs = store.registry.mustGet('networking.istio.io', 'virtualservices');
    expect(vs.versions).toEqual(['v1', 'v1beta1', 'v1alpha3']);
    expect(vs.subresources).toEqual(['status']);
    expect(vs.customResource?.printerColumns.map((c) => c.name)).toEqual(['Gateways', 'Hosts', 'Age']);
    const telemetry = store.registry.mustGet('telemetry.istio.io', 'telemetries');
    expect([telemetry.versions, telemetry.customResource?.storageVersion]).toEqual([['v1', 'v1alpha1'], 'v1alpha1']);
    expect(JSON.stringify(vs.schemas)).not.toContain('"default"');
  });

  it('deletes a CRD\'s objects before the CRD, then serves the kind again from the same object when it comes back', () => {
    const store = istioStore();
    const crds = store.registry.mustGet('apiextensions.k8s.io', 'customresourcedefinitions');
    const vs = store.registry.mustGet('networking.istio.io', 'virtualservices');
    store.create(vs, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'default' }, spec: { hosts: ['reviews'] } });
    const terminating = store.delete(crds, undefined, 'virtualservices.networking.istio.io');
    expect(terminating.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    expect(terminating.status?.conditions.find((c: any) => c.type === 'Terminating')).toMatchObject({ status: 'True', reason: 'InstanceDeletionInProgress' });
    // Still served while its objects go, but no new ones are taken.
    expect(() => store.create(vs, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'late', namespace: 'default' }, spec: {} })).toThrow('create not allowed while custom resource definition is terminating');
    reconcileCrd(store, clock, 'virtualservices.networking.istio.io');
    expect(store.get(crds, undefined, 'virtualservices.networking.istio.io')).toBeUndefined();
    expect(store.list(vs)).toEqual([]);
    expect(store.registry.byPlural('networking.istio.io', 'virtualservices')).toBeUndefined();

    installCrds(store, clock, [{ name: 'istio', documents: () => ISTIO_CRDS }]);
    expect(store.registry.byPlural('networking.istio.io', 'virtualservices')).toBe(vs);
    expect(store.get(crds, undefined, 'virtualservices.networking.istio.io')?.status?.conditions.map((c: any) => c.type)).toEqual(['NamesAccepted', 'Established']);
  });

  it('accepts a refused CRD\'s names once the CRD holding them is gone', () => {
    const store = istioStore();
    const crds = store.registry.mustGet('apiextensions.k8s.io', 'customresourcedefinitions');
    const mine = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'vservices.networking.istio.io' },
      spec: { group: 'networking.istio.io', names: { plural: 'vservices', kind: 'VService', shortNames: ['vs'] }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
    };
    store.create(crds, mine);
    reconcileCrd(store, clock, mine.metadata.name);
    const refused = store.get(crds, undefined, mine.metadata.name)!;
    expect(refused.status.conditions[0]).toMatchObject({ type: 'NamesAccepted', status: 'False', reason: 'NameConflict', message: '"vs" is already in use' });
    expect(refused.status.conditions[1]).toMatchObject({ type: 'Established', status: 'False', reason: 'NotAccepted' });
    expect(store.registry.byPlural('networking.istio.io', 'vservices')).toBeUndefined();
    store.delete(crds, undefined, 'virtualservices.networking.istio.io');
    reconcileCrd(store, clock, 'virtualservices.networking.istio.io');
    reconcileCrd(store, clock, mine.metadata.name);
    expect(store.registry.byPlural('networking.istio.io', 'vservices')?.kind).toBe('VService');
    expect(store.get(crds, undefined, mine.metadata.name)!.status.conditions.map((c: any) => c.status)).toEqual(['True', 'True']);
  });
});

describe('a kind served before its CRD', () => {
  it('is taken over in place by the CRD for it, with the CRD\'s schema and columns', () => {
    const standIn = { group: 'example.io', versions: ['v1'], kind: 'Lane', plural: 'lanes', singular: 'lane', namespaced: true, strategy: PLAIN_STRATEGY };
    const registry = new ResourceRegistry([...RESOURCE_TYPES, standIn]);
    const served = registry.mustGet('example.io', 'lanes');
    registry.serve({
      metadata: { name: 'lanes.example.io' },
      spec: { group: 'example.io', names: { plural: 'lanes', kind: 'Lane' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
    });
    expect(registry.namesRefusal('lanes.example.io')).toBeUndefined();
    expect(registry.mustGet('example.io', 'lanes')).toBe(served);
    expect(served.customResource?.printerColumns.map((c) => c.name)).toEqual(['Age']);
    expect(registry.all.filter((t) => t.plural === 'lanes')).toHaveLength(1);
  });
});

describe('Istio\'s CRD schemas', () => {
  it('keep unknown fields in spec and status and no defaults, whatever the schema source gives; a kind it lacks gets the open schema', () => {
    const source = (kind: string) => {
      if (kind === 'Telemetry') throw new Error('no schema');
      return { type: 'object' as const, properties: { spec: { type: 'object' as const, properties: { mode: { type: 'string' as const, default: 'STRICT' } } } } };
    };
    const crds = istioCrds(withOpenFallback(source));
    const pa = crds.find((c) => c.spec.names.kind === 'PeerAuthentication')!.spec.versions[0].schema!.openAPIV3Schema!;
    expect(pa.properties!.spec).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { mode: { type: 'string' } } });
    expect(pa.properties!.status).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    const telemetry = crds.find((c) => c.spec.names.kind === 'Telemetry')!.spec.versions[0].schema!.openAPIV3Schema!;
    expect(telemetry.properties!.spec).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    expect(crds).toHaveLength(15);
  });
});
