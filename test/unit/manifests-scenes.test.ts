import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SCENE_KINDS } from '../../server/kinds.ts';

const ROOT = join(import.meta.dirname, '../..');

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any };
type Scene = { name: string; title: string; namespaces: string[]; platform: string[]; routing: string[]; dataPlane?: 'sidecar' | 'ambient' };

const ROUTING_KINDS = SCENE_KINDS.map((k) => k.kind);
const catalogue = parse(readFileSync(join(ROOT, 'manifests/scenes.yaml'), 'utf8')) as { scenes: Scene[] };
const scenes = catalogue.scenes;

function load(file: string): Obj[] {
  return parseAllDocuments(readFileSync(join(ROOT, file), 'utf8')).map((d) => d.toJS()).filter(Boolean);
}

/** The objects a scene ends up with: files in order, a later object of the same kind/namespace/name wins. */
function sceneState(files: string[], defaultNamespace: string): Map<string, Obj & { namespace: string }> {
  const state = new Map<string, Obj & { namespace: string }>();
  for (const file of files) {
    for (const o of load(file)) {
      const namespace = o.metadata.namespace ?? defaultNamespace;
      state.set(`${o.kind}/${namespace}/${o.metadata.name}`, { ...o, namespace });
    }
  }
  return state;
}

const subset = (labels: Record<string, string>, of: Record<string, string> = {}) =>
  Object.entries(labels).every(([k, v]) => of[k] === v);

/** Everything wrong with the references between a scene's objects, as readable strings. */
function brokenReferences(objects: (Obj & { namespace: string })[]): string[] {
  const problems: string[] = [];
  const of = (kind: string, ns: string) => objects.filter((o) => o.kind === kind && o.namespace === ns);
  const find = (kind: string, ns: string, name: string) => of(kind, ns).find((o) => o.metadata.name === name);
  const podsOf = (ns: string) => of('Deployment', ns).map((d) => d.spec.template.metadata.labels as Record<string, string>);

  for (const o of objects) {
    const where = `${o.kind} ${o.namespace}/${o.metadata.name}`;
    if (o.kind === 'VirtualService') {
      const gateways: string[] = o.spec.gateways ?? ['mesh'];
      for (const gw of gateways) {
        if (gw !== 'mesh' && !find('Gateway', o.namespace, gw)) problems.push(`${where}: gateway ${gw} missing`);
      }
      for (const host of o.spec.hosts) {
        if (host === '*' ? gateways.includes('mesh') : !find('Service', o.namespace, host)) problems.push(`${where}: host ${host} is no service`);
      }
      for (const rule of o.spec.http) {
        for (const { destination, weight } of rule.route) {
          const svc = find('Service', o.namespace, destination.host);
          if (!svc) { problems.push(`${where}: destination ${destination.host} is no service`); continue; }
          if (destination.port && !svc.spec.ports.some((p: any) => p.port === destination.port.number)) {
            problems.push(`${where}: ${destination.host} has no port ${destination.port.number}`);
          }
          if (weight !== undefined && (weight < 0 || weight > 100)) problems.push(`${where}: weight ${weight}`);
          if (destination.subset) {
            const dr = of('DestinationRule', o.namespace).find((d) => d.spec.host === destination.host);
            if (!dr?.spec.subsets?.some((s: any) => s.name === destination.subset)) {
              problems.push(`${where}: subset ${destination.host}/${destination.subset} not defined by a DestinationRule`);
            }
          }
        }
      }
    }
    if (o.kind === 'DestinationRule') {
      const svc = find('Service', o.namespace, o.spec.host);
      if (!svc) { problems.push(`${where}: host ${o.spec.host} is no service`); continue; }
      for (const s of o.spec.subsets ?? []) {
        // Subsets are versions. One with no pods is legal (ratings v2-mysql); the ones routes use are checked below.
        if (s.labels?.version !== s.name) problems.push(`${where}: subset ${s.name} does not select version ${s.name}`);
      }
    }
    if (o.kind === 'Gateway' && String(o.apiVersion).startsWith('networking.istio.io/') && !subset(o.spec.selector, { istio: 'ingressgateway' })) {
      problems.push(`${where}: selector does not pick the istio-ingressgateway pods`);
    }
    if (o.kind === 'AuthorizationPolicy') {
      const selector = o.spec.selector?.matchLabels;
      if (selector && !podsOf(o.namespace).some((labels) => subset(selector, labels))) problems.push(`${where}: selects no pods`);
      for (const rule of o.spec.rules ?? []) {
        for (const from of rule.from ?? []) {
          for (const principal of from.source.principals ?? []) {
            const [, ns, name] = /^cluster\.local\/ns\/([^/]+)\/sa\/(.+)$/.exec(principal) ?? [];
            if (!ns || !find('ServiceAccount', ns, name)) problems.push(`${where}: principal ${principal} is no service account`);
          }
        }
      }
    }
  }
  // Every subset a route uses selects at least one pod of its service.
  for (const vs of objects.filter((o) => o.kind === 'VirtualService')) {
    for (const rule of vs.spec.http) {
      for (const { destination } of rule.route) {
        if (!destination.subset) continue;
        const svc = find('Service', vs.namespace, destination.host);
        const dr = of('DestinationRule', vs.namespace).find((d) => d.spec.host === destination.host);
        const s = dr?.spec.subsets?.find((x: any) => x.name === destination.subset);
        if (svc && s && !podsOf(vs.namespace).some((labels) => subset({ ...svc.spec.selector, ...s.labels }, labels))) {
          problems.push(`VirtualService ${vs.namespace}/${vs.metadata.name}: subset ${destination.host}/${s.name} has no pods`);
        }
      }
    }
  }
  return problems;
}

