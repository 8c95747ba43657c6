/**
 * `GET …/pods/<name>/log` (kubectl logs): the container's kept lines, filtered as the
 * kubelet filters them (tail, since, byte limit), with timestamps if asked, and followed
 * until the client hangs up or the pod goes.
 */
import { badRequest, invalid } from './errors.ts';
import type { LogEntry, PodLogSource } from './pod-runtime.ts';
import { queryBool, queryInt } from './query.ts';
import { methodNotAllowed, type Target } from './request.ts';
import type { ObjectStore } from './store.ts';
import type { KubeObject, ResourceType, StatusCause } from './types.ts';

export interface PodLogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** Simulated epoch ms; lines older than this are left out. */
  sinceMs?: number;
  limitBytes?: number;
}

const LOG_OPTIONS: ResourceType = { group: '', kind: 'PodLogOptions' } as ResourceType;

/** The kubelet's log filter options from the query, validated as the API server validates PodLogOptions. */
export function podLogOptions(pod: KubeObject, q: URLSearchParams, nowMs: number): PodLogOptions {
  const tailLines = queryInt(q, 'tailLines');
  const limitBytes = queryInt(q, 'limitBytes');
  const sinceSeconds = queryInt(q, 'sinceSeconds');
  const sinceTime = q.get('sinceTime') ?? undefined;
  let sinceTimeMs: number | undefined;
  if (sinceTime !== undefined) {
    sinceTimeMs = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(sinceTime) ? Date.parse(sinceTime) : NaN;
    if (Number.isNaN(sinceTimeMs)) throw badRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(sinceTime)} as a time`);
  }
  const causes: StatusCause[] = [];
  if (tailLines !== undefined && tailLines < 0) causes.push({ field: 'tailLines', message: `Invalid value: ${tailLines}: must be greater than or equal to 0` });
  if (limitBytes !== undefined && limitBytes < 1) causes.push({ field: 'limitBytes', message: `Invalid value: ${limitBytes}: must be greater than 0` });
  if (sinceSeconds !== undefined && sinceTimeMs !== undefined) causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
  else if (sinceSeconds !== undefined && sinceSeconds < 1) causes.push({ field: 'sinceSeconds', message: `Invalid value: ${sinceSeconds}: must be greater than 0` });
  if (causes.length) throw invalid(LOG_OPTIONS, pod.metadata.name, causes);
  return {
    container: logContainer(pod, q.get('container') ?? ''),
    follow: queryBool(q, 'follow'),
    previous: queryBool(q, 'previous'),
    timestamps: queryBool(q, 'timestamps'),
    tailLines,
    limitBytes,
    sinceMs: sinceSeconds !== undefined ? nowMs - sinceSeconds * 1000 : sinceTimeMs,
  };
}

/** The container a log request reads: the one named, or the pod's only one (the API server does not read kubectl's default-container annotation). */
function logContainer(pod: KubeObject, requested: string): string {
  const name = pod.metadata.name;
  const names = (list: any[] | undefined): string[] => (list ?? []).map((c: { name: string }) => c.name);
  const containers = names(pod.spec?.containers);
  const init = names(pod.spec?.initContainers);
  if (!requested) {
    if (containers.length === 1) return containers[0];
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]${init.length ? ` or one of the init containers: [${init.join(' ')}]` : ''}`);
  }
  if (![...containers, ...init, ...names(pod.spec?.ephemeralContainers)].includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

/** What the kubelet answers for a container that has no log to read yet (or no previous instance). */
function checkContainerState(pod: KubeObject, opts: PodLogOptions): void {
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const status = statuses.find((s: { name: string }) => s.name === opts.container);
  const where = `container "${opts.container}" in pod "${pod.metadata.name}"`;
  if (opts.previous) {
    if (!status?.lastState?.terminated) throw badRequest(`previous terminated ${where} not found`);
    return;
  }
  if (status?.state?.running || status?.state?.terminated) return;
  const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
  throw badRequest(`${where} is waiting to start: ${reason}`);
}

/** RFC 3339 with nine fixed fraction digits, as the kubelet stamps each line (epoch ms as a double carries microseconds, not nanoseconds). */
export function logTimestamp(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.min(999, Math.round((ms - whole) * 1000));
  return new Date(whole).toISOString().replace(/Z$/, `${String(micros).padStart(3, '0')}000Z`);
}

/** The lines a non-follow read returns, oldest first, after tail and since. */
export function selectLines(entries: LogEntry[], opts: Pick<PodLogOptions, 'tailLines' | 'sinceMs'>): LogEntry[] {
  let out = opts.tailLines !== undefined ? entries.slice(Math.max(0, entries.length - opts.tailLines)) : entries;
  if (opts.sinceMs !== undefined) out = out.filter((e) => e.timeMs >= opts.sinceMs!);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The log as a streamed text body: the kept lines, then (with follow) each new one until the client hangs up or the pod goes. */
export function servePodLog(store: ObjectStore, logs: PodLogSource | undefined, req: Request, t: Target, q: URLSearchParams): Response {
  if (req.method !== 'GET') throw methodNotAllowed();
  const pod = store.mustGet(t.type, t.namespace, t.name!);
  const opts = podLogOptions(pod, q, store.clock.now());
  checkContainerState(pod, opts);
  let budget = opts.limitBytes ?? Infinity;
  const render = (e: LogEntry) => `${opts.timestamps ? `${logTimestamp(e.timeMs)} ` : ''}${e.line}\n`;
  let ended = false;
  let stop: (() => void) | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const finish = () => {
        if (ended) return;
        ended = true;
        stop?.();
        controller.close();
      };
      /** Sends one line within the byte limit; false once the limit is reached. */
      const emit = (e: LogEntry): boolean => {
        let bytes = encoder.encode(render(e));
        if (bytes.byteLength > budget) bytes = encoder.encode(decoder.decode(bytes.subarray(0, budget)));
        budget -= bytes.byteLength;
        controller.enqueue(bytes);
        return budget > 0;
      };
      const kept = opts.previous || !logs ? [] : selectLines(logs.read(pod, opts.container), opts);
      for (const e of kept) if (!emit(e)) return finish();
      if (!opts.follow || !logs || opts.previous || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return finish();
      stop = logs.follow(pod, opts.container, (e) => {
        if (!ended && !emit(e)) finish();
      }, finish);
      // The log may have ended while follow was starting.
      if (ended) stop();
    },
    cancel() {
      ended = true;
      stop?.();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' } });
}
