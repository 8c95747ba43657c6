import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { errorMessage, errorStatus, type ClusterConnection } from '../cluster/connection.ts';
import { failed, kubectlApiError, refused, type KubectlOutput } from './kubectl-output.ts';

/** What the Run button keeps of a command's output; the rest is cut with a note. */
export const MAX_EXEC_OUTPUT_BYTES = 256 * 1024;
/** A command that has not finished after this long (real time) is stopped. */
const EXEC_TIMEOUT_MS = 120_000;

interface ExecArgs {
  target: string;
  namespace?: string;
  container?: string;
  command: string[];
}

/** `exec TARGET [-n NS] [-c CONTAINER] -- CMD...` (kubectl's flags only before `--`). */
function parseExec(args: string[]): ExecArgs | string {
  const dash = args.indexOf('--');
  if (dash < 0) return 'kubectl exec needs "--" before the command, e.g. kubectl exec deploy/sleep -- curl http://productpage:9080/';
  const own = args.slice(1, dash);
  const parsed: ExecArgs = { target: '', command: args.slice(dash + 1) };
  for (let i = 0; i < own.length; i++) {
    const a = own[i];
    const [flag, inline] = a.startsWith('--') ? a.split(/=(.*)/s) : [a, undefined];
    const value = () => inline ?? own[++i];
    if (flag === '-n' || flag === '--namespace') parsed.namespace = value();
    else if (flag === '-c' || flag === '--container') parsed.container = value();
    else if (/^-[it]+$/.test(flag) || flag === '--stdin' || flag === '--tty') return 'interactive exec (-i/-t) needs a terminal; the deck runs commands without one';
    else if (flag === '-q' || flag === '--quiet') continue;
    else if (flag.startsWith('-')) return `the deck's kubectl exec understands -n and -c, not ${flag}`;
    else if (!parsed.target) parsed.target = a;
    else return `unexpected argument "${a}" before "--"`;
  }
  if (!parsed.target) return 'kubectl exec needs a pod, e.g. kubectl exec deploy/sleep -- curl ...';
  if (!parsed.command.length) return 'kubectl exec needs a command after "--"';
  return parsed;
}

/**
 * The container kubectl picks when none is named: the injector's default-container annotation
 * silently, else the first container, with kubectl's note when there were several.
 */
export function defaultContainer(pod: k8s.V1Pod): { container?: string; note?: string } {
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  const container = annotated && containers.includes(annotated) ? annotated : containers[0];
  if (container === annotated || containers.length <= 1) return { container };
  const init = (pod.spec?.initContainers ?? []).map((c) => `${c.name} (init)`);
  return { container, note: `Defaulted container "${container}" out of: ${[...containers, ...init].join(', ')}\n` };
}

/** A Ready pod behind `deploy/NAME`, or the pod itself for `pod/NAME` and `NAME`. */
export async function resolvePod(connection: ClusterConnection, target: string, namespace: string): Promise<k8s.V1Pod | string> {
  const [kind, name] = target.includes('/') ? target.split(/\/(.*)/s) : ['pod', target];
  if (['pod', 'pods', 'po'].includes(kind)) {
    try {
      return await connection.core.readNamespacedPod({ name, namespace });
    } catch (err) {
      if (errorStatus(err) === 404) return `Error from server (NotFound): pods "${name}" not found`;
      throw err;
    }
  }
  if (!['deploy', 'deployment', 'deployments'].includes(kind)) return `the deck's kubectl exec takes pod/NAME, deploy/NAME or NAME, not "${target}"`;
  let deployment: k8s.V1Deployment;
  try {
    deployment = await connection.apps.readNamespacedDeployment({ name, namespace });
  } catch (err) {
    if (errorStatus(err) === 404) return `Error from server (NotFound): deployments.apps "${name}" not found`;
    throw err;
  }
  const labels = deployment.spec?.selector?.matchLabels ?? {};
  const labelSelector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = (await connection.core.listNamespacedPod({ namespace, labelSelector })).items.filter((p) => !p.metadata?.deletionTimestamp);
  const ready = (p: k8s.V1Pod) => p.status?.phase === 'Running' && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const pod = pods.find(ready) ?? pods.find((p) => p.status?.phase === 'Running');
  return pod ?? `error: no running pod for deployment ${name} in namespace ${namespace}`;
}

