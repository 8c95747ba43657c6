import { hostname } from 'node:os';
import {
  GRAPH_TOPIC,
  HEALTH_TOPIC,
  PRESENTER_TOPIC,
  ROUTING_API_TOPIC,
  TRACES_TOPIC,
  TRAFFIC_TOPIC,
  parseResourcesTopic,
  type CurrentScene,
  type FeedFailure,
  type FailoverState,
  type FeedStatus,
  type HealthState,
  type PresenterPosition,
  type RoutingApi,
  type TopicPayloads,
} from '../protocol.ts';
import type { ClusterConnection } from '../cluster/connection.ts';
import { FEED_CONNECTING, type LiveFeed } from './feed.ts';
import { ResourceFeed } from './resource-feed.ts';
import { Topic, type TopicOptions } from './topic.ts';
import type { TopicSource } from './ws-server.ts';
import { GraphPoller, INGRESS_SERVICE } from './graph.ts';
import { ZtunnelLogReader } from './l4-feed.ts';
import { gatewayApiTraceService, TracesFeed } from './traces-feed.ts';
import { TrafficGenerator } from './traffic.ts';
import { SharedState, SharedValueFeed } from './shared-state.ts';

export interface ClusterSessionOptions {
  connection: ClusterConnection;
  mode: 'embedded' | 'real';
  /** Namespaces whose resources may be streamed. */
  namespaces: string[];
  /**
   * Resolved lazily: a real cluster's gateway may need discovery or a port-forward. The routing
   * API names which gateway fronts Bookinfo: Istio's ingress gateway or the Gateway API's.
   */
  gatewayUrl: (api: RoutingApi) => Promise<string>;
  jaegerUrl: () => Promise<string>;
  /** Keep live streams (traffic, graph, traces) running this long after the last viewer leaves. */
  lingerMs?: number;
  trafficRatePerUser?: number;
  maxInformers?: number;
  /** The embedded cluster's clock, sent with health so ages read in its time. */
  clock?: { now(): number; readonly scale: number };
  /** Where every topic's numbering starts (see TopicOptions.firstSeq). */
  firstSeq?: number;
}

/** How a stream's feed is made and what a failure to make it is called. */
interface StreamSpec {
  open: () => LiveFeed<TopicPayloads['change']> | Promise<LiveFeed<TopicPayloads['change']>>;
  /** The reason a topic error gives when the feed cannot be made (its URL cannot be found). */
  openFailure: FeedFailure;
  /** Started only while someone watches (and a little after), rather than at once and for good. */
  lazy: boolean;
}

/**
 * Everything the deck streams about one cluster (the presenter's, or an attendee's
 * sandbox): resource tables from informers, demo traffic, the service graph, traces,
 * the presenter's slide and the cluster's health, each as a Topic. Every feed behind a
 * topic runs the same way (runStream): its changes are published, its status becomes the
 * topic's status (an error to subscribers, a fresh snapshot once synced or recovered).
 */
export class ClusterSession implements TopicSource {
  private readonly topics = new Map<string, Topic>();
  private readonly resourceFeeds = new Map<string, ResourceFeed>();
  private readonly stoppers: Array<() => void | Promise<void>> = [];
  /** The presenter's slide and the current scene: in this process, or shared by replicas through a ConfigMap. */
  readonly shared = new SharedState();
  private health: HealthState;
  /** Names this deck process in the current scene ("applied by"). */
  private replica = hostname();
  /** The demo traffic's generator, once made, so a change of routing API can move it to the other gateway. */
  private traffic?: TrafficGenerator;
  readonly presenterTopic: Topic;
  readonly routingApiTopic: Topic;
  readonly healthTopic: Topic;

