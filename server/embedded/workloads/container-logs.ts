/**
 * The kubelet's side of `kubectl logs` in the embedded cluster: every container writes its
 * image's startup lines when it starts, apps log the requests they serve and the calls they
 * make, and each proxy (sidecar or ingress gateway) writes Envoy's access-log line while the
 * mesh config's `accessLogFile` says so. The lines are kept per container in a LogStore.
 */
import { parse as parseYaml } from 'yaml';
import type { Clock } from '../../clock.ts';
import type { CalledService, ContainerLogFormat, ContainerStart } from '../app-runtime/log-formats.ts';
import type { AppHandler, AppRegistry, Workload } from '../app-runtime/types.ts';
import type { LogEntry, PodLogSource } from '../apiserver/pod-runtime.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject, ResourceType } from '../apiserver/types.ts';
import { logFormatFor } from '../apps/logs.ts';
import { accessLogEntry, formatAccessLogJson, formatAccessLogText, proxyOfSpan } from '../mesh/access-log.ts';
import type { SpanRecord, SpanSink } from '../tracing/types.ts';
import { type ConnectionRecord, type ConnectionSink, formatZtunnelLine } from '../mesh/ztunnel-log.ts';
import { LogStore } from './log-store.ts';
import { utf8ByteLength } from '../portable/bytes.ts';

export const PROXY_CONTAINER = 'istio-proxy';
/** Where a real install keeps the mesh config: the `mesh` key of this ConfigMap. */
export const MESH_CONFIG = { namespace: 'istio-system', name: 'istio', key: 'mesh' } as const;

interface AppContainer {
  uid: string;
  name: string;
  format: ContainerLogFormat;
  /** Calls made so far per host:port (Python's pool numbers its connections). */
  calls: Map<string, number>;
}

type AccessLogMode = 'off' | 'text' | 'json';

export class ContainerLogs implements PodLogSource, ConnectionSink {
  readonly store = new LogStore();
  private readonly started = new Set<string>();
  private readonly apps = new Map<string, AppContainer>();
  private readonly pods: ResourceType;
  private readonly services: ResourceType;
  private readonly configMaps: ResourceType;
  private readonly unsubscribe: () => void;
  /** The access-log mode, worked out again after any change to the mesh config or a Telemetry. */
  private accessLogModeCache?: AccessLogMode;

  constructor(
    private readonly objects: ObjectStore,
    private readonly clock: Clock,
  ) {
    this.pods = objects.registry.mustGet('', 'pods');
    this.services = objects.registry.mustGet('', 'services');
    this.configMaps = objects.registry.mustGet('', 'configmaps');
    for (const pod of objects.list(this.pods)) this.containersStarted(pod);
    this.unsubscribe = objects.onEvent((e) => {
      if (e.resource === this.configMaps || e.resource.group === 'telemetry.istio.io') this.accessLogModeCache = undefined;
      if (e.resource !== this.pods) return;
      if (e.type === 'DELETED') this.podGone(e.object.metadata.uid!);
      else this.containersStarted(e.object);
    });
  }

  stop(): void {
    this.unsubscribe();
  }

  read(pod: KubeObject, container: string): LogEntry[] {
    return this.store.read(pod.metadata.uid!, container);
  }

  follow(pod: KubeObject, container: string, onLine: (e: LogEntry) => void, onEnd: () => void): () => void {
    return this.store.follow(pod.metadata.uid!, container, onLine, onEnd);
  }

  /** Writes each newly running container's startup lines, stamped from its `startedAt`. */
  private containersStarted(pod: KubeObject): void {
    const uid = pod.metadata.uid!;
    const statuses: any[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const s of statuses) {
      // An init container has run by the time it shows as terminated.
      const startedAt = s.state?.running?.startedAt ?? s.state?.terminated?.startedAt;
      const key = `${uid}/${s.name}`;
      if (!startedAt || this.started.has(key)) continue;
      this.started.add(key);
      const start: ContainerStart = {
        pod: pod.metadata.name,
        namespace: pod.metadata.namespace ?? 'default',
        podIp: pod.status?.podIP ?? '',
        container: s.name,
        image: s.image ?? '',
        labels: pod.metadata.labels ?? {},
        startedAtMs: Date.parse(startedAt),
      };
      const now = this.clock.now();
      // Lines a boot writes after this moment are stamped now, so no line is from the future.
      for (const l of logFormatFor(start.image, s.name).startup(start)) this.store.write(uid, s.name, l.line, Math.min(now, start.startedAtMs + l.offsetMs));
    }
  }

  private podGone(uid: string): void {
    this.store.removePod(uid);
    for (const key of this.started) if (key.startsWith(`${uid}/`)) this.started.delete(key);
    this.apps.delete(uid);
  }

  /** The app container of a pod as the mesh names it: the first that is not the proxy. */
  private appContainer(w: Workload): AppContainer | undefined {
    let c = this.apps.get(w.uid);
    if (c) return c;
    const pod = this.objects.get(this.pods, w.namespace, w.pod);
    const spec = (pod?.spec?.containers ?? []).find((x: { name: string }) => x.name !== PROXY_CONTAINER);
    if (!pod || !spec) return undefined;
    c = { uid: w.uid, name: spec.name, format: logFormatFor(spec.image ?? ''), calls: new Map() };
    this.apps.set(w.uid, c);
    return c;
  }

