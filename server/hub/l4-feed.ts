/**
 * Where the service graph's TCP edges come from: the ztunnel pods' access logs, read through
 * client-node as `kubectl logs -n istio-system -l app=ztunnel` would, so the embedded cluster
 * and a real one are read the same way. Each read covers the graph's window and is bounded
 * (lines and bytes per pod, pods, namespaces whose labels are looked up).
 */
import type { ClusterConnection } from '../cluster/connection.ts';
import { errorMessage, errorStatus } from '../cluster/connection.ts';
import { NO_PEER_LABELS, type PeerLabels } from './graph-l4.ts';
import { type L4Connection, parseZtunnelLine } from './ztunnel-access-log.ts';

export interface L4Read {
  connections: L4Connection[];
  labels: PeerLabels;
  /** Seconds the connections cover: the window, or less when a pod's log had more lines than are read. */
  coveredSeconds: number;
}

export interface L4Source {
  read(windowSeconds: number, signal: AbortSignal): Promise<L4Read>;
}

export interface ZtunnelLogOptions {
  namespace?: string;
  /** Newest lines read per ztunnel pod and poll; default 2000 (a line is about 600 bytes). */
  maxLinesPerPod?: number;
}

const ZTUNNEL_SELECTOR = 'app=ztunnel';
const ZTUNNEL_CONTAINER = 'istio-proxy';
const MAX_ZTUNNEL_PODS = 32;
const MAX_BYTES_PER_POD = 2 * 1024 * 1024;
/** Namespaces whose pods' labels are read per poll, and how long they are kept. */
const MAX_LABEL_NAMESPACES = 16;
const LABELS_TTL_MS = 10_000;
/** A pod named in the log but missing from the kept labels (started since) has them read again, at most this often. */
const LABELS_MIN_AGE_MS = 1_000;

interface NamespaceLabels {
  at: number;
  pods: Map<string, Record<string, string>>;
  deployments: Map<string, Record<string, string>>;
  /** Names the log gave that no pod had when last read (gone, or no pod at all): no reason to read again before the TTL. */
  absent: Set<string>;
}
/** Lines parsed between yields to the event loop. */
const PARSE_SLICE = 500;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class ZtunnelLogReader implements L4Source {
  private readonly namespace: string;
  private readonly maxLines: number;
  private readonly labelCache = new Map<string, NamespaceLabels>();

  constructor(
    private readonly connection: ClusterConnection,
    opts: ZtunnelLogOptions = {},
  ) {
    this.namespace = opts.namespace ?? 'istio-system';
    this.maxLines = opts.maxLinesPerPod ?? 2000;
  }

  async read(windowSeconds: number, signal: AbortSignal): Promise<L4Read> {
    let pods;
    try {
      pods = (await this.connection.core.listNamespacedPod({ namespace: this.namespace, labelSelector: ZTUNNEL_SELECTOR })).items.slice(0, MAX_ZTUNNEL_PODS);
    } catch (err) {
      // No istio-system yet: no ambient mode, so no connections (not a failure of the graph).
      if (errorStatus(err) === 404) return { connections: [], labels: NO_PEER_LABELS, coveredSeconds: windowSeconds };
      throw new Error(`listing the ztunnel pods in ${this.namespace}: ${describe(err)}`);
    }
    const connections: L4Connection[] = [];
    let coveredSeconds = windowSeconds;
    for (const pod of pods) {
      if (signal.aborted) break;
      const name = pod.metadata?.name ?? '';
      if (pod.status?.phase !== 'Running') continue;
      let text: string;
      try {
        text = await this.connection.core.readNamespacedPodLog({ name, namespace: this.namespace, container: ZTUNNEL_CONTAINER, sinceSeconds: Math.max(1, Math.ceil(windowSeconds)), tailLines: this.maxLines, limitBytes: MAX_BYTES_PER_POD });
      } catch (err) {
        throw new Error(`reading the log of ${this.namespace}/${name}: ${describe(err)}`);
      }
      const lines = text.split('\n');
      const parsed: L4Connection[] = [];
      for (let i = 0; i < lines.length; i++) {
        if (i > 0 && i % PARSE_SLICE === 0) await yieldToLoop();
        const c = parseZtunnelLine(lines[i]);
        if (c) parsed.push(c);
      }
      // The tail was cut by the line limit: rates cover only what was read.
      if (lines.length > this.maxLines && parsed.length) {
        const span = (Math.max(...parsed.map((c) => c.endUs)) - Math.min(...parsed.map((c) => c.endUs))) / 1e6;
        coveredSeconds = Math.max(1, Math.min(coveredSeconds, span));
      }
      connections.push(...parsed);
    }
    return { connections, labels: await this.labelsFor(connections), coveredSeconds };
  }

  /**
   * The labels of the pods the connections name (app, version, waypoint) and of their
   * namespaces' Deployments, read per namespace and kept briefly; read again sooner when the log
   * names a pod they do not have (restarted pods have new names).
   */
  private async labelsFor(connections: readonly L4Connection[]): Promise<PeerLabels> {
    const named = new Map<string, Set<string>>();
    for (const c of connections) {
      for (const peer of [c.src, c.dst]) {
        if (!peer.namespace || !peer.workload) continue;
        let pods = named.get(peer.namespace);
        if (!pods) {
          if (named.size >= MAX_LABEL_NAMESPACES) continue;
          named.set(peer.namespace, (pods = new Set()));
        }
        pods.add(peer.workload);
      }
    }
    const pods = new Map<string, Record<string, string>>();
    const deployments = new Map<string, Record<string, string>>();
    const now = Date.now();
    for (const [ns, names] of named) {
      let cached = this.labelCache.get(ns);
      const unknown = (n: string) => !cached!.pods.has(n) && !cached!.absent.has(n);
      const stale = !cached || now - cached.at > LABELS_TTL_MS || (now - cached.at > LABELS_MIN_AGE_MS && [...names].some(unknown));
      if (stale) this.labelCache.set(ns, (cached = await this.readLabels(ns, now)));
      for (const n of names) if (!cached!.pods.has(n)) cached!.absent.add(n);
      for (const [pod, l] of cached!.pods) pods.set(`${ns}/${pod}`, l);
      for (const [deployment, l] of cached!.deployments) deployments.set(`${ns}/${deployment}`, l);
    }
    if (this.labelCache.size > MAX_LABEL_NAMESPACES * 2) this.labelCache.clear();
    return { pods, deployments };
  }

  private async readLabels(namespace: string, at: number): Promise<NamespaceLabels> {
    const read: NamespaceLabels = { at, pods: new Map(), deployments: new Map(), absent: new Set() };
    try {
      for (const p of (await this.connection.core.listNamespacedPod({ namespace })).items) read.pods.set(p.metadata?.name ?? '', p.metadata?.labels ?? {});
      for (const d of (await this.connection.apps.listNamespacedDeployment({ namespace })).items) read.deployments.set(d.metadata?.name ?? '', d.spec?.template?.metadata?.labels ?? {});
    } catch {
      // Without the labels, nodes are named from the pod names (reviews-v2-… → reviews v2).
    }
    return read;
  }
}

function describe(err: unknown): string {
  const status = errorStatus(err);
  return (status ? `HTTP ${status}: ${errorMessage(err)}` : errorMessage(err)).slice(0, 300);
}