  constructor(private readonly opts: ClusterSessionOptions) {
    this.health = { mode: opts.mode, cluster: opts.connection.name, connected: false, istio: false, message: 'connecting' };
    this.presenterTopic = this.runStream(this.newTopic(PRESENTER_TOPIC, { initial: this.shared.get('presenter') }), {
      lazy: false,
      openFailure: 'error',
      open: () => new SharedValueFeed(this.shared, 'presenter'),
    });
    this.routingApiTopic = this.runStream(this.newTopic(ROUTING_API_TOPIC, { initial: this.shared.get('routingApi') }), {
      lazy: false,
      openFailure: 'error',
      open: () => new SharedValueFeed(this.shared, 'routingApi'),
    });
    // Health is not a feed of its own: it is folded from the feeds' statuses and the current scene.
    this.healthTopic = this.add(this.newTopic(HEALTH_TOPIC, { initial: this.health, present: (h) => this.withClock(h as HealthState) }));
    this.shared.on('change', (key: string, value: unknown) => {
      if (key === 'scene') this.updateHealth({ scene: value as CurrentScene });
    });
    this.shared.on('status', (sharedState) => this.updateHealth({ sharedState }));
    this.stoppers.push(() => this.shared.stop());
    const users = ['anonymous', 'jason'];
    this.runStream(this.newTopic(TRAFFIC_TOPIC, { initial: { running: false, users, seconds: [] } }), {
      lazy: true,
      openFailure: 'gateway-unreachable',
      open: async () => {
        const generator = new TrafficGenerator({ gatewayUrl: await this.opts.gatewayUrl(this.routingApi), users, ratePerUser: this.opts.trafficRatePerUser });
        this.traffic = generator;
        return generator;
      },
    });
    // The demo traffic enters where the audience's product page does: through the chosen API's gateway.
    this.shared.on('change', (key: string) => {
      if (key !== 'routingApi' || !this.traffic) return;
      const generator = this.traffic;
      this.opts.gatewayUrl(this.routingApi).then((url) => generator.setGatewayUrl(url), () => {});
    });
    this.runStream(this.newTopic(GRAPH_TOPIC, { status: FEED_CONNECTING }), {
      lazy: true,
      openFailure: 'jaeger-unreachable',
      open: async () => new GraphPoller({ jaegerUrl: await this.opts.jaegerUrl(), intervalMs: 2000, windowSeconds: 30, l4: new ZtunnelLogReader(this.opts.connection) }),
    });
    this.runStream(this.newTopic(TRACES_TOPIC, { status: FEED_CONNECTING }), {
      lazy: true,
      openFailure: 'jaeger-unreachable',
      // Bookinfo enters through either API's gateway (and only the Gateway API's under the ambient profile).
      open: async () => new TracesFeed({ jaegerUrl: await this.opts.jaegerUrl(), services: [INGRESS_SERVICE, gatewayApiTraceService(this.opts.namespaces[0] ?? 'default')] }),
    });
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
    this.resourceFeeds.clear();
  }

