import { hostname } from 'node:os';
import type * as k8s from '@kubernetes/client-node';
import {
  GRAPH_TOPIC,
  HEALTH_TOPIC,
  PRESENTER_TOPIC,
  TRACES_TOPIC,
  TRAFFIC_TOPIC,
  parseResourcesTopic,
  type GraphSnapshot,
  type CurrentScene,
  type HealthState,
  type PresenterPosition,
  type ResourceSummary,
  type TraceSummary,
  type TrafficSecond,
} from '../protocol.ts';
import type { ClusterConnection } from '../cluster/connection.ts';
import { ResourceInformer, type InformerState } from '../cluster/resource-informer.ts';
import { summarize } from './summaries.ts';
import { Topic } from './topic.ts';
import type { TopicSource } from './ws-server.ts';
import { GraphPoller } from './graph.ts';
import { TracesFeed } from './traces-feed.ts';
import { TrafficGenerator } from './traffic.ts';
import { SharedState } from './shared-state.ts';

export interface ClusterSessionOptions {
  connection: ClusterConnection;
  mode: 'embedded' | 'real';
  /** Namespaces whose resources may be streamed. */
  namespaces: string[];
  /** Resolved lazily: a real cluster's gateway may need discovery or a port-forward. */
  gatewayUrl: () => Promise<string>;
  jaegerUrl: () => Promise<string>;
  /** Keep live streams (traffic, graph, traces) running this long after the last viewer leaves. */
  lingerMs?: number;
  trafficRatePerUser?: number;
  maxInformers?: number;
  /** The embedded cluster's clock, sent with health so ages read in its time. */
  clock?: { now(): number; readonly scale: number };
}

const TRAFFIC_HISTORY_SECONDS = 120;
const RECENT_TRACES = 40;

/**
 * Everything the deck streams about one cluster (the presenter's, or an attendee's
 * sandbox): resource tables from informers, demo traffic, the service graph, traces,
 * the presenter's slide and the cluster's health, each as a Topic.
 */
export class ClusterSession implements TopicSource {
  private readonly topics = new Map<string, Topic>();
  private readonly informers = new Map<string, ResourceInformer>();
  private readonly stoppers: Array<() => void | Promise<void>> = [];
  /** The presenter's slide and the current scene: in this process, or shared by replicas through a ConfigMap. */
  readonly shared = new SharedState();
  private health: HealthState;
  /** Names this deck process in the current scene ("applied by"). */
  private replica = hostname();
  private trafficSeconds: TrafficSecond[] = [];
  private graph: GraphSnapshot = { nodes: [], edges: [], windowSeconds: 30 };
  private traces: TraceSummary[] = [];
  private traffic?: TrafficGenerator;
  private graphPoller?: GraphPoller;
  private tracesFeed?: TracesFeed;
  readonly presenterTopic: Topic;
  readonly healthTopic: Topic;

  constructor(private readonly opts: ClusterSessionOptions) {
    this.health = { mode: opts.mode, cluster: opts.connection.name, connected: false, istio: false, message: 'connecting' };
    this.presenterTopic = this.add(new Topic(PRESENTER_TOPIC, () => this.shared.get('presenter')));
    this.healthTopic = this.add(new Topic(HEALTH_TOPIC, () => this.withClock(this.health)));
    this.shared.on('change', (key: string, value: unknown) => {
      if (key === 'presenter') this.presenterTopic.publish(value as PresenterPosition);
      else if (key === 'scene') this.updateHealth({ scene: value as CurrentScene });
    });
    this.shared.on('status', (sharedState) => this.updateHealth({ sharedState }));
    this.stoppers.push(() => this.shared.stop());
    this.add(this.liveStream(TRAFFIC_TOPIC, () => ({ running: Boolean(this.traffic), users: this.trafficUsers(), seconds: this.trafficSeconds }), () => this.startTraffic(), () => this.stopTraffic()));
    this.add(this.liveStream(GRAPH_TOPIC, () => this.graph, () => this.startGraph(), () => this.stopGraph()));
    this.add(this.liveStream(TRACES_TOPIC, () => ({ traces: this.traces }), () => this.startTraces(), () => this.stopTraces()));
  }

