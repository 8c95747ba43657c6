/**
 * The messages between the deck's browser client and its server, over the one
 * WebSocket at /ws. Both sides import this module; nothing else defines the wire.
 *
 * Flow: the client subscribes to a topic, gets a `snapshot`, then `change`s. Each topic
 * numbers its messages (`seq`); after a reconnect the client subscribes with the last
 * `seq` it saw and gets the missed changes, or a fresh snapshot when they are gone.
 */

import { STREAMED_KINDS, type StreamedKind } from './kinds.ts';

export const WS_PATH = '/ws';
/** Largest client message the server reads, in bytes. */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

/** Kinds the deck streams, by their ids in the one list of kinds. */
export { STREAMED_KINDS, type StreamedKind };

// ---- topics -------------------------------------------------------------------------

/** `resources/<Kind>/<namespace>`: summaries of every object of a kind in a namespace. */
export const resourcesTopic = (kind: StreamedKind, namespace: string) => `resources/${kind}/${namespace}` as const;
export const TRAFFIC_TOPIC = 'traffic';
export const GRAPH_TOPIC = 'graph';
export const TRACES_TOPIC = 'traces';
export const PRESENTER_TOPIC = 'presenter';
export const HEALTH_TOPIC = 'health';
/** The routing API the presenter chose for the talk's routing slides (shared deck state, like the slide). */
export const ROUTING_API_TOPIC = 'routing-api';

export function parseResourcesTopic(topic: string): { kind: StreamedKind; namespace: string } | undefined {
  const m = /^resources\/([A-Za-z0-9.]{1,120})\/([a-z0-9-]{1,63})$/.exec(topic);
  if (!m || !(STREAMED_KINDS as readonly string[]).includes(m[1])) return undefined;
  return { kind: m[1] as StreamedKind, namespace: m[2] };
}

// ---- payloads -----------------------------------------------------------------------

export interface PodSummary {
  name: string;
  namespace: string;
  /** Ready containers / all containers, e.g. "2/2". */
  ready: string;
  status: string;
  restarts: number;
  creationTimestamp: string;
  app?: string;
  version?: string;
  hasSidecar: boolean;
  /** istio-cni redirects its traffic to the node's ztunnel (ambient mode). */
  ambient?: boolean;
  resourceVersion: string;
}

export interface ObjectSummary {
  kind: string;
  name: string;
  namespace: string;
  creationTimestamp: string;
  resourceVersion: string;
  /** The full object for Istio kinds (small, and panels show them whole); undefined for others. */
  object?: unknown;
  labels?: Record<string, string>;
  /** Kind-specific columns, e.g. READY for deployments, TYPE/PORTS for services. */
  columns?: Record<string, string>;
}

export type ResourceSummary = PodSummary | ObjectSummary;

export interface ResourcesSnapshot {
  items: ResourceSummary[];
}
export type ResourcesChange = { op: 'upsert'; item: ResourceSummary } | { op: 'delete'; name: string };

/** One second of demo traffic. */
export interface TrafficSecond {
  /** Epoch seconds (simulated clock). */
  t: number;
  user: string; // 'anonymous' | 'jason' | ...
  /** Answers by outcome: 'v1', 'v2', 'v3', 'reviews-error', 'ratings-error', 'details-error', 'http-5xx', ... */
  counts: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number };
}
export interface TrafficSnapshot {
  running: boolean;
  users: string[];
  seconds: TrafficSecond[];
}
export type TrafficChange = { op: 'second'; second: TrafficSecond } | { op: 'state'; running: boolean; users: string[] };