  topic(name: string): Topic | { error: string } {
    const existing = this.topics.get(name);
    if (existing) return existing;
    const res = parseResourcesTopic(name);
    if (!res) return { error: `unknown topic "${name.slice(0, 80)}"` };
    if (!this.opts.namespaces.includes(res.namespace)) return { error: `namespace ${res.namespace} is not shown by this deck (shown: ${this.opts.namespaces.join(', ')})` };
    if (this.resourceFeeds.size >= (this.opts.maxInformers ?? 64)) return { error: 'too many resource streams' };
    const feed = new ResourceFeed(this.opts.connection, res.kind, res.namespace);
    this.resourceFeeds.set(name, feed);
    return this.runStream(this.newTopic(name, { status: feed.status }), { lazy: false, openFailure: 'error', open: () => feed });
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

  /** The presenter's choice of routing API for the whole talk: every replica and attendee follows it. */
  setRoutingApi(api: RoutingApi): void {
    this.shared.set('routingApi', { api });
  }

  get routingApi(): RoutingApi {
    return this.shared.get('routingApi').api;
  }

  /** Records the scene just applied to the cluster; every replica shows it in health. */
  setCurrentScene(name: string): void {
    this.shared.set('scene', { name, at: new Date().toISOString(), by: this.replica });
  }

  get currentScene(): CurrentScene | undefined {
    return this.shared.get('scene');
  }

  /** Which cluster a deck on a real cluster shows, and the switch its presenter is offered. */
  setFailover(state: FailoverState | undefined): void {
    this.updateHealth({ failover: state });
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

  /** One trace in Jaeger JSON, or undefined when Jaeger does not have it. */
  async getTrace(id: string): Promise<unknown> {
    return new TracesFeed({ jaegerUrl: await this.opts.jaegerUrl() }).getTrace(id);
  }

  private newTopic(name: string, opts: TopicOptions): Topic {
    return new Topic(name, { ...opts, firstSeq: this.opts.firstSeq });
  }

  private add(topic: Topic): Topic {
    this.topics.set(topic.name, topic);
    return topic;
  }

  /**
   * The one way a stream runs: the feed is made (lazily, when its URL must be found), its
   * changes are folded into the topic, and its status becomes the topic's. A lazy stream
   * runs while someone watches and a little after, so slide flips don't restart it.
   */
  private runStream(topic: Topic, spec: StreamSpec): Topic {
    let feed: LiveFeed<TopicPayloads['change']> | undefined;
    let wanted = false;
    let opening: Promise<void> | undefined;
    let lingerTimer: NodeJS.Timeout | undefined;
    const onChange = (change: TopicPayloads['change']) => topic.publish(change);
    const onStatus = (status: FeedStatus) => this.onFeedStatus(topic, status);
    const start = async () => {
      wanted = true;
      if (feed) return;
      try {
        const made = await spec.open();
        if (!wanted) return;
        feed = made;
        made.on('change', onChange).on('status', onStatus);
        onStatus(made.status);
        made.start();
      } catch (err) {
        // A stream that cannot start (no gateway, no Jaeger) also shows in health, which every panel reads.
        const message = `${topic.name}: ${err instanceof Error ? err.message : String(err)}`;
        topic.setStatus({ state: 'error', synced: topic.status.synced, reason: spec.openFailure, message });
        this.updateHealth({ message });
      }
    };
    const stop = async () => {
      wanted = false;
      clearTimeout(lingerTimer);
      const running = feed;
      feed = undefined;
      // Listeners stay through stop(): a feed may emit its last changes (traffic's final seconds).
      await running?.stop();
      running?.off('change', onChange).off('status', onStatus);
    };
    if (spec.lazy) {
      topic.onActiveChange = (active) => {
        clearTimeout(lingerTimer);
        if (active) {
          // Wanted again while a stopped stream is still being made: that one goes on, not dropped.
          wanted = true;
          opening ??= start().finally(() => (opening = undefined));
        }
        else lingerTimer = setTimeout(() => void stop(), this.opts.lingerMs ?? 15_000);
      };
    } else void start();
    this.stoppers.push(stop);
    return this.add(topic);
  }

  /** A feed's status goes to its topic; resource feeds also decide whether the cluster and Istio are there. */
  private onFeedStatus(topic: Topic, status: FeedStatus): void {
    topic.setStatus(status);
    if (this.resourceFeeds.has(topic.name)) this.updateResourceHealth(topic.name, status);
  }

  private updateResourceHealth(name: string, s: FeedStatus): void {
    const states = [...this.resourceFeeds.values()].map((f) => f.status);
    const failed = (reason: FeedFailure) => states.find((st) => st.state === 'error' && st.reason === reason) as Extract<FeedStatus, { state: 'error' }> | undefined;
    const unreachable = failed('unreachable');
    const istioMissing = failed('crd-missing');
    const connected = !unreachable && states.some((st) => st.state === 'live');
    const istio = connected && !istioMissing;
    const kind = parseResourcesTopic(name)?.kind ?? name;
    const message = unreachable?.message ?? istioMissing?.message ?? (s.state === 'error' ? `${kind}: ${s.message}` : undefined);
    this.updateHealth({ connected, istio, message });
  }

  private updateHealth(change: Partial<HealthState>): void {
    const next: HealthState = { ...this.health, ...change };
    if (JSON.stringify(next) === JSON.stringify(this.health)) return;
    this.health = next;
    this.healthTopic.publish(this.withClock(next));
  }
}
