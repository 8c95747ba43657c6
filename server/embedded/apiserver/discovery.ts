import { compareVersions } from './crd/version-priority.ts';
import type { ResourceRegistry } from './registry.ts';
import type { ResourceType } from './types.ts';

/** The Content-Type kubectl needs to recognise aggregated discovery. */
export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NAMESPACE_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '70d3cc986aa8221cd1dfb1121852688902d3bf53',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T18:04:20Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const verbsOf = (t: ResourceType) => (t.kind === 'Namespace' && t.group === '' ? NAMESPACE_VERBS : VERBS);

/** Group names in discovery order ('' is the core group). */
function groups(registry: ResourceRegistry): Map<string, { versions: string[]; types: ResourceType[] }> {
  const out = new Map<string, { versions: string[]; types: ResourceType[] }>();
  for (const t of registry.all) {
    const g = out.get(t.group) ?? { versions: [], types: [] };
    for (const v of t.versions) if (!g.versions.includes(v)) g.versions.push(v);
    g.types.push(t);
    out.set(t.group, g);
  }
  // A group's versions by priority: the first is the preferred one, whichever kind brought it.
  for (const g of out.values()) g.versions.sort(compareVersions);
  // CRD-backed groups share one priority, below every built-in group, and sort by name, as the
  // aggregator orders them; so `kubectl get gateway` means the Gateway API's kind, not Istio's.
  const custom = (name: string) => out.get(name)!.types.some((t) => t.customResource);
  const names = [...out.keys()];
  const ordered = [...names.filter((n) => !custom(n)), ...names.filter(custom).sort()];
  return new Map(ordered.map((n) => [n, out.get(n)!]));
}

function subresourceKind(t: ResourceType, sub: string): { group: string; version: string; kind: string } {
  if (sub === 'scale') return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  return { group: t.group, version: t.versions[0], kind: t.kind };
}

function aggregatedResource(t: ResourceType, version: string) {
  const subresources = (t.subresources ?? []).map((sub) => ({
    subresource: sub,
    responseKind: sub === 'log' ? { group: '', version: '', kind: '' } : subresourceKind(t, sub),
    verbs: sub === 'log' ? ['get'] : ['get', 'patch', 'update'],
  }));
  return {
    resource: t.plural,
    responseKind: { group: t.group, version, kind: t.kind },
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular,
    verbs: verbsOf(t),
    ...(t.shortNames?.length ? { shortNames: t.shortNames } : {}),
    ...(t.categories?.length ? { categories: t.categories } : {}),
    ...(subresources.length ? { subresources } : {}),
  };
}

function aggregatedGroup(name: string, g: { versions: string[]; types: ResourceType[] }, core: boolean) {
  return {
    metadata: core ? { creationTimestamp: null } : { name, creationTimestamp: null },
    versions: g.versions.map((v) => ({
      version: v,
      freshness: 'Current',
      resources: g.types.filter((t) => t.versions.includes(v)).map((t) => aggregatedResource(t, v)),
    })),
  };
}

/** `/api` or `/apis` in the aggregated (apidiscovery.k8s.io/v2) form. */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean) {
  const items = [...groups(registry)].filter(([name]) => (name === '') === core).map(([name, g]) => aggregatedGroup(name, g, core));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

export function legacyApiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function legacyApiGroupList(registry: ResourceRegistry) {
  const list = [...groups(registry)].filter(([name]) => name !== '').map(([name, g]) => ({
    name,
    versions: g.versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${name}/${g.versions[0]}`, version: g.versions[0] },
  }));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: list };
}

export function legacyApiGroup(registry: ResourceRegistry, group: string) {
  const g = groups(registry).get(group);
  if (!g || group === '') return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: group,
    versions: g.versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${group}/${g.versions[0]}`, version: g.versions[0] },
  };
}

/**
 * `/api/v1` or `/apis/{g}/{v}`. Subresources come after their main resource: client-node's
 * KubernetesObjectApi takes the first entry whose kind matches.
 */
export function apiResourceList(registry: ResourceRegistry, group: string, version: string) {
  const types = registry.all.filter((t) => t.group === group && t.versions.includes(version));
  if (!types.length) return undefined;
  const resources: unknown[] = [];
  for (const t of types) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: verbsOf(t),
      ...(t.shortNames?.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories?.length ? { categories: t.categories } : {}),
    });
  }
  for (const t of types) {
    for (const sub of t.subresources ?? []) {
      const k = subresourceKind(t, sub);
      resources.push({
        name: `${t.plural}/${sub}`,
        singularName: '',
        namespaced: t.namespaced,
        ...(sub === 'scale' ? { group: k.group, version: k.version } : {}),
        kind: sub === 'log' ? 'Pod' : k.kind,
        verbs: sub === 'log' ? ['get'] : ['get', 'patch', 'update'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