export interface GraphNode {
  id: string; // '<app>-<version>' or the workload name
  app: string;
  version?: string;
  namespace: string;
  /** A waypoint is the L7 proxy ambient traffic passes through (client → waypoint → service). */
  kind: 'ingress' | 'workload' | 'service' | 'waypoint';
}
export interface GraphEdge {
  source: string;
  target: string;
  /** HTTP figures from traces; 0 on a TCP edge, which no span describes. */
  rps: number;
  errorPct: number;
  p99Ms: number;
  /** `tcp`: seen only in ztunnel's connection log (ambient traffic with no waypoint); else from traces. */
  protocol?: 'http' | 'tcp';
  /** Connections that ended in the window, their rate, bytes both ways per second, and the share ztunnel closed with an error. */
  tcp?: { connections: number; connectionsPerSecond: number; bytesPerSecond: number; failedPct: number };
}
export interface GraphSnapshot {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Window the rates cover, seconds. */
  windowSeconds: number;
  /** Why ztunnel's connections could not be read (the graph then has its traced edges only). */
  l4Error?: string;
  /** Set when all of this graph's traffic went through one data plane's proxies. */
  dataPlane?: GraphDataPlane;
  /**
   * The newest graph of each data plane this snapshot is not wholly made of, kept after its
   * traffic stopped: the talk draws a sidecar graph beside an ambient one after the switch.
   */
  byDataPlane?: Partial<Record<GraphDataPlane, DataPlaneGraph>>;
}
/** Sidecar graphs come from sidecar spans; ambient ones from waypoint spans and ztunnel's connections. */
export type GraphDataPlane = 'sidecar' | 'ambient';
export interface DataPlaneGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  windowSeconds: number;
  /** True while this data plane still carries traffic; false for the last graph seen before it stopped. */
  current: boolean;
}

/** The embedded cluster's own cost per proxy kind (the costs slide), at GET PROXY_COSTS_PATH. */
export const PROXY_COSTS_PATH = '/api/proxy-costs';
export interface ProxyCostFigures {
  kind: 'sidecar' | 'ztunnel' | 'waypoint';
  /** Proxies of this kind running now. */
  instances: number;
  /** Requests through a proxy of this kind since the cluster started, and how many of the latest were timed. */
  requests: number;
  samples: number;
  /** The proxy's own code per 1,000 requests (the typical timed request's, times 1,000), CPU ms; absent before any sample. */
  cpuMsPer1000Requests?: number;
  /** The same as istio.io states it: vCPU to serve 1,000 requests/s. */
  vcpuPer1000Rps?: number;
  /** What one simulated proxy holds of its own (its log buffer); configuration is one compiled copy shared by all. */
  memoryKiBPerInstance?: number;
}
export interface ProxyCostsReport {
  /** Always "simulated on this laptop": these are the simulation's costs, not Envoy's or ztunnel's. */
  measuredOn: string;
  /** One request in this many per proxy kind is timed. */
  sampleEvery: number;
  proxies: ProxyCostFigures[];
}

export interface TraceSummary {
  traceID: string;
  rootService: string;
  rootOperation: string;
  startTime: number; // µs
  durationUs: number;
  spanCount: number;
  error: boolean;
  user?: string;
  /** Which proxies made its spans; absent when only a gateway did (or no Envoy at all). */
  dataPlane?: TraceDataPlane;
}
/**
 * `sidecar`: spans from sidecars and no waypoint; `ambient`: from waypoints and no sidecar
 * (ztunnel makes none); `mixed`: both, as when sidecar and ambient workloads call each other.
 */
export type TraceDataPlane = 'sidecar' | 'ambient' | 'mixed';
export interface TracesSnapshot {
  traces: TraceSummary[];
  /** The newest trace of each data plane, kept after newer traces push it off `traces` (the talk sets the modes side by side). */
  newestByDataPlane?: Partial<Record<TraceDataPlane, TraceSummary>>;
}
export type TracesChange = { op: 'add'; trace: TraceSummary };

export interface PresenterPosition {
  h: number;
  v: number;
  f?: number;
  /** Slide id (the MDX file name without extension), so followers survive a reordering. */
  slideId?: string;
}

/**
 * The two APIs istio.io shows each traffic task in: Istio's own (VirtualService, DestinationRule,
 * Gateway) and the Kubernetes Gateway API (HTTPRoute, the Gateway API's Gateway).
 */
export const ROUTING_APIS = ['istio', 'gateway-api'] as const;
export type RoutingApi = (typeof ROUTING_APIS)[number];
export const DEFAULT_ROUTING_API: RoutingApi = 'istio';

