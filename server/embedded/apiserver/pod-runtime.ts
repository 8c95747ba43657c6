import type { KubeObject } from './types.ts';

/** What a running command sees: where its output goes, and a signal for the client hanging up. */
export interface ProcessIo {
  stdout(data: string | Uint8Array): void;
  stderr(data: string | Uint8Array): void;
  signal: AbortSignal;
}

/** Where a forwarded pod port is really served, or why it cannot be. */
export type ForwardTarget = { host: string; port: number } | { error: string };

/**
 * The embedded cluster's stand-in for a kubelet's container runtime: it runs `exec`
 * commands in a pod's container and says where a pod's port can be reached.
 */
export interface PodRuntime {
  /** Runs `command` in `container` of `pod`; resolves with the exit code. */
  exec(pod: KubeObject, container: string, command: string[], io: ProcessIo): Promise<number>;
  portForwardTarget(pod: KubeObject, port: number): ForwardTarget;
  /** The containers' logs (`pods/log`); without it every log reads empty. */
  logs?: PodLogSource;
}

/** One line a container wrote, as the kubelet keeps it: when (simulated epoch ms) and the text without its newline. */
export interface LogEntry {
  timeMs: number;
  line: string;
}

/** What the kubelet keeps of a container's output: the lines still in its (rotated) log, and new ones as they come. */
export interface PodLogSource {
  /** The kept lines of `container` in `pod`, oldest first. */
  read(pod: KubeObject, container: string): LogEntry[];
  /** Calls `onLine` for each new line until the returned function is called; `onEnd` when the container's log ends (pod gone). */
  follow(pod: KubeObject, container: string, onLine: (e: LogEntry) => void, onEnd: () => void): () => void;
}