  /** Watches pods and Istio kinds in the talk's namespaces at once, so health is known before anyone asks. */
  start(): void {
    for (const ns of this.opts.namespaces) {
      this.topic(`resources/Pod/${ns}`);
      this.topic(`resources/VirtualService/${ns}`);
    }
  }

  async stop(): Promise<void> {
    for (const s of this.stoppers.splice(0)) await s();
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    this.informers.clear();
  }

  topic(name: string): Topic | { error: string } {
    const existing = this.topics.get(name);
    if (existing) return existing;
    const res = parseResourcesTopic(name);
    if (!res) return { error: `unknown topic "${name.slice(0, 80)}"` };
    if (!this.opts.namespaces.includes(res.namespace)) return { error: `namespace ${res.namespace} is not shown by this deck (shown: ${this.opts.namespaces.join(', ')})` };
    if (this.informers.size >= (this.opts.maxInformers ?? 64)) return { error: 'too many resource streams' };
    return this.add(this.resourceTopic(name, res.kind, res.namespace));
  }

  /**
   * Keeps the presenter's slide and the current scene in ConfigMap `namespace`/`name`, so
   * every replica of the deck on this cluster follows the same presenter.
   */
  shareStateThrough(namespace: string, opts: { replica: string; configMap?: string }): void {
    this.replica = opts.replica;
    this.shared.connect(this.opts.connection, namespace, opts.configMap);
  }

  setPresenterPosition(position: PresenterPosition): void {
    this.shared.set('presenter', position);
  }

  get presenterPosition(): PresenterPosition {
    return this.shared.get('presenter');
  }

  /** Records the scene just applied to the cluster; every replica shows it in health. */
  setCurrentScene(name: string): void {
    this.shared.set('scene', { name, at: new Date().toISOString(), by: this.replica });
  }

  get currentScene(): CurrentScene | undefined {
    return this.shared.get('scene');
  }

  /** A sandbox's budget monitor: why it is over budget, or undefined once it is back within it. */
  setOverBudget(reason: string | undefined): void {
    this.updateHealth({ overBudget: reason });
  }

  get healthState(): HealthState {
    return this.withClock(this.health);
  }

  private withClock(health: HealthState): HealthState {
    const clock = this.opts.clock;
    return clock ? { ...health, clock: { nowMs: Math.round(clock.now()), scale: clock.scale } } : health;
  }

  /** The ids of the traces listed, and one trace in Jaeger JSON. */
  async getTrace(id: string): Promise<unknown> {
    const feed = this.tracesFeed ?? new TracesFeed({ jaegerUrl: await this.opts.jaegerUrl() });
    return feed.getTrace(id);
  }

  private add(topic: Topic): Topic {
    this.topics.set(topic.name, topic);
    return topic;
  }

  private resourceTopic(name: string, kind: string, namespace: string): Topic {
    const items = new Map<string, ResourceSummary>();
    const topic = new Topic(name, () => ({ items: [...items.values()] }));
    const informer = new ResourceInformer(this.opts.connection, kind, namespace);
    informer.on('upsert', (obj: k8s.KubernetesObject) => {
      const summary = summarize(kind, obj as any);
      const before = items.get(summary.name);
      if (before && before.resourceVersion === summary.resourceVersion) return;
      items.set(summary.name, summary);
      topic.publish({ op: 'upsert', item: summary });
    });
    informer.on('delete', (obj: k8s.KubernetesObject) => {
      const n = obj.metadata?.name;
      if (n && items.delete(n)) topic.publish({ op: 'delete', name: n });
    });
    informer.on('state', (s: InformerState) => {
      if (s.status !== 'connecting') topic.setProblem(s.status === 'error' ? s.message : undefined);
      this.onInformerState(kind, s);
    });
    this.informers.set(name, informer);
    informer.start();
    return topic;
  }