describe('scenes.yaml', () => {
  it('lists the scenes the talk needs, each once', () => {
    const names = scenes.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const required of ['empty', 'bookinfo', 'gateway', 'all-v1', 'jason-v2', 'ratings-delay', 'ratings-abort',
      'reviews-50-v3', 'reviews-v3', 'timeout-fix', 'circuit-breaker', 'mtls-strict', 'authz', 'lb-policies', 'ambient', 'ambient-mtls', 'ambient-waypoint-jason', 'sandbox']) {
      expect(names).toContain(required);
    }
  });

  it.each(scenes.map((s) => [s.name, s] as const))('%s names existing files and at least one namespace', (_, scene) => {
    expect(scene.title.length).toBeGreaterThan(10);
    expect(scene.namespaces.length).toBeGreaterThan(0);
    for (const file of [...scene.platform, ...scene.routing]) expect(existsSync(join(ROOT, file)), file).toBe(true);
  });

  it.each(scenes.map((s) => [s.name, s] as const))('%s: platform holds workloads, routing holds only routing kinds in its namespaces', (_, scene) => {
    for (const file of scene.platform) {
      for (const o of load(file)) expect(ROUTING_KINDS, `${file} ${o.kind}`).not.toContain(o.kind);
    }
    for (const file of scene.routing) {
      for (const o of load(file)) {
        expect(ROUTING_KINDS, `${file} ${o.kind}`).toContain(o.kind);
        expect(scene.namespaces).toContain(o.metadata.namespace ?? scene.namespaces[0]);
      }
    }
  });

  it.each(scenes.map((s) => [s.name, s] as const))('%s: every route, subset, gateway and policy refers to something that exists', (_, scene) => {
    const state = sceneState([...scene.platform, ...scene.routing], scene.namespaces[0]);
    expect(brokenReferences([...state.values()])).toEqual([]);
  });

  it('turns on sidecar injection before deploying Bookinfo, so a fresh cluster gets 2/2 pods', () => {
    // Ambient scenes turn injection off instead (server/api/scene-data-plane.ts labels the namespace).
    for (const scene of scenes.filter((s) => s.dataPlane !== 'ambient' && s.platform.includes('manifests/bookinfo/bookinfo.yaml'))) {
      const labels = scene.platform.slice(0, scene.platform.indexOf('manifests/bookinfo/bookinfo.yaml')).flatMap(load)
        .find((o) => o.kind === 'Namespace' && o.metadata.name === scene.namespaces[0])?.metadata.labels;
      expect(labels?.['istio-injection'], scene.name).toBe('enabled');
    }
  });

  it('ends the talk scenes in the states the slides describe', () => {
    const reviews = (name: string) => {
      const scene = scenes.find((s) => s.name === name)!;
      return sceneState(scene.routing, scene.namespaces[0]).get('VirtualService/default/reviews')?.spec.http;
    };
    expect(reviews('gateway')).toBeUndefined();
    expect(reviews('all-v1')).toEqual([{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }]);
    expect(reviews('jason-v2')[0].match[0].headers['end-user'].exact).toBe('jason');
    expect(reviews('reviews-50-v3')[0].route.map((r: any) => r.destination.subset)).toEqual(['v1', 'v3']);
    expect(reviews('reviews-v3')[0].route.map((r: any) => r.destination.subset)).toEqual(['v3']);
    expect(reviews('timeout-fix')[0].timeout).toBe('0.5s');
  });
});

describe('the reference check itself', () => {
  it('reports a subset no DestinationRule defines, and a missing gateway', () => {
    const state = sceneState(['manifests/bookinfo/bookinfo.yaml', 'manifests/networking/virtual-service-all-v1.yaml'], 'default');
    const vs = state.get('VirtualService/default/reviews')!;
    state.set('VirtualService/default/orphan', { ...vs, metadata: { name: 'orphan' }, spec: { ...vs.spec, gateways: ['nowhere'] } });
    const problems = brokenReferences([...state.values()]);
    expect(problems).toContain('VirtualService default/reviews: subset reviews/v1 not defined by a DestinationRule');
    expect(problems).toContain('VirtualService default/orphan: gateway nowhere missing');
  });
});

describe('files outside the scenes', () => {
  // Every networking file on its own, applied on top of what the talk has by then.
  const base = ['manifests/bookinfo/bookinfo.yaml', 'manifests/httpbin/httpbin.yaml', 'manifests/httpbin/fortio.yaml',
    'manifests/sleep/sleep.yaml', 'manifests/networking/bookinfo-gateway.yaml', 'manifests/networking/destination-rule-all.yaml'];
  const dirs = ['manifests/networking', 'manifests/httpbin', 'manifests/security'];
  const files = dirs.flatMap((d) => readdirSync(join(ROOT, d)).map((f) => `${d}/${f}`));

  it.each(files)('%s refers only to services, subsets and accounts that Bookinfo has', (file) => {
    const state = sceneState([...base, file], 'default');
    expect(brokenReferences([...state.values()])).toEqual([]);
  });
});
