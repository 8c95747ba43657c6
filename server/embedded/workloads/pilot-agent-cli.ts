import type { ProcessIo } from '../apiserver/pod-runtime.ts';
import type { MeshCore } from '../mesh/mesh-core.ts';
import { type ProxyView, clustersJson, clustersText, configDump, listenerStatuses, serverInfo } from '../mesh/config-dump.ts';
import { compileUserRegex } from '../../user-regex.ts';

/** Envoy's loggers (a selection) and the levels the sidecar starts with (`--proxyLogLevel=warning --proxyComponentLogLevel=misc:error`). */
const LOGGERS = ['admin', 'aws', 'assert', 'backtrace', 'client', 'config', 'connection', 'conn_handler', 'dns', 'ext_authz', 'file', 'filter', 'forward_proxy', 'grpc', 'hc', 'health_checker', 'http', 'http2', 'init', 'io', 'jwt', 'lua', 'main', 'matcher', 'misc', 'pool', 'quic', 'rbac', 'redis', 'router', 'runtime', 'secret', 'stats', 'tap', 'tracing', 'upstream', 'udp', 'wasm', 'websocket'];
const LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'];
const logLevels = new WeakMap<MeshCore, Map<string, Map<string, string>>>();

function levelsOf(mesh: MeshCore, pod: { workload: string; namespace: string }): Map<string, string> {
  let byPod = logLevels.get(mesh);
  if (!byPod) logLevels.set(mesh, (byPod = new Map()));
  const key = `${pod.namespace}/${pod.workload}`;
  let levels = byPod.get(key);
  if (!levels) {
    if (byPod.size > 10_000) byPod.clear();
    byPod.set(key, (levels = new Map(LOGGERS.map((l) => [l, l === 'misc' ? 'error' : 'warning']))));
  }
  return levels;
}

/** The image tag is the proxy's Istio version. */
const versionOf = (image: string) => /:([^:/]+)$/.exec(image)?.[1] ?? 'unknown';

/** Envoy's `/stats/prometheus` form of `cluster.<name>;.<stat>: value` lines. */
function prometheusStats(lines: string[]): string {
  const out: string[] = [];
  for (const line of lines) {
    const m = /^cluster\.(.+);\.([a-z_.]+): (\d+)$/.exec(line);
    if (!m) continue;
    const [, cluster, stat, value] = m;
    out.push(`# TYPE envoy_cluster_${stat.replace(/\./g, '_')} gauge`, `envoy_cluster_${stat.replace(/\./g, '_')}{cluster_name="${cluster}"} ${value}`);
  }
  return out.join('\n') + (out.length ? '\n' : '');
}

const json = (v: unknown) => JSON.stringify(v, null, 1) + '\n';

/**
 * `pilot-agent request GET|POST <path>`: the sidecar's Envoy admin API on 15000, answering from
 * the plan the simulated proxy runs: stats, config_dump, clusters, listeners, server_info and
 * logging, as Envoy answers them.
 */
export async function pilotAgentCommand(mesh: MeshCore, pod: { workload: string; namespace: string; image?: string }, args: string[], io: ProcessIo): Promise<number> {
  if (args[0] !== 'request' || args.length < 3) {
    io.stderr('Error: usage: pilot-agent request <method> <path> [<body>] (this embedded pilot-agent runs only "request")\n');
    return 1;
  }
  const [, rawMethod, path] = args;
  const method = rawMethod.toUpperCase();
  if (method !== 'GET' && method !== 'POST') {
    io.stderr(`Error: ${rawMethod} is not a method the Envoy admin API takes (GET or POST)\n`);
    return 1;
  }
  const url = new URL(path.replace(/^\/?/, '/'), 'http://localhost:15000');
  const resource = url.pathname.slice(1);
  const base = mesh.proxyView(pod);
  if (!base) {
    io.stderr(`Error: failed to ${method} ${path}: this pod's proxy is not running\n`);
    return 1;
  }
  const view: ProxyView = { ...base, version: versionOf(pod.image ?? '') };
  switch (resource) {
    case 'stats':
    case 'stats/prometheus': {
      let lines = mesh.proxyStats(pod).split('\n').filter(Boolean);
      const filter = url.searchParams.get('filter');
      if (filter !== null) {
        const compiled = compileUserRegex(filter);
        if (!compiled.regex) {
          io.stdout(`Invalid re2 regex: ${compiled.error}\n`);
          return 1;
        }
        lines = lines.filter((l) => compiled.regex.occursIn(l.split(':')[0]));
      }
      io.stdout(resource === 'stats' ? lines.map((l) => l + '\n').join('') : prometheusStats(lines));
      return 0;
    }
    case 'config_dump':
      io.stdout(json(configDump(view, { includeEds: url.searchParams.has('include_eds') })));
      return 0;
    case 'clusters':
      io.stdout(url.searchParams.get('format') === 'json' ? json(clustersJson(view)) : clustersText(view));
      return 0;
    case 'listeners':
      io.stdout(listenerStatuses(view, url.searchParams.get('format') === 'json' ? 'json' : 'text'));
      return 0;
    case 'server_info':
      io.stdout(json(serverInfo(view, Math.max(0, Math.round((mesh.clock.now() - view.updated.getTime()) / 1000)))));
      return 0;
    case 'logging':
      return logging(mesh, pod, url.searchParams, io);
    default:
      io.stdout(`invalid path. admin commands are:\n  /clusters: upstream cluster status\n  /config_dump: dump current Envoy configs\n  /listeners: print listener info\n  /logging: query/change logging levels\n  /server_info: print server version/status information\n  /stats: print server stats\n  /stats/prometheus: print server stats in prometheus format\n`);
      return 1;
  }
}

function logging(mesh: MeshCore, pod: { workload: string; namespace: string }, params: URLSearchParams, io: ProcessIo): number {
  const levels = levelsOf(mesh, pod);
  for (const [name, value] of params) {
    if (!LEVELS.includes(value)) {
      io.stdout(`error: unknown logger level\nusage: /logging?<name>=<level> (change single level)\n       /logging?level=<level> (change all levels)\nlevels: ${LEVELS.join(' ')}\n`);
      return 1;
    }
    if (name === 'level') for (const l of levels.keys()) levels.set(l, value);
    else if (levels.has(name)) levels.set(name, value);
    else {
      io.stdout(`error: unknown logger name\n`);
      return 1;
    }
  }
  io.stdout(['active loggers:', ...[...levels].map(([l, v]) => `  ${l}: ${v}`)].join('\n') + '\n');
  return 0;
}
