import type { Clock } from '../../clock.ts';
import { ApiError, alreadyExists, conflict, namespaceNotFound, notFound } from './errors.ts';
import { randomSuffix, rfc3339 } from './object-meta.ts';
import { ResourceRegistry, apiVersionOf } from './registry.ts';
import { prepareForBinding, prepareForFinalize } from './strategy.ts';
import type { KubeObject, ResourceType, StoreEvent, WriteOptions } from './types.ts';
import { utf8ByteLength } from '../portable/bytes.ts';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/**
 * Runs before an object is stored (and on dry runs). It may change `object` (a mutating
 * webhook such as sidecar injection) or throw an ApiError (a validating webhook).
 */
export type AdmissionHook = (op: AdmissionOperation, type: ResourceType, object: KubeObject, old: KubeObject | undefined) => void;

export interface ObjectStoreOptions {
  clock: Clock;
  registry?: ResourceRegistry;
  /** At most how many events are kept for watch resume; older resourceVersions get 410 Expired. */
  eventBufferSize?: number;
  /** How long (simulated ms) an event stays resumable once more than the minimum are kept. */
  eventWindowMs?: number;
  /** How many pods the cluster may hold (see DEFAULT_POD_QUOTA). */
  podQuota?: PodQuota;
}

/** A ResourceQuota on pods: its name, its limit, and whether it counts per namespace or in all. */
export interface PodQuota {
  name: string;
  limit: number;
  perNamespace: boolean;
}

/** etcd's default request limit (1.5 MiB): a bigger object is refused as etcd refuses it. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/**
 * Pods one embedded cluster may hold, enforced as a ResourceQuota would be. Its single node
 * runs at most 110 (the kubelet's max pods), the rest stay Pending; without a bound a valid
 * int32 replica count would fill memory with Pending pods. A quota (rather than, say,
 * silently capping replicas) is what a real cluster answers, so kubectl and the
 * ReplicaSet's events say plainly why no more pods appear.
 */
export const DEFAULT_POD_QUOTA: PodQuota = { name: 'embedded-cluster-pods', limit: 2000, perNamespace: false };

const keyOf = (type: ResourceType, namespace: string | undefined, name: string) =>
  `${type.group}/${type.plural}/${type.namespaced ? namespace ?? '' : ''}/${name}`;

/**
 * The embedded cluster's etcd: every object of every kind, one global resourceVersion,
 * and a ring buffer of events so watches can resume.
 */
/** kube-apiserver's watch cache keeps at least 75 s of events. */
const EVENT_WINDOW_MS = 75_000;
const MIN_KEPT_EVENTS = 100;
const TRIM_BATCH = 64;

export class ObjectStore {
  readonly registry: ResourceRegistry;
  /** The simulated clock creationTimestamps come from; the API server computes ages with it. */
  readonly clock: Clock;
  private readonly objects = new Map<string, KubeObject>();
  /** Objects by `group/plural`: a kind served again after its CRD was re-created finds what is stored, as etcd keeps it. */
  private readonly byType = new Map<string, Map<string, KubeObject>>();
  private readonly events: StoreEvent[] = [];
  /** When each kept event was written (clock ms), index for index with `events`. */
  private readonly eventTimes: number[] = [];
  private readonly eventBufferSize: number;
  private readonly eventWindowMs: number;
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  private readonly admissionHooks: AdmissionHook[] = [];
  private rv = 1000;
  private readonly podQuota: PodQuota;

  constructor(opts: ObjectStoreOptions) {
    this.clock = opts.clock;
    this.registry = opts.registry ?? new ResourceRegistry();
    this.eventBufferSize = opts.eventBufferSize ?? 10_000;
    this.eventWindowMs = opts.eventWindowMs ?? EVENT_WINDOW_MS;
    this.podQuota = opts.podQuota ?? DEFAULT_POD_QUOTA;
    // First listener: a CRD's kind is served before any controller or watch hears of the write.
    this.onEvent((e) => this.registry.observe(e));
  }