  private onInformerState(kind: string, s: InformerState): void {
    const states = [...this.informers.values()].map((i) => i.state);
    const unreachable = states.find((st) => st.status === 'error' && /unreachable|refused|ECONN|fetch failed/i.test(st.message ?? ''));
    const istioMissing = states.find((st) => st.status === 'error' && /Istio/.test(st.message ?? ''));
    const connected = !unreachable && states.some((st) => st.status === 'live');
    const istio = connected && !istioMissing;
    const message = unreachable?.message ?? istioMissing?.message ?? (s.status === 'error' ? `${kind}: ${s.message}` : undefined);
    this.updateHealth({ connected, istio, message });
  }

  /** A topic whose source runs only while someone watches (and a little after, so slide flips don't restart it). */
  private liveStream(name: string, snapshot: () => any, start: () => Promise<void>, stop: () => void): Topic {
    const topic = new Topic(name, snapshot);
    let lingerTimer: NodeJS.Timeout | undefined;
    topic.onActiveChange = (active) => {
      clearTimeout(lingerTimer);
      if (active) start().catch((err) => this.reportStreamError(name, err));
      else lingerTimer = setTimeout(stop, this.opts.lingerMs ?? 15_000);
    };
    this.stoppers.push(() => {
      clearTimeout(lingerTimer);
      stop();
    });
    return topic;
  }

  /** A stream that cannot start (no gateway, no Jaeger) shows up in health, which every panel reads. */
  private reportStreamError(name: string, err: unknown): void {
    this.updateHealth({ message: `${name}: ${err instanceof Error ? err.message : String(err)}` });
  }

  private updateHealth(change: Partial<HealthState>): void {
    const next: HealthState = { ...this.health, ...change };
    if (JSON.stringify(next) === JSON.stringify(this.health)) return;
    this.health = next;
    this.healthTopic.publish(this.withClock(next));
  }

  private trafficUsers(): string[] {
    return ['anonymous', 'jason'];
  }

  private async startTraffic(): Promise<void> {
    if (this.traffic) return;
    const gatewayUrl = await this.opts.gatewayUrl();
    const traffic = new TrafficGenerator({ gatewayUrl, users: this.trafficUsers(), ratePerUser: this.opts.trafficRatePerUser });
    this.traffic = traffic;
    traffic.on('second', (second: TrafficSecond) => {
      this.trafficSeconds.push(second);
      const cutoff = second.t - TRAFFIC_HISTORY_SECONDS;
      while (this.trafficSeconds.length && this.trafficSeconds[0].t < cutoff) this.trafficSeconds.shift();
      this.topics.get(TRAFFIC_TOPIC)!.publish({ op: 'second', second });
    });
    traffic.start();
    this.topics.get(TRAFFIC_TOPIC)!.publish({ op: 'state', running: true, users: this.trafficUsers() });
  }

  private stopTraffic(): void {
    this.traffic?.stop();
    if (this.traffic) this.topics.get(TRAFFIC_TOPIC)?.publish({ op: 'state', running: false, users: this.trafficUsers() });
    this.traffic = undefined;
  }

  private async startGraph(): Promise<void> {
    if (this.graphPoller) return;
    const poller = new GraphPoller({ jaegerUrl: await this.opts.jaegerUrl(), intervalMs: 2000, windowSeconds: 30 });
    this.graphPoller = poller;
    poller.on('graph', (g: GraphSnapshot) => {
      this.graph = g;
      this.topics.get(GRAPH_TOPIC)!.publish(g);
    });
    poller.start();
  }

  private stopGraph(): void {
    this.graphPoller?.stop();
    this.graphPoller = undefined;
  }

  private async startTraces(): Promise<void> {
    if (this.tracesFeed) return;
    const feed = new TracesFeed({ jaegerUrl: await this.opts.jaegerUrl() });
    this.tracesFeed = feed;
    feed.on('trace', (trace: TraceSummary) => {
      this.traces = [trace, ...this.traces.filter((t) => t.traceID !== trace.traceID)].slice(0, RECENT_TRACES);
      this.topics.get(TRACES_TOPIC)!.publish({ op: 'add', trace });
    });
    feed.start();
  }

  private stopTraces(): void {
    this.tracesFeed?.stop();
    this.tracesFeed = undefined;
  }
}
