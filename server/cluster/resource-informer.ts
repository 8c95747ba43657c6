import { EventEmitter } from 'node:events';
import * as k8s from '@kubernetes/client-node';
import type { FeedFailure, FeedStatus } from '../protocol.ts';
import { errorMessage, errorStatus, type ClusterConnection } from './connection.ts';
import { apiVersionOf, collectionPath, kindInfo, type KindInfo } from '../kinds.ts';
import { clusterFailure } from './failure.ts';

const MISSING_KIND_BACKOFF_MS = 5_000;

/**
 * A feed's status (see FeedStatus); `synced` turns true once the first list has been
 * delivered as upserts, as client-go's HasSynced.
 */
export type InformerState = FeedStatus;

/**
 * A client-node informer (list, then watch; re-list on 410) that never gives up: when
 * the cluster is unreachable or the kind is missing, it says so and retries with backoff.
 *
 * Events: 'upsert' (obj), 'delete' (obj), 'status' (InformerState).
 */
export class ResourceInformer extends EventEmitter {
  readonly info: KindInfo;
  private informer?: k8s.Informer<k8s.KubernetesObject> & k8s.ObjectCache<k8s.KubernetesObject>;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  private synced = false;
  status: InformerState = { state: 'connecting', synced: false };

  constructor(
    private readonly connection: ClusterConnection,
    kind: string,
    readonly namespace: string,
    private readonly opts: { maxBackoffMs?: number; /** e.g. metadata.name=x: one object, which RBAC resourceNames can allow. */ fieldSelector?: string } = {},
  ) {
    super();
    this.info = kindInfo(kind);
  }

  /** Objects currently known. */
  list(): readonly k8s.KubernetesObject[] {
    return this.informer?.list() ?? [];
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const informer = this.informer;
    this.informer = undefined;
    await informer?.stop().catch(() => {});
  }

  private connect(): void {
    if (this.stopped) return;
    if (!this.informer) this.informer = this.makeInformer();
    const informer = this.informer;
    // start() keeps the last resourceVersion, so a reconnect resumes the watch and loses nothing.
    informer.start().catch((err) => this.failed(informer, err));
  }

  private makeInformer() {
    const { info, namespace } = this;
    const apiVersion = apiVersionOf(info);
    const { fieldSelector } = this.opts;
    const listFn = async () => {
      const list = (await this.connection.objects.list(apiVersion, info.kind, namespace, undefined, undefined, undefined, fieldSelector)) as k8s.KubernetesListObject<k8s.KubernetesObject>;
      // ListWatch turns the list into upserts right after this resolves, in the same turn: synced after that.
      setImmediate(() => this.listed(informer));
      return list;
    };
    const informer = new k8s.ListWatch(collectionPath(info, namespace), new k8s.Watch(this.connection.kc), listFn, false, undefined, fieldSelector);
    informer.on('add', (obj) => this.emit('upsert', obj));
    informer.on('update', (obj) => this.emit('upsert', obj));
    informer.on('delete', (obj) => this.emit('delete', obj));
    informer.on('connect', () => {
      this.failures = 0;
      // A watch resumed after an error needs no new list: the cache is whole again.
      if (this.synced) this.setState({ state: 'live', synced: true });
    });
    informer.on('error', (err) => this.failed(informer, err));
    return informer;
  }

  private listed(informer: unknown): void {
    if (this.stopped || informer !== this.informer) return;
    this.synced = true;
    this.setState({ state: 'live', synced: true });
  }

  private failed(informer: unknown, err: unknown): void {
    if (this.stopped || informer !== this.informer) return;
    const reason = this.reasonOf(err);
    this.setState({ state: 'error', synced: this.synced, reason, message: this.describe(reason, err) });
    clearTimeout(this.retryTimer);
    // A missing kind comes back when someone installs its CRD: look again sooner than for an outage.
    const cap = errorStatus(err) === 404 ? MISSING_KIND_BACKOFF_MS : (this.opts.maxBackoffMs ?? 30_000);
    const delay = Math.min(cap, this.opts.maxBackoffMs ?? 30_000, 500 * 2 ** Math.min(this.failures++, 6));
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref?.();
  }

  private reasonOf(err: unknown): FeedFailure {
    const reason = clusterFailure(err);
    return reason === 'kind-missing' && this.info.istio ? 'crd-missing' : reason;
  }

  private describe(reason: FeedFailure, err: unknown): string {
    switch (reason) {
      case 'crd-missing':
        return `Istio's ${this.info.plural}.${this.info.group} kind is missing: is Istio installed?`;
      case 'kind-missing':
        return `${this.info.plural} not found in namespace ${this.namespace}`;
      case 'forbidden':
        return `not allowed to watch ${this.info.plural} in ${this.namespace} (${errorStatus(err)})`;
      case 'unreachable':
        return `cluster unreachable (${errorMessage(err)})`;
      default:
        return errorMessage(err);
    }
  }

  private setState(status: InformerState): void {
    const a = this.status;
    if (a.state === status.state && a.synced === status.synced && (a.state !== 'error' || (status.state === 'error' && a.message === status.message))) return;
    this.status = status;
    this.emit('status', status);
  }
}
