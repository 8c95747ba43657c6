/**
 * What the deck's replicas share: the presenter's slide, the routing API the talk shows and the current scene. Kept in
 * one ConfigMap and read back through a watch on that ConfigMap alone, so every replica
 * publishes the same values. Without a cluster to keep them in (embedded mode, or RBAC
 * that forbids it) they stay in this process, and the status says why.
 *
 * Events: 'change' (key, value), for local sets at once and for other replicas' writes;
 * 'status' (SharedStateStatus).
 */
import { EventEmitter } from 'node:events';
import * as k8s from '@kubernetes/client-node';
import { errorMessage, errorStatus, type ClusterConnection } from '../cluster/connection.ts';
import { ResourceInformer, type InformerState } from '../cluster/resource-informer.ts';
import { FEED_LIVE, type LiveFeed } from './feed.ts';
import { DEFAULT_ROUTING_API, parsePresenterPosition, parseRoutingApi, type CurrentScene, type PresenterPosition, type RoutingApiChoice, type SharedStateStatus } from '../protocol.ts';

/**
 * One shared value as a live feed, so the presenter's topic runs like every other stream.
 * Shared state falls back to this process instead of failing, so the feed is always live;
 * where the value is kept is reported in health (sharedState), not as a topic error.
 */
export class SharedValueFeed<K extends Key> extends EventEmitter implements LiveFeed<SharedValues[K]> {
  readonly status = FEED_LIVE;
  private readonly onChange = (key: Key, value: unknown) => {
    if (key === this.key) this.emit('change', value as SharedValues[K]);
  };

  constructor(private readonly shared: SharedState, private readonly key: K) {
    super();
  }

  start(): void {
    this.shared.on('change', this.onChange);
  }

  stop(): void {
    this.shared.off('change', this.onChange);
  }
}

export const STATE_CONFIGMAP = 'istio-live-deck-state';

export interface SharedValues {
  presenter: PresenterPosition;
  routingApi: RoutingApiChoice;
  scene?: CurrentScene;
}
type Key = keyof SharedValues;
const KEYS: Key[] = ['presenter', 'routingApi', 'scene'];
/** A value larger than this in the ConfigMap is not ours: ignore it. */
const MAX_VALUE_BYTES = 4096;

export interface SharedStateOptions {
  /** Writes wait this long to coalesce a burst (a presenter flipping fast); default 100 ms. */
  debounceMs?: number;
  /** Longest wait between retries when the ConfigMap cannot be written; default 30 s. */
  maxBackoffMs?: number;
}

export class SharedState extends EventEmitter {
  private readonly values: SharedValues = { presenter: { h: 0, v: 0 }, routingApi: { api: DEFAULT_ROUTING_API } };
  /** Set here, not yet sent; newest value per key, so a burst becomes one write. */
  private readonly pending = new Map<Key, unknown>();
  private readonly inFlight = new Set<Key>();
  private backing?: { connection: ClusterConnection; namespace: string; name: string };
  private informer?: ResourceInformer;
  /** The ConfigMap exists (found or created): writes may go out. */
  private ready = false;
  private writing = false;
  private flushTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  private lastResourceVersion = 0;
  private stopped = false;
  status: SharedStateStatus = { where: 'memory' };

  constructor(private readonly opts: SharedStateOptions = {}) {
    super();
  }

  get<K extends Key>(key: K): SharedValues[K] {
    return this.values[key];
  }

  /** Takes effect here at once (the local echo); reaches the ConfigMap after the debounce. */
  set<K extends Key>(key: K, value: SharedValues[K]): void {
    this.values[key] = value;
    this.emit('change', key, value);
    if (!this.backing || this.stopped) return;
    this.pending.set(key, value);
    this.scheduleFlush(this.opts.debounceMs ?? 100);
  }

