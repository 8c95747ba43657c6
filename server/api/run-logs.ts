import type * as k8s from '@kubernetes/client-node';
import type { ClusterConnection } from '../cluster/connection.ts';
import { goDurationMs } from '../go-duration.ts';
import { failed, kubectlApiError, refused, type KubectlOutput } from './kubectl-output.ts';
import { MAX_EXEC_OUTPUT_BYTES, defaultContainer, resolvePod } from './run-exec.ts';

interface LogsArgs {
  target?: string;
  selector?: string;
  namespace?: string;
  container?: string;
  allContainers: boolean;
  prefix: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
}

/** How many pods `-l` reads, as kubectl's default --max-log-requests. */
const MAX_LOG_REQUESTS = 5;

/** `logs TARGET|-l SELECTOR [-n NS] [-c C] [--all-containers] [--tail N] [--since D] [--timestamps] [--prefix]`. */
function parseLogs(args: string[]): LogsArgs | string {
  const parsed: LogsArgs = { allContainers: false, prefix: false, timestamps: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [flag, inline] = a.startsWith('--') ? a.split(/=(.*)/s) : [a, undefined];
    const value = () => inline ?? args[++i];
    if (flag === '-n' || flag === '--namespace') parsed.namespace = value();
    else if (flag === '-c' || flag === '--container') parsed.container = value();
    else if (flag === '-l' || flag === '--selector') parsed.selector = value();
    else if (flag === '--all-containers') parsed.allContainers = inline !== 'false';
    else if (flag === '--prefix') parsed.prefix = inline !== 'false';
    else if (flag === '--timestamps') parsed.timestamps = inline !== 'false';
    else if (flag === '--tail') {
      const n = Number(value());
      if (!Number.isInteger(n)) return `invalid argument for "--tail" flag: must be an integer`;
      if (n >= 0) parsed.tailLines = n;
    } else if (flag === '--since') {
      const text = value() ?? '';
      const ms = goDurationMs(text);
      if (ms === undefined) return `invalid argument "${text}" for "--since" flag: time: invalid duration "${text}"`;
      parsed.sinceSeconds = Math.max(1, Math.ceil(ms / 1000));
    } else if (flag === '-f' || flag === '--follow') return 'the deck shows the logs so far; follow them (-f) in a terminal';
    else if (flag.startsWith('-')) return `the deck's kubectl logs understands -n, -c, -l, --all-containers, --tail, --since, --timestamps and --prefix, not ${flag}`;
    else if (!parsed.target) parsed.target = a;
    else return `unexpected argument "${a}"`;
  }
  if (!parsed.target && !parsed.selector) return 'kubectl logs needs a pod, e.g. kubectl logs deploy/productpage-v1';
  if (parsed.target && parsed.selector) return 'error: only one of a selector or a pod name may be given';
  return parsed;
}

/**
 * `kubectl logs …` for the Run button, through the deck's own connection (client-node), so it
 * works on any cluster: the containers kubectl would read, at most MAX_EXEC_OUTPUT_BYTES in all.
 */
export async function runLogs(connection: ClusterConnection, defaultNamespace: string, argv: string[]): Promise<KubectlOutput> {
  const parsed = parseLogs(argv.slice(2));
  if (typeof parsed === 'string') return parsed.startsWith('error:') ? failed(parsed) : refused(parsed);
  const namespace = parsed.namespace ?? defaultNamespace;
  const out: KubectlOutput = { chunks: [], exitCode: 0 };
  let pods: k8s.V1Pod[];
  try {
    if (parsed.selector) {
      pods = (await connection.core.listNamespacedPod({ namespace, labelSelector: parsed.selector })).items.slice(0, MAX_LOG_REQUESTS);
      if (!pods.length) return failed(`No resources found in ${namespace} namespace.`, 0);
    } else {
      const pod = await resolvePod(connection, parsed.target!, namespace);
      if (typeof pod === 'string') return failed(pod);
      pods = [pod];
    }
  } catch (err) {
    return failed(kubectlApiError(err));
  }
  let room = MAX_EXEC_OUTPUT_BYTES;
  for (const pod of pods) {
    const name = pod.metadata!.name!;
    let containers: string[];
    if (parsed.allContainers) containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
    else if (parsed.container) containers = [parsed.container];
    else {
      const chosen = defaultContainer(pod);
      if (chosen.note && !parsed.selector) out.chunks.push({ stream: 'err', text: chosen.note });
      containers = chosen.container ? [chosen.container] : [];
    }
    for (const container of containers) {
      if (room <= 0) break;
      try {
        const text = await connection.core.readNamespacedPodLog({ name, namespace, container, tailLines: parsed.tailLines, sinceSeconds: parsed.sinceSeconds, timestamps: parsed.timestamps, limitBytes: room + 1 });
        const kept = Buffer.from(text).subarray(0, room).toString();
        room -= Buffer.byteLength(kept);
        const lines = parsed.prefix ? kept.replace(/^(?=.)/gm, `[pod/${name}/${container}] `) : kept;
        if (lines) out.chunks.push({ stream: 'out', text: lines });
        if (room <= 0) out.chunks.push({ stream: 'err', text: `${lines.endsWith('\n') ? '' : '\n'}… output cut at ${MAX_EXEC_OUTPUT_BYTES / 1024} KB\n` });
      } catch (err) {
        out.chunks.push({ stream: 'err', text: `${kubectlApiError(err)}\n` });
        out.exitCode = 1;
      }
    }
  }
  return out;
}
