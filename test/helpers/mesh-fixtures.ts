/**
 * Test fixtures for the simulated mesh: an ObjectStore holding the manifests' Services and
 * ServiceAccounts, and Running+Ready pods created directly (what the Deployment controller and
 * sidecar injector would produce), so mesh tests do not depend on the controllers.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { Clock } from '../../server/clock.ts';
import { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';
import type { SpanRecord, SpanSink } from '../../server/embedded/tracing/types.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function manifest(relPath: string): KubeObject[] {
  const text = readFileSync(`${ROOT}manifests/${relPath}`, 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((o) => o && typeof o === 'object' && o.kind);
}

/** Creates or replaces each object (kubectl apply, minus the merge). */
export function apply(store: ObjectStore, objects: KubeObject[], namespace = 'default'): void {
  for (const o of objects) {
    const type = store.registry.byApiVersionKind(o.apiVersion!, o.kind!);
    if (!type) throw new Error(`unknown kind ${o.apiVersion}/${o.kind}`);
    const obj = structuredClone(o);
    if (type.namespaced) obj.metadata.namespace ??= namespace;
    const existing = store.get(type, obj.metadata.namespace, obj.metadata.name);
    if (existing) store.update(type, { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } });
    else store.create(type, obj);
  }
}

export function remove(store: ObjectStore, objects: KubeObject[], namespace = 'default'): void {
  for (const o of objects) {
    const type = store.registry.byApiVersionKind(o.apiVersion!, o.kind!)!;
    if (store.get(type, o.metadata.namespace ?? namespace, o.metadata.name)) store.delete(type, o.metadata.namespace ?? namespace, o.metadata.name);
  }
}

export function ensureNamespace(store: ObjectStore, name: string, labels: Record<string, string> = {}): void {
  const ns = store.registry.mustGet('', 'namespaces');
  if (!store.get(ns, undefined, name)) store.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
}

let podCounter = 10;

export interface PodSpecInput {
  deployment: string;
  namespace?: string;
  labels: Record<string, string>;
  serviceAccount?: string;
  sidecar?: boolean;
  ready?: boolean;
  containerName?: string;
}

/** A Running pod as the controllers would leave it: owner ReplicaSet, pod IP, Ready condition, optional istio-proxy. */
export function addPod(store: ObjectStore, p: PodSpecInput): KubeObject {
  const pods = store.registry.mustGet('', 'pods');
  const n = podCounter++;
  const rs = `${p.deployment}-${(5_000_000 + n * 7919).toString(36)}`;
  const ready = p.ready ?? true;
  const containers: any[] = [{ name: p.containerName ?? p.labels.app ?? p.deployment, image: `example/${p.deployment}:1` }];
  if (p.sidecar ?? true) containers.push({ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.0' });
  return store.create(pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${rs}-${n.toString(36).padStart(5, 'x')}`,
      namespace: p.namespace ?? 'default',
      labels: { ...p.labels, 'pod-template-hash': rs.split('-').pop()! },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: `uid-${rs}`, controller: true }],
    },
    spec: { serviceAccountName: p.serviceAccount ?? 'default', containers },
    status: {
      phase: 'Running',
      podIP: `10.244.${Math.floor(n / 250)}.${(n % 250) + 2}`,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  });
}

/** Pods for every Deployment among `objects` (replicas from the spec). */
export function podsFor(store: ObjectStore, objects: KubeObject[], opts: { namespace?: string; sidecar?: boolean } = {}): KubeObject[] {
  const created: KubeObject[] = [];
  for (const d of objects.filter((o) => o.kind === 'Deployment')) {
    const inject = opts.sidecar ?? d.spec.template.metadata?.annotations?.['sidecar.istio.io/inject'] !== 'false';
    for (let i = 0; i < (d.spec.replicas ?? 1); i++) {
      created.push(
        addPod(store, {
          deployment: d.metadata.name,
          namespace: d.metadata.namespace ?? opts.namespace ?? 'default',
          labels: d.spec.template.metadata.labels,
          serviceAccount: d.spec.template.spec.serviceAccountName,
          sidecar: inject,
          containerName: d.spec.template.spec.containers[0].name,
        }),
      );
    }
  }
  return created;
}

export function deletePods(store: ObjectStore, namespace: string, predicate: (pod: KubeObject) => boolean): number {
  const pods = store.registry.mustGet('', 'pods');
  const doomed = store.list(pods, namespace).filter(predicate);
  for (const p of doomed) store.delete(pods, namespace, p.metadata.name);
  return doomed.length;
}

/** A span sink that keeps everything, for assertions. */
export class SpanCollector implements SpanSink {
  readonly spans: SpanRecord[] = [];
  record(span: SpanRecord): void {
    this.spans.push(span);
  }
  trace(traceID: string): SpanRecord[] {
    return this.spans.filter((s) => s.traceID === traceID);
  }
  clear(): void {
    this.spans.length = 0;
  }
}

export const tag = (span: SpanRecord, key: string) => span.tags.find((t) => t.key === key)?.value;

/**
 * An embedded-cluster-like store with istio-system's ingress gateway pod and, unless told
 * otherwise, Bookinfo applied with sidecars plus the bookinfo gateway.
 */
export function bookinfoStore(clock: Clock, opts: { bookinfo?: boolean; gateway?: boolean; ambient?: boolean } = {}): ObjectStore {
  const store = new ObjectStore({ clock });
  // Ambient: the namespace enrolled, no sidecars, and a node ztunnel in istio-system.
  ensureNamespace(store, 'default', opts.ambient ? { 'istio.io/dataplane-mode': 'ambient' } : { 'istio-injection': 'enabled' });
  ensureNamespace(store, 'istio-system');
  addPod(store, { deployment: 'istio-ingressgateway', namespace: 'istio-system', labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' }, sidecar: false });
  if (opts.ambient) addPod(store, { deployment: 'ztunnel', namespace: 'istio-system', labels: { app: 'ztunnel' }, serviceAccount: 'ztunnel', sidecar: false, containerName: 'istio-proxy' });
  if (opts.bookinfo ?? true) {
    const bookinfo = manifest('bookinfo/bookinfo.yaml');
    apply(store, bookinfo.filter((o) => o.kind !== 'Deployment'));
    podsFor(store, bookinfo, { sidecar: !opts.ambient });
  }
  if (opts.gateway ?? true) apply(store, manifest('networking/bookinfo-gateway.yaml'));
  return store;
}

/** Classifies a product page the way a user reads it. */
export function readPage(html: string): { reviews: 'v1' | 'v2' | 'v3' | 'error' | 'ratings-unavailable'; details: boolean; servedBy?: string; user?: string } {
  const servedBy = /Reviews served by:\s*([^\s<]+)/.exec(html)?.[1];
  const user = /data-user="([^"]+)"/.exec(html)?.[1];
  const details = !html.includes('Error fetching product details');
  let reviews: 'v1' | 'v2' | 'v3' | 'error' | 'ratings-unavailable';
  if (html.includes('Error fetching product reviews')) reviews = 'error';
  else if (html.includes('Ratings service is currently unavailable')) reviews = 'ratings-unavailable';
  else if (/class="flex gap-x-1 text-red-500"/.test(html)) reviews = 'v3';
  else if (/class="flex gap-x-1 text-black-500"/.test(html)) reviews = 'v2';
  else reviews = 'v1';
  return { reviews, details, servedBy, user };
}
