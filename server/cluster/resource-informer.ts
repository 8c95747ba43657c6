import { EventEmitter } from 'node:events';
import * as k8s from '@kubernetes/client-node';
import { errorMessage, errorStatus, type ClusterConnection } from './connection.ts';
import { apiVersionOf, collectionPath, kindInfo, type KindInfo } from '../kinds.ts';

const MISSING_KIND_BACKOFF_MS = 5_000;

export type InformerState = { status: 'connecting' | 'live' | 'error'; message?: string };

/**
 * A client-node informer (list, then watch; re-list on 410) that never gives up: when
 * the cluster is unreachable or the kind is missing, it says so and retries with backoff.
 *
 * Events: 'upsert' (obj), 'delete' (obj), 'state' (InformerState).
 */
export class ResourceInformer extends EventEmitter {
  readonly info: KindInfo;
  private informer?: k8s.Informer<k8s.KubernetesObject> & k8s.ObjectCache<k8s.KubernetesObject>;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  state: InformerState = { status: 'connecting' };

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
    const listFn = () => this.connection.objects.list(apiVersion, info.kind, namespace, undefined, undefined, undefined, fieldSelector) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>;
    const informer = new k8s.ListWatch(collectionPath(info, namespace), new k8s.Watch(this.connection.kc), listFn, false, undefined, fieldSelector);
    informer.on('add', (obj) => this.emit('upsert', obj));
    informer.on('update', (obj) => this.emit('upsert', obj));
    informer.on('delete', (obj) => this.emit('delete', obj));
    informer.on('connect', () => {
      this.failures = 0;
      this.setState({ status: 'live' });
    });
    informer.on('error', (err) => this.failed(informer, err));
    return informer;
  }

  private failed(informer: unknown, err: unknown): void {
    if (this.stopped || informer !== this.informer) return;
    this.setState({ status: 'error', message: this.describe(err) });
    clearTimeout(this.retryTimer);
    // A missing kind comes back when someone installs its CRD: look again sooner than for an outage.
    const cap = errorStatus(err) === 404 ? MISSING_KIND_BACKOFF_MS : (this.opts.maxBackoffMs ?? 30_000);
    const delay = Math.min(cap, this.opts.maxBackoffMs ?? 30_000, 500 * 2 ** Math.min(this.failures++, 6));
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref?.();
  }

  private describe(err: unknown): string {
    const status = errorStatus(err);
    if (status === 404 && this.info.istio) return `Istio's ${this.info.plural}.${this.info.group} kind is missing: is Istio installed?`;
    if (status === 404) return `${this.info.plural} not found in namespace ${this.namespace}`;
    if (status === 401 || status === 403) return `not allowed to watch ${this.info.plural} in ${this.namespace} (${status})`;
    const msg = errorMessage(err);
    if (/ECONNREFUSED|connection refused|fetch failed|socket hang up|ECONNRESET/i.test(msg)) return `cluster unreachable (${msg})`;
    return msg;
  }

  private setState(state: InformerState): void {
    if (state.status === this.state.status && state.message === this.state.message) return;
    this.state = state;
    this.emit('state', state);
  }
}