  /** The newest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get oldestResumableVersion(): number {
    return this.events.length ? this.events[0].resourceVersion - 1 : this.rv;
  }

  addAdmissionHook(hook: AdmissionHook): void {
    this.admissionHooks.push(hook);
  }

  /** Every change, synchronously, after it is stored. Returns an unsubscribe function. */
  onEvent(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private objectsOf(type: ResourceType): Map<string, KubeObject> {
    const key = `${type.group}/${type.plural}`;
    let objects = this.byType.get(key);
    if (!objects) this.byType.set(key, (objects = new Map()));
    return objects;
  }

  list(type: ResourceType, namespace?: string): KubeObject[] {
    const all = [...this.objectsOf(type).values()];
    return namespace && type.namespaced ? all.filter((o) => o.metadata.namespace === namespace) : all;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(keyOf(type, namespace, name));
  }

  mustGet(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.get(type, namespace, name);
    if (!obj) throw notFound(type, name);
    return obj;
  }

  /** Events after `resourceVersion`, or 'expired' when the buffer no longer reaches back that far. */
  eventsSince(resourceVersion: number): StoreEvent[] | 'expired' {
    if (resourceVersion >= this.rv) return [];
    if (resourceVersion < this.oldestResumableVersion) return 'expired';
    let lo = 0;
    while (lo < this.events.length && this.events[lo].resourceVersion <= resourceVersion) lo++;
    return this.events.slice(lo);
  }

  create(type: ResourceType, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    const obj = structuredClone(input);
    obj.metadata ??= { name: '' };
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = generatedName(obj.metadata.generateName);
    const { name } = obj.metadata;
    if (!name) throw new ApiError(422, 'Invalid', `${type.kind} "" is invalid: metadata.name: Required value: name or generateName is required`, {
      kind: type.kind, causes: [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }],
    });
    if (type.namespaced) {
      obj.metadata.namespace ||= 'default';
      const ns = this.get(this.registry.mustGet('', 'namespaces'), undefined, obj.metadata.namespace);
      if (!ns) throw namespaceNotFound(obj.metadata.namespace);
      if (ns.metadata.deletionTimestamp) throw new ApiError(403, 'Forbidden', `${type.plural} "${name}" is forbidden: unable to create new content in namespace ${obj.metadata.namespace} because it is being terminated`);
    } else {
      delete obj.metadata.namespace;
    }
    if (this.get(type, obj.metadata.namespace, name)) throw alreadyExists(type, name);
    this.checkQuota(type, obj.metadata.namespace, name);
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
    this.runAdmission('CREATE', type, obj, undefined);
    obj.metadata.uid = crypto.randomUUID();
    obj.metadata.creationTimestamp = rfc3339(this.clock.now());
    type.strategy.prepareForCreate(obj);
    if (opts.dryRun) return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rv) } };
    return this.commit('ADDED', type, obj);
  }

  /**
   * Replaces an object (the main resource: where the kind has a status subresource, the
   * stored status stays). A set metadata.resourceVersion must match (optimistic concurrency).
   */
  update(type: ResourceType, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    return this.write(type, input, opts, (obj, old) => type.strategy.prepareForUpdate(obj, old));
  }

  /** Writes an object's status only (the status subresource); the rest stays as stored. */
  updateStatus(type: ResourceType, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    return this.write(type, input, opts, (obj, old) => type.strategy.prepareForStatusUpdate(obj, old));
  }

  /** Binds a pod to its node and writes the status that records it, in one write. */
  bind(type: ResourceType, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    return this.write(type, input, opts, prepareForBinding);
  }

  /** Sets a namespace's spec.finalizers (its finalize write); the last one removed from a Terminating namespace lets it go. */
  finalize(type: ResourceType, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    return this.write(type, input, opts, prepareForFinalize);
  }

  private write(type: ResourceType, input: KubeObject, opts: WriteOptions, prepare: (obj: KubeObject, old: KubeObject) => void): KubeObject {
    const obj = structuredClone(input);
    const old = this.mustGet(type, type.namespaced ? obj.metadata.namespace || 'default' : undefined, obj.metadata.name);
    prepare(obj, old);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(type, obj.metadata.name);
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
    // Identity and bookkeeping belong to the server.
    obj.metadata.namespace = old.metadata.namespace;
    obj.metadata.uid = old.metadata.uid;
    obj.metadata.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) obj.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
    else delete obj.metadata.deletionTimestamp;
    this.runAdmission('UPDATE', type, obj, old);
    if (type.strategy.generation) {
      const specChanged = JSON.stringify(obj.spec) !== JSON.stringify(old.spec);
      obj.metadata.generation = (old.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    }
    // A terminating object whose last finalizer was just removed is gone.
    if (obj.metadata.deletionTimestamp && !type.strategy.finalizers(obj).length) return opts.dryRun ? obj : this.remove(type, old);
    if (sameContent(obj, old)) return old;
    if (opts.dryRun) return { ...obj, metadata: { ...obj.metadata, resourceVersion: old.metadata.resourceVersion } };
    return this.commit('MODIFIED', type, obj);
  }

  /**
   * Deletes an object. One its strategy finds finalizers on (a namespace) is marked
   * terminating instead, and goes once they are removed.
   */
  delete(type: ResourceType, namespace: string | undefined, name: string, opts: WriteOptions = {}): KubeObject {
    const old = this.mustGet(type, type.namespaced ? namespace || 'default' : undefined, name);
    this.runAdmission('DELETE', type, old, old);
    const conflictReason = old.metadata.deletionTimestamp ? type.strategy.repeatedDeleteConflict : undefined;
    if (conflictReason) throw conflict(type, name, conflictReason);
    if (opts.dryRun) return old;
    if (!type.strategy.finalizers(old).length) return this.remove(type, old);
    if (old.metadata.deletionTimestamp) return old;
    const terminating = structuredClone(old) as KubeObject;
    type.strategy.prepareForTerminating(terminating, rfc3339(this.clock.now()));
    return this.commit('MODIFIED', type, terminating);
  }

  private remove(type: ResourceType, old: KubeObject): KubeObject {
    const key = keyOf(type, old.metadata.namespace, old.metadata.name);
    this.objects.delete(key);
    this.objectsOf(type).delete(key);
    const gone = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
    this.emit({ type: 'DELETED', resource: type, object: gone, resourceVersion: this.rv });
    return gone;
  }

  private checkQuota(type: ResourceType, namespace: string | undefined, name: string): void {
    if (type.group !== '' || type.plural !== 'pods') return;
    const { name: quota, limit, perNamespace } = this.podQuota;
    const used = perNamespace ? this.list(type, namespace).length : this.objectsOf(type).size;
    if (used < limit) return;
    throw new ApiError(
      403,
      'Forbidden',
      `pods "${name}" is forbidden: exceeded quota: ${quota}, requested: pods=1, used: pods=${used}, limited: pods=${limit}`,
      { name, kind: 'pods' },
    );
  }

  private commit(eventType: 'ADDED' | 'MODIFIED', type: ResourceType, obj: KubeObject): KubeObject {
    // Only real writes reach etcd; a dry run never does, so it is not refused for size.
    if (utf8ByteLength(JSON.stringify(obj)) > MAX_OBJECT_BYTES) throw new ApiError(413, 'RequestEntityTooLarge', 'etcdserver: request is too large');
    obj.metadata.resourceVersion = String(++this.rv);
    const key = keyOf(type, obj.metadata.namespace, obj.metadata.name);
    deepFreeze(obj);
    this.objects.set(key, obj);
    this.objectsOf(type).set(key, obj);
    this.emit({ type: eventType, resource: type, object: obj, resourceVersion: this.rv });
    return obj;
  }

  /**
   * Each kept event holds a whole earlier version of its object, so a busy cluster's buffer
   * would hold thousands of stale copies. Like kube-apiserver's watch cache, keep what is
   * younger than the window (a watch that falls further behind relists after 410), never
   * fewer than a small floor, never more than the cap. Trimmed in batches: one splice per
   * many writes, not one per write.
   */
  private trimEvents(): void {
    const now = this.clock.now();
    const over = this.events.length - this.eventBufferSize;
    let drop = Math.max(0, over);
    while (this.events.length - drop > MIN_KEPT_EVENTS && now - this.eventTimes[drop] > this.eventWindowMs) drop++;
    if (drop >= TRIM_BATCH || over > 0) {
      this.events.splice(0, drop);
      this.eventTimes.splice(0, drop);
    }
  }

  private emit(e: StoreEvent): void {
    this.events.push(e);
    this.eventTimes.push(this.clock.now());
    this.trimEvents();
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        console.error('store listener failed:', err);
      }
    }
  }

  private runAdmission(op: AdmissionOperation, type: ResourceType, obj: KubeObject, old: KubeObject | undefined): void {
    for (const hook of this.admissionHooks) hook(op, type, obj, old);
  }
}

/** Stored objects are shared with every reader; freezing makes an accidental in-place edit throw. */
function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** The apiserver's generateName rule: the prefix is cut so the name stays within 63 characters. */
const MAX_GENERATE_NAME_PREFIX = 63 - 5;

function generatedName(prefix: string): string {
  return prefix.slice(0, MAX_GENERATE_NAME_PREFIX) + randomSuffix();
}

function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, managedFields: undefined } });
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