/** Output of both streams in arrival order, capped; stdout is kept apart for `| grep`. */
class ExecOutput {
  readonly chunks: Array<{ stream: 'out' | 'err'; text: string }> = [];
  private bytes = 0;
  truncated = false;

  writer(stream: 'out' | 'err'): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, done) => {
        const room = MAX_EXEC_OUTPUT_BYTES - this.bytes;
        if (chunk.length > room) this.truncated = true;
        const kept = chunk.subarray(0, Math.max(0, room));
        if (kept.length) {
          this.bytes += kept.length;
          this.chunks.push({ stream, text: kept.toString('utf8') });
        }
        done();
      },
    });
  }
}

/** Runs the command through client-node's Exec (WebSocket), as kubectl does. */
async function execInPod(connection: ClusterConnection, pod: k8s.V1Pod, container: string, command: string[], output: ExecOutput): Promise<number> {
  const exec = new k8s.Exec(connection.kc);
  let status: k8s.V1Status | undefined;
  const ws = await exec.exec(pod.metadata!.namespace!, pod.metadata!.name!, container, command, output.writer('out'), output.writer('err'), null, false, (s) => {
    status = s;
  });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      output.chunks.push({ stream: 'err', text: `\nerror: the command was stopped after ${EXEC_TIMEOUT_MS / 1000} s\n` });
      ws.close();
    }, EXEC_TIMEOUT_MS);
    ws.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  if (!status || status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const code = Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
    if (Number.isInteger(code)) return code;
  }
  output.chunks.push({ stream: 'err', text: `error: ${status.message ?? 'the command failed'}\n` });
  return 1;
}

/**
 * `kubectl exec …` for the Run button: the pod is resolved and the command run through the
 * deck's ClusterConnection (client-node), so it works on any cluster. The streams are kept
 * apart for a `| grep`, with kubectl's "command terminated" line and exit status.
 */
export async function runExec(connection: ClusterConnection, defaultNamespace: string, argv: string[]): Promise<KubectlOutput> {
  const parsed = parseExec(argv.slice(1));
  if (typeof parsed === 'string') return refused(parsed);
  const namespace = parsed.namespace ?? defaultNamespace;
  let pod: k8s.V1Pod | string;
  try {
    pod = await resolvePod(connection, parsed.target, namespace);
  } catch (err) {
    return failed(kubectlApiError(err));
  }
  if (typeof pod === 'string') return failed(pod);
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const output = new ExecOutput();
  let container = parsed.container;
  if (!container) {
    const chosen = defaultContainer(pod);
    container = chosen.container;
    if (chosen.note) output.chunks.push({ stream: 'err', text: chosen.note });
  }
  if (!container || !containers.includes(container)) {
    return failed(`Error from server (BadRequest): container ${container} is not valid for pod ${pod.metadata?.name}`);
  }
  let exitCode: number;
  try {
    exitCode = await execInPod(connection, pod, container, parsed.command, output);
  } catch (err) {
    output.chunks.push({ stream: 'err', text: `error: unable to upgrade connection: ${errorMessage(err)}\n` });
    return { chunks: output.chunks, exitCode: 1 };
  }
  const last = output.chunks.at(-1)?.text ?? '';
  const lineEnd = last && !last.endsWith('\n') ? '\n' : '';
  const cut = output.truncated ? `… output cut at ${MAX_EXEC_OUTPUT_BYTES / 1024} KB\n` : '';
  const terminated = exitCode !== 0 ? `command terminated with exit code ${exitCode}\n` : '';
  return { chunks: output.chunks, epilogue: cut || terminated ? lineEnd + cut + terminated : undefined, exitCode };
}
