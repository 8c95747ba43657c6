import type { Clock } from '../../clock.ts';

/**
 * What a simulated container sees: its pod, the response it returns and the outbound calls it
 * makes. The mesh runs apps through these types, and the apps (Bookinfo, the samples) know
 * nothing of the mesh, so neither folder imports the other.
 */

export interface MeshResponse {
  status: number;
  /** Lower-case names; several `set-cookie` values are joined by newlines. */
  headers: Record<string, string>;
  body: string;
}

/** What a simulated container sees of its pod. */
export interface Workload {
  pod: string;
  namespace: string;
  uid: string;
  ip: string;
  labels: Record<string, string>;
  app: string;
  /** The `version` label, or `latest` as Istio's canonical revision defaults. */
  version: string;
  /** Deployment name (owner ReplicaSet minus its hash), else the pod name. */
  workload: string;
  serviceAccount: string;
  hasSidecar: boolean;
  ready: boolean;
}

/** The request an app handler receives (after the server sidecar). */
export interface AppRequest {
  method: string;
  /** Path and query, e.g. `/reviews/0`. */
  path: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

export interface OutboundCall {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The app's own client timeout, simulated ms; on expiry the call rejects with a TimeoutError. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface AppContext {
  pod: Workload;
  clock: Clock;
  /** Whether apps spend simulated time working (off for benchmarks). */
  realisticLatency: boolean;
  /** An outbound HTTP call from this pod, through its sidecar when it has one. */
  call(url: string, init?: OutboundCall): Promise<MeshResponse>;
}

export type AppHandler = (req: AppRequest, ctx: AppContext) => Promise<MeshResponse>;

/** Chooses the container behind a pod (Bookinfo, a sample app, an echo). */
export type AppRegistry = (pod: Workload) => AppHandler;

export function textResponse(status: number, body: string, headers: Record<string, string> = {}): MeshResponse {
  return { status, headers: { 'content-type': 'text/plain', ...headers }, body };
}

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): MeshResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: typeof value === 'string' ? value : JSON.stringify(value) };
}