  /** From now on keeps the values in ConfigMap `name` in `namespace`, creating it when missing and allowed. */
  connect(connection: ClusterConnection, namespace: string, name = STATE_CONFIGMAP): void {
    if (this.backing) throw new Error('shared state is already connected');
    this.backing = { connection, namespace, name };
    this.setStatus({ where: 'memory', configMap: `${namespace}/${name}`, message: 'connecting' });
    const informer = new ResourceInformer(connection, 'ConfigMap', namespace, { fieldSelector: `metadata.name=${name}` });
    informer.on('upsert', (cm: k8s.V1ConfigMap) => this.applyRemote(cm));
    // Deleted under us: put it back with what we know.
    informer.on('delete', () => {
      this.ready = false;
      void this.ensure();
    });
    informer.on('status', (s: InformerState) => {
      if (s.state === 'error') this.degrade(`cannot watch ConfigMap ${namespace}/${name}: ${s.message}`);
      else if (s.state === 'live' && this.ready) this.setStatus({ where: 'cluster', configMap: `${namespace}/${name}` });
    });
    this.informer = informer;
    informer.start();
    void this.ensure();
  }

  async stop(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    // A replica going away (a rolling update) still writes the presenter's last flip, briefly.
    if (this.ready && this.pending.size && !this.writing) await Promise.race([this.flush(), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.informer?.stop();
  }

  /** Reads the ConfigMap, or creates it (and its namespace) with the values known here. */
  private async ensure(): Promise<void> {
    const b = this.backing;
    if (!b || this.stopped || this.ready) return;
    clearTimeout(this.retryTimer);
    try {
      let cm: k8s.V1ConfigMap;
      try {
        cm = await b.connection.core.readNamespacedConfigMap({ name: b.name, namespace: b.namespace });
      } catch (err) {
        if (errorStatus(err) !== 404) throw err;
        cm = await this.create();
      }
      this.ready = true;
      this.failures = 0;
      this.applyRemote(cm);
      this.setStatus({ where: 'cluster', configMap: `${b.namespace}/${b.name}` });
      if (this.pending.size) this.scheduleFlush(0);
    } catch (err) {
      this.degrade(this.describe(err));
      this.retry(() => this.ensure());
    }
  }

  private async create(): Promise<k8s.V1ConfigMap> {
    const b = this.backing!;
    const body: k8s.V1ConfigMap = { metadata: { name: b.name, namespace: b.namespace, labels: { 'app.kubernetes.io/part-of': 'istio-live-deck' } }, data: this.encode(KEYS) };
    const createConfigMap = () => b.connection.core.createNamespacedConfigMap({ namespace: b.namespace, body });
    try {
      return await this.createdOrRead(createConfigMap);
    } catch (err) {
      if (errorStatus(err) !== 404) throw err;
      // The namespace is missing too.
      await b.connection.core.createNamespace({ body: { metadata: { name: b.namespace } } }).catch((e) => {
        if (errorStatus(e) !== 409) throw e;
      });
      return this.createdOrRead(createConfigMap);
    }
  }

  /** Another replica may create it first: then read theirs. */
  private async createdOrRead(create: () => Promise<k8s.V1ConfigMap>): Promise<k8s.V1ConfigMap> {
    try {
      return await create();
    } catch (err) {
      if (errorStatus(err) !== 409) throw err;
      return this.backing!.connection.core.readNamespacedConfigMap({ name: this.backing!.name, namespace: this.backing!.namespace });
    }
  }

  private scheduleFlush(ms: number): void {
    if (this.flushTimer || this.writing || !this.ready) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, ms);
    this.flushTimer.unref?.();
  }

  /** One merge patch with the newest value of every key set since the last write: last write wins. */
  private async flush(): Promise<void> {
    const b = this.backing;
    if (!b || this.stopped || !this.ready || !this.pending.size) return;
    this.writing = true;
    const batch = new Map(this.pending);
    this.pending.clear();
    for (const k of batch.keys()) this.inFlight.add(k);
    let retryMs = this.opts.debounceMs ?? 100;
    try {
      const cm = await b.connection.core.patchNamespacedConfigMap(
        { name: b.name, namespace: b.namespace, body: { data: this.encode([...batch.keys()], batch) } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      this.inFlight.clear();
      this.failures = 0;
      this.applyRemote(cm);
      this.setStatus({ where: 'cluster', configMap: `${b.namespace}/${b.name}` });
    } catch (err) {
      this.inFlight.clear();
      // Not written: send it again, unless something newer was set meanwhile.
      for (const [k, v] of batch) if (!this.pending.has(k)) this.pending.set(k, v);
      if (errorStatus(err) === 404) {
        this.ready = false;
        void this.ensure();
        return;
      }
      this.degrade(this.describe(err));
      retryMs = this.backoffMs();
    } finally {
      this.writing = false;
    }
    if (this.pending.size) this.scheduleFlush(retryMs);
  }

  /** Takes the ConfigMap's values, except for keys this replica has newer values for. */
  private applyRemote(cm: k8s.V1ConfigMap): void {
    // Events can arrive after a later write's answer: an older version changes nothing.
    const rv = Number(cm.metadata?.resourceVersion);
    if (Number.isSafeInteger(rv)) {
      if (rv <= this.lastResourceVersion) return;
      this.lastResourceVersion = rv;
    }
    for (const key of KEYS) {
      if (this.pending.has(key) || this.inFlight.has(key)) continue;
      const value = decode(key, cm.data?.[key]);
      if (value === undefined || JSON.stringify(value) === JSON.stringify(this.values[key])) continue;
      (this.values as Record<Key, unknown>)[key] = value;
      this.emit('change', key, value);
    }
  }

  private encode(keys: Key[], from: Map<Key, unknown> = new Map(KEYS.map((k) => [k, this.values[k]]))): Record<string, string> {
    const data: Record<string, string> = {};
    for (const k of keys) if (from.get(k) !== undefined) data[k] = JSON.stringify(from.get(k));
    return data;
  }

  private degrade(message: string): void {
    const b = this.backing!;
    this.setStatus({ where: 'memory', configMap: `${b.namespace}/${b.name}`, message: `the presenter's slide, routing API and scene are kept in this replica only: ${message}` });
  }

  private describe(err: unknown): string {
    const b = this.backing!;
    const status = errorStatus(err);
    if (status === 401 || status === 403) return `not allowed to read, create or write ConfigMap ${b.namespace}/${b.name} (${status}: ${errorMessage(err)})`;
    return `ConfigMap ${b.namespace}/${b.name}: ${errorMessage(err)}`;
  }

  private backoffMs(): number {
    return Math.min(this.opts.maxBackoffMs ?? 30_000, 500 * 2 ** Math.min(this.failures++, 6));
  }

  private retry(fn: () => Promise<void>): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void fn(), this.backoffMs());
    this.retryTimer.unref?.();
  }

  private setStatus(status: SharedStateStatus): void {
    if (JSON.stringify(status) === JSON.stringify(this.status)) return;
    this.status = status;
    this.emit('status', status);
  }
}

/** A value from the ConfigMap, checked like any network input; undefined when absent or malformed. */
function decode(key: Key, raw: string | undefined): unknown {
  if (raw === undefined || raw.length > MAX_VALUE_BYTES) return undefined;
  let v: any;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (key === 'presenter') return parsePresenterPosition(v);
  if (key === 'routingApi') {
    const api = parseRoutingApi(v?.api);
    return api ? ({ api } satisfies RoutingApiChoice) : undefined;
  }
  if (!v || typeof v.name !== 'string' || typeof v.at !== 'string' || typeof v.by !== 'string') return undefined;
  return { name: v.name.slice(0, 100), at: v.at.slice(0, 40), by: v.by.slice(0, 100) } satisfies CurrentScene;
}