  /** The registry with each app's requests and calls logged by its container's format. */
  wrapApps(registry: AppRegistry): AppRegistry {
    return (pod) => {
      const handler = registry(pod);
      const logged: AppHandler = async (req, ctx) => {
        const c = this.appContainer(pod);
        if (!c?.format.served && !c?.format.called) return handler(req, ctx);
        const write = (lines: string[]) => lines.forEach((l) => this.store.write(c.uid, c.name, l, this.clock.now()));
        const call: typeof ctx.call = async (url, init) => {
          if (!c.format.called) return ctx.call(url, init);
          const origin = /^[a-z]+:\/\/([^/]+)/i.exec(url)?.[1] ?? url;
          const previousCalls = c.calls.get(origin) ?? 0;
          if (c.calls.size < 100 || c.calls.has(origin)) c.calls.set(origin, previousCalls + 1);
          const called: CalledService = { method: init?.method ?? 'GET', url, previousCalls };
          try {
            const res = await ctx.call(url, init);
            write(c.format.called({ ...called, status: res.status, bytes: utf8ByteLength(res.body) }));
            return res;
          } catch (err) {
            write(c.format.called({ ...called, error: callFailure(err) }));
            throw err;
          }
        };
        const startMs = this.clock.now();
        const res = await handler(req, { ...ctx, call });
        if (c.format.served) {
          const peerIp = pod.hasSidecar ? '127.0.0.6' : (req.headers['x-forwarded-for']?.split(',')[0].trim() ?? '10.244.0.1');
          write(c.format.served({ method: req.method, path: req.path, headers: req.headers, status: res.status, bytes: utf8ByteLength(res.body), peerIp, startMs, endMs: this.clock.now() }));
        }
        return res;
      };
      return logged;
    };
  }

  /** The span sink with each proxy span also written as its proxy's access-log line. */
  teeSpans(sink: SpanSink): SpanSink {
    return {
      record: (span) => {
        sink.record(span);
        this.accessLog(span);
      },
    };
  }

  private accessLog(span: SpanRecord): void {
    const mode = this.accessLogMode();
    if (mode === 'off') return;
    const proxy = proxyOfSpan(span);
    const pod = proxy && this.objects.get(this.pods, proxy.namespace, proxy.pod);
    if (!pod) return;
    // A gateway is a proxy with no app behind it: it logs each request once, as it leaves, not as an inbound call too.
    const standalone = (pod.spec?.containers ?? []).every((c: { name: string }) => c.name === PROXY_CONTAINER);
    if (standalone && span.tags.some((t) => t.key === 'span.kind' && t.value === 'server')) return;
    const entry = accessLogEntry(span, { serviceIp: this.serviceIp(span) });
    this.store.write(pod.metadata.uid!, PROXY_CONTAINER, mode === 'json' ? formatAccessLogJson(entry) : formatAccessLogText(entry), span.startTime / 1000 + span.duration / 1000);
  }

  /** ztunnel logs every connection it carried, always (access logging is its default, not the mesh config's). */
  connection(r: ConnectionRecord): void {
    this.store.write(r.ztunnel.uid, PROXY_CONTAINER, formatZtunnelLine(r, 32768 + Math.floor(Math.random() * 28232)), r.endMs);
  }

  private serviceIp(span: SpanRecord): string | undefined {
    const cluster = String(span.tags.find((t) => t.key === 'upstream_cluster')?.value ?? '');
    const m = /^outbound\|\d+\|[^|]*\|([^.]+)\.([^.]+)\.svc\./.exec(cluster);
    return m ? this.objects.get(this.services, m[2], m[1])?.spec?.clusterIP : undefined;
  }

  /**
   * Access logging as the mesh config says (`accessLogFile` set turns it on, `accessLogEncoding`
   * picks text or JSON), unless a mesh-wide Telemetry (in istio-system) names the `envoy`
   * provider, which turns it on, or disables it.
   */
  private accessLogMode(): AccessLogMode {
    if (this.accessLogModeCache) return this.accessLogModeCache;
    const cm = this.objects.get(this.configMaps, MESH_CONFIG.namespace, MESH_CONFIG.name);
    let mode: AccessLogMode = 'off';
    let encoding: AccessLogMode = 'text';
    try {
      const mesh = parseYaml(cm?.data?.[MESH_CONFIG.key] ?? '') ?? {};
      encoding = mesh.accessLogEncoding === 'JSON' ? 'json' : 'text';
      if (typeof mesh.accessLogFile === 'string' && mesh.accessLogFile !== '') mode = encoding;
    } catch {
      // A mesh config istiod cannot read leaves it on its last good config; here, logging stays off.
    }
    const telemetry = this.objects.registry.byPlural('telemetry.istio.io', 'telemetries');
    for (const t of telemetry ? this.objects.list(telemetry, MESH_CONFIG.namespace) : []) {
      if (t.spec?.selector || t.spec?.targetRefs) continue;
      for (const rule of t.spec?.accessLogging ?? []) {
        const providers: Array<{ name?: string }> = rule.providers ?? [{ name: 'envoy' }];
        if (!providers.some((p) => p.name === 'envoy')) continue;
        mode = rule.disabled === true ? 'off' : encoding;
      }
    }
    return (this.accessLogModeCache = mode);
  }
}

/** What went wrong with a call, as the app's HTTP client would classify it. */
function callFailure(err: unknown): NonNullable<CalledService['error']> {
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.name === 'TimeoutError') return { kind: 'timeout', message: e.message ?? 'timed out' };
  if (e?.code === 'ECONNREFUSED') return { kind: 'refused', message: e.message ?? '' };
  if (e?.code === 'ENOTFOUND') return { kind: 'unknown-host', message: e.message ?? '' };
  return { kind: 'reset', message: e?.message ?? '' };
}
