import type { ClockOrigin } from '../clock.ts';

/** What the deck hands a sandbox's worker thread when it starts it. */
export interface SandboxWorkerData {
  name: string;
  scale: number;
  /** The deck's copy of the sandbox's clock: the worker's reads the same simulated time. */
  origin: ClockOrigin;
  /** Pods one namespace of the sandbox may hold (a ResourceQuota). */
  podsPerNamespace: number;
}

/** Deck → worker. */
export type ToSandboxWorker = { type: 'stop' };

/** Worker → deck. */
export type FromSandboxWorker =
  | { type: 'ready'; kubeconfig: string; apiServerUrl: string; gatewayUrl: string; jaegerUrl: string; /** Its OS thread, when it lowered its priority. */ threadId?: number }
  | { type: 'failed'; message: string }
  | { type: 'stopped' };
