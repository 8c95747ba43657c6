import { describe, expect, it } from 'vitest';
import { defaultChangePolicy, mayChangeKind } from '../../server/api/apply.ts';
import { RESOURCE_TYPES } from '../../server/embedded/apiserver/registry.ts';
import { isSnapshotKind } from '../../server/embedded/mesh/snapshot.ts';
import { findKind, KIND_LIST, kindOfObject } from '../../server/kinds.ts';
import { parseResourcesTopic } from '../../server/protocol.ts';

describe('the one list of kinds', () => {
  it('is served by the embedded cluster as kubectl expects: group, versions, plural, short names, scope', () => {
    for (const k of KIND_LIST) {
      const served = RESOURCE_TYPES.find((t) => t.group === k.group && t.kind === k.kind);
      expect(served, `${k.kind}.${k.group}`).toBeDefined();
      expect(served!.plural, k.id).toBe(k.plural);
      expect(served!.versions[0], k.id).toBe(k.versions[0]);
      expect(served!.namespaced, k.id).toBe(k.namespaced);
      expect(served!.shortNames ?? [], k.id).toEqual([...k.shortNames]);
    }
  });

  it('streams Pods, Deployments, Services and the Istio kinds a panel shows; nothing else is a topic', () => {
    for (const kind of ['Pod', 'Deployment', 'Service', 'VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'PeerAuthentication']) {
      expect(parseResourcesTopic(`resources/${kind}/default`), kind).toEqual({ kind, namespace: 'default' });
    }
    for (const kind of ['Sidecar', 'ConfigMap', 'Secret', 'constructor', '__proto__']) expect(parseResourcesTopic(`resources/${kind}/default`), kind).toBeUndefined();
  });

  it('lets the deck change Istio kinds always, the talk\'s workloads only with --change-kinds talk, and Pods never', () => {
    // Istio's routing kinds and the Gateway API's, which scenes own alike.
    const istio = ['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar', 'PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication', 'Gateway.gateway.networking.k8s.io', 'HTTPRoute', 'ReferenceGrant'];
    expect([...defaultChangePolicy(['default'], 'istio').kinds]).toEqual(istio);
    expect([...defaultChangePolicy(['default'], 'talk').kinds]).toEqual([...istio, 'Namespace', 'Deployment', 'Service', 'ServiceAccount', 'ConfigMap']);
    expect(defaultChangePolicy(['default'], 'talk').kinds.has('Pod')).toBe(false);
  });

  it('tells kinds apart by API group: a Gateway of another group is not Istio\'s', () => {
    const talk = defaultChangePolicy(['default'], 'talk');
    expect(kindOfObject({ apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway' })?.id).toBe('Gateway');
    expect(kindOfObject({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway' })?.id).toBe('Gateway.gateway.networking.k8s.io');
    expect(kindOfObject({ apiVersion: 'example.com/v1', kind: 'Gateway' })).toBeUndefined();
    expect(mayChangeKind(talk, { apiVersion: 'networking.istio.io/v1', kind: 'Gateway' })).toBe(true);
    expect(mayChangeKind(talk, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway' })).toBe(true);
    expect(mayChangeKind(talk, { apiVersion: 'example.com/v1', kind: 'Gateway' })).toBe(false);
    expect(isSnapshotKind({ group: 'networking.istio.io', kind: 'Gateway' })).toBe(true);
    expect(isSnapshotKind({ group: 'gateway.networking.k8s.io', kind: 'Gateway' })).toBe(true);
    expect(isSnapshotKind({ group: 'example.com', kind: 'Gateway' })).toBe(false);
    expect(isSnapshotKind({ group: 'apps', kind: 'ReplicaSet' })).toBe(false);
    expect(findKind('constructor')).toBeUndefined();
  });
});