/** The presenter's choice of routing API, as the `routing-api` topic carries it. */
export interface RoutingApiChoice {
  api: RoutingApi;
}

/** A routing API name from outside (a client, a request body, a ConfigMap), or undefined when it is none. */
export function parseRoutingApi(v: unknown): RoutingApi | undefined {
  return (ROUTING_APIS as readonly unknown[]).includes(v) ? (v as RoutingApi) : undefined;
}

/** The scene last applied to the cluster, by any replica of the deck. */
export interface CurrentScene {
  name: string;
  /** ISO time it was applied. */
  at: string;
  /** The deck replica that applied it. */
  by: string;
}

/** Where the presenter's slide and the current scene are kept for every replica. */
export interface SharedStateStatus {
  /** 'cluster': in a ConfigMap every replica watches; 'memory': in this replica only. */
  where: 'cluster' | 'memory';
  /** namespace/name of the ConfigMap, when the deck shares state through one. */
  configMap?: string;
  /** Why the state is not (yet) shared, in words. */
  message?: string;
}

export interface HealthState {
  mode: 'embedded' | 'real';
  cluster: string;
  connected: boolean;
  istio: boolean;
  gatewayUrl?: string;
  jaegerUrl?: string;
  message?: string;
  scene?: CurrentScene;
  sharedState?: SharedStateStatus;
  /**
   * The embedded cluster's simulated clock when this was sent (absent on a real cluster):
   * with a sped-up clock its timestamps run ahead of the browser's, so ages count from it.
   */
  clock?: ClusterClock;
  /** An attendee's sandbox only: why it is over its CPU budget (absent while within it). */
  overBudget?: string;
  /** A deck on a real cluster only: which cluster the panels show, and the one click the presenter is offered. */
  failover?: FailoverState;
}

/** The two clusters a deck on a real cluster can show: the real one, or the embedded one as a safety net. */
export const FAILOVER_CLUSTERS = ['real', 'embedded'] as const;
export type FailoverCluster = (typeof FAILOVER_CLUSTERS)[number];

export interface FailoverState {
  /** The cluster every panel, Run button, apply and the gateway use now. */
  active: FailoverCluster;
  /** The real cluster's name (its kubeconfig context). */
  realCluster: string;
  /** Whether the real cluster's API answered the last probe. */
  realReachable: boolean;
  /** ISO time the real cluster stopped answering (absent while it answers). */
  unreachableSince?: string;
  /** The switch the presenter is offered: to the embedded cluster once the real one stays unreachable, back once it answers. */
  offer?: FailoverCluster;
  /** A switch under way (the target is being brought to the scene). */
  switching?: FailoverCluster;
}

/** POST /api/failover: move the deck to one cluster, at the given scene (or the last scene applied). */
export interface FailoverRequest {
  to: FailoverCluster;
  scene?: string;
}

export interface FailoverResponse {
  active: FailoverCluster;
  /** The scene the cluster was brought to (absent when none had been applied). */
  scene?: string;
  api: RoutingApi;
  /** How long the switch took, in ms (starting the embedded cluster included). */
  ms: number;
}

export interface ClusterClock {
  /** Simulated epoch ms at the moment the message was made. */
  nowMs: number;
  /** Real ms per simulated ms. */
  scale: number;
}

export interface TopicPayloads {
  snapshot: ResourcesSnapshot | TrafficSnapshot | GraphSnapshot | TracesSnapshot | PresenterPosition | RoutingApiChoice | HealthState;
  change: ResourcesChange | TrafficChange | GraphSnapshot | TracesChange | PresenterPosition | RoutingApiChoice | HealthState;
}

// ---- feed status ----------------------------------------------------------------------

/**
 * Why a live feed has no live data, named where the error is caught: the cluster cannot be
 * reached, RBAC forbids the watch, a kind's CRD (Istio's) or a built-in kind is missing,
 * Jaeger or the gateway cannot be reached or answers nonsense, or something else.
 */
export type FeedFailure = 'unreachable' | 'forbidden' | 'crd-missing' | 'kind-missing' | 'jaeger-unreachable' | 'gateway-unreachable' | 'error';

/**
 * What every live feed (an informer, a Jaeger poller, the traffic generator) reports:
 * `synced` once its first full state has arrived (an informer's first list), so a panel
 * can tell "connecting" from "nothing there".
 */
export type FeedStatus =
  | { state: 'connecting'; synced: boolean }
  | { state: 'live'; synced: true }
  | { state: 'error'; synced: boolean; reason: FeedFailure; message: string };

// ---- folds: how each topic's changes build its snapshot, on the server and the client alike ----

/** Traces a traces topic keeps, newest first. */
export const MAX_TRACES = 40;
/** Simulated seconds of traffic a traffic topic keeps, counted back from the newest second. */
export const TRAFFIC_HISTORY_SECONDS = 120;

export type TopicFamily = 'resources' | typeof TRAFFIC_TOPIC | typeof GRAPH_TOPIC | typeof TRACES_TOPIC | typeof PRESENTER_TOPIC | typeof ROUTING_API_TOPIC | typeof HEALTH_TOPIC;

interface TopicFoldOf<S, C> {
  /** The state before any change (what a topic with no source yet holds). */
  empty(): S;
  /** The next state: never mutates `snapshot`. */
  fold(snapshot: S, change: C): S;
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
const wholeState = <S>(empty: () => S): TopicFoldOf<S, S> => ({ empty, fold: (_snapshot, change) => change });

/** Each topic family's snapshot, change and fold: the one definition of what a topic holds. */
export const TOPIC_FOLDS = {
  resources: {
    empty: () => ({ items: [] }),
    fold: (snap, c) => {
      if (c.op === 'delete') return { items: snap.items.filter((i) => i.name !== c.name) };
      const items = snap.items.filter((i) => i.name !== c.item.name);
      items.push(c.item);
      return { items: items.sort(byName) };
    },
  } satisfies TopicFoldOf<ResourcesSnapshot, ResourcesChange>,
  traffic: {
    empty: () => ({ running: false, users: [], seconds: [] }),
    fold: (snap, c) => {
      if (c.op === 'state') return { ...snap, running: c.running, users: c.users };
      const cutoff = c.second.t - TRAFFIC_HISTORY_SECONDS;
      return { ...snap, seconds: [...snap.seconds.filter((s) => s.t >= cutoff), c.second] };
    },
  } satisfies TopicFoldOf<TrafficSnapshot, TrafficChange>,
  graph: wholeState<GraphSnapshot>(() => ({ nodes: [], edges: [], windowSeconds: 30 })),
  traces: {
    empty: () => ({ traces: [] }),
    fold: (snap, c) => {
      const traces = [c.trace, ...snap.traces.filter((t) => t.traceID !== c.trace.traceID)].slice(0, MAX_TRACES);
      const plane = c.trace.dataPlane;
      const kept = plane ? snap.newestByDataPlane?.[plane] : undefined;
      if (!plane || (kept && kept.startTime > c.trace.startTime)) return snap.newestByDataPlane ? { traces, newestByDataPlane: snap.newestByDataPlane } : { traces };
      return { traces, newestByDataPlane: { ...snap.newestByDataPlane, [plane]: c.trace } };
    },
  } satisfies TopicFoldOf<TracesSnapshot, TracesChange>,
  presenter: wholeState<PresenterPosition>(() => ({ h: 0, v: 0 })),
  'routing-api': wholeState<RoutingApiChoice>(() => ({ api: DEFAULT_ROUTING_API })),
  health: wholeState<HealthState>(() => ({ mode: 'embedded', cluster: '', connected: false, istio: false, message: 'connecting' })),
} satisfies Record<TopicFamily, TopicFoldOf<any, any>>;

export type TopicSnapshotOf<F extends TopicFamily> = ReturnType<(typeof TOPIC_FOLDS)[F]['empty']>;
export type TopicChangeOf<F extends TopicFamily> = Parameters<(typeof TOPIC_FOLDS)[F]['fold']>[1];

/** The family a topic name belongs to, or undefined for a name no topic has. */
export function topicFamily(topic: string): TopicFamily | undefined {
  if (topic.startsWith('resources/')) return 'resources';
  return Object.hasOwn(TOPIC_FOLDS, topic) ? (topic as TopicFamily) : undefined;
}

/** A snapshot as it came off the wire, in the fold's order (resource items by name). */
export function normaliseSnapshot(topic: string, data: TopicPayloads['snapshot']): TopicPayloads['snapshot'] {
  if (topicFamily(topic) !== 'resources') return data;
  return { items: [...((data as ResourcesSnapshot).items ?? [])].sort(byName) };
}

/** A topic's state before any change. */
export function emptySnapshot(topic: string): TopicPayloads['snapshot'] {
  const family = topicFamily(topic);
  return family ? TOPIC_FOLDS[family].empty() : { items: [] };
}

/** One change folded into a topic's snapshot, by the topic's family. */
export function foldTopic(topic: string, snapshot: TopicPayloads['snapshot'] | undefined, change: TopicPayloads['change']): TopicPayloads['snapshot'] {
  const family = topicFamily(topic);
  if (!family) return change as TopicPayloads['snapshot'];
  const spec = TOPIC_FOLDS[family] as TopicFoldOf<TopicPayloads['snapshot'], TopicPayloads['change']>;
  return spec.fold(snapshot ?? spec.empty(), change);
}

// ---- messages -----------------------------------------------------------------------

export type ClientMessage =
  | { type: 'subscribe'; topic: string; /** last seq seen, to resume */ since?: number }
  | { type: 'unsubscribe'; topic: string }
  /** Presenter only (the token was given when the socket opened). */
  | { type: 'presenter-position'; position: PresenterPosition }
  /** Presenter only: the routing API every routing slide shows, for the whole talk. */
  | { type: 'routing-api'; api: RoutingApi }
  | { type: 'ping'; id: number };

export type ServerMessage =
  | { type: 'hello'; role: 'presenter' | 'audience'; serverVersion: string }
  /** `synced: false` while the topic's source has not delivered its first full state (absent: synced). */
  | { type: 'snapshot'; topic: string; seq: number; data: TopicPayloads['snapshot']; synced?: boolean }
  | { type: 'change'; topic: string; seq: number; data: TopicPayloads['change'] }
  /** `reason` when a topic's feed failed (its status), absent for a refused request. */
  | { type: 'error'; topic?: string; message: string; reason?: FeedFailure }
  | { type: 'pong'; id: number };

/** Parses and checks a client message; returns an error text for anything malformed. */
export function parseClientMessage(raw: string): ClientMessage | { error: string } {
  let m: any;
  try {
    m = JSON.parse(raw);
  } catch {
    return { error: 'message is not JSON' };
  }
  if (!m || typeof m !== 'object' || typeof m.type !== 'string') return { error: 'message has no "type"' };
  switch (m.type) {
    case 'subscribe':
      if (typeof m.topic !== 'string' || m.topic.length > 200) return { error: 'subscribe needs a "topic" string' };
      if (m.since !== undefined && !Number.isInteger(m.since)) return { error: '"since" must be an integer' };
      return { type: 'subscribe', topic: m.topic, since: m.since };
    case 'unsubscribe':
      if (typeof m.topic !== 'string') return { error: 'unsubscribe needs a "topic" string' };
      return { type: 'unsubscribe', topic: m.topic };
    case 'presenter-position': {
      const position = parsePresenterPosition(m.position);
      if (!position) return { error: 'presenter-position needs integer h and v' };
      return { type: 'presenter-position', position };
    }
    case 'routing-api': {
      const api = parseRoutingApi(m.api);
      if (!api) return { error: `routing-api needs "api": one of ${ROUTING_APIS.join(', ')}` };
      return { type: 'routing-api', api };
    }
    case 'ping':
      return { type: 'ping', id: Number(m.id) || 0 };
    default:
      return { error: `unknown message type "${String(m.type).slice(0, 40)}"` };
  }
}

/** A presenter position from outside (a client, a ConfigMap), or undefined when h or v is not an integer. */
export function parsePresenterPosition(p: any): PresenterPosition | undefined {
  if (!p || !Number.isInteger(p.h) || !Number.isInteger(p.v)) return undefined;
  return { h: p.h, v: p.v, f: Number.isInteger(p.f) ? p.f : undefined, slideId: typeof p.slideId === 'string' ? p.slideId.slice(0, 100) : undefined };
}

// ---- HTTP API shapes (POST /api/apply, /api/dry-run, /api/delete, /api/scene, /api/run, …) ----

export interface ApplyDocumentResult {
  index: number;
  kind: string;
  /** The document's apiVersion: tells Istio's Gateway from the Gateway API's. */
  apiVersion?: string;
  name: string;
  namespace: string;
  result: 'created' | 'configured' | 'unchanged' | 'deleted';
  /** Unified diff of the YAML, live → new. Empty when unchanged. */
  diff: string;
}

export interface ApplyResponse {
  dryRun: boolean;
  results: ApplyDocumentResult[];
}

/** Every error from the HTTP API says what is wrong and where. */
export interface ApiErrorBody {
  error: string;
  /** 0-based document index in a multi-document body. */
  document?: number;
  line?: number;
  column?: number;
  field?: string;
  kind?: string;
  name?: string;
}

/**
 * How a scene is applied. `reset` brings the cluster to exactly the scene: its files are
 * applied and every other routing object in its namespaces is deleted. `catch-up` applies
 * the scene's files but keeps extra routing objects (a rule written live during Q&A).
 */
export type SceneMode = 'reset' | 'catch-up';

export interface SceneObjectRef {
  kind: string;
  name: string;
  namespace: string;
}

/** What applying a scene did: per-object results (created, configured, unchanged, deleted) and what it left alone. */
export interface SceneApplyResponse extends ApplyResponse {
  scene: string;
  mode: SceneMode;
  /** Which of the scene's variants was applied. */
  api?: RoutingApi;
  /** Routing objects the scene does not hold that catch-up left in place. */
  kept: SceneObjectRef[];
}

/** One scene's pre-flight (GET /api/preflight answers one per scene). */
export interface PreflightResult {
  scene: string;
  title: string;
  /** The scene's variant checked (a scene without routing has one, 'istio'). */
  api: RoutingApi;
  ok: boolean;
  problems: string[];
  /** How long the scene's dry run took on this cluster, in ms: a rehearsal shows which scenes are slow. */
  ms: number;
}

/** What a talk command run through POST /api/run printed, and its exit status. */
export interface RunResult {
  output: string;
  exitCode: number;
}

/** An attendee's sandbox as POST /api/sandbox grants it: its id and its own bearer token. */
export interface SandboxGrant {
  id: string;
  token: string;
}

/** The header a page sends with POST /api/sandbox: its own id, kept in localStorage, so asking again returns its sandbox. */
export const SANDBOX_CLIENT_HEADER = 'X-Deck-Client';

/** POST /api/sandbox's answer (202) while every sandbox is in use: this page's place in line (1 is next). */
export interface SandboxQueued {
  queued: { position: number; max: number };
  message: string;
}

// ---- Jaeger's v1 query API JSON (GET /api/traces/:id answers it, from the embedded or a real Jaeger) ----

export interface JaegerKeyValue {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64' | 'binary';
  value: string | number | boolean;
}

export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  flags?: number;
  operationName: string;
  references: JaegerReference[];
  startTime: number;
  duration: number;
  tags: JaegerKeyValue[];
  logs: { timestamp: number; fields: JaegerKeyValue[] }[];
  processID: string;
  warnings: string[] | null;
}

export interface JaegerProcess {
  serviceName: string;
  tags: JaegerKeyValue[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
  warnings: string[] | null;
}

export interface JaegerDependencyLink {
  parent: string;
  child: string;
  callCount: number;
}

export interface JaegerError {
  code?: number;
  msg: string;
  traceID?: string;
}

export interface JaegerResponse<T> {
  data: T;
  total: number;
  limit: number;
  offset: number;
  errors: JaegerError[] | null;
}
