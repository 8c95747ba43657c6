import { readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { ClusterConnection } from '../cluster/connection.ts';
import { DocumentError } from './yaml-documents.ts';
import { apiVersionOf, kindInfo, kindOfObject, STREAMED_KINDS } from '../kinds.ts';
import { stringify } from 'yaml';
import { applyManifests, deleteManifests, type ChangePolicy } from './apply.ts';
import { withoutBookkeeping } from '../object-view.ts';
import { runExec } from './run-exec.ts';
import { runLogs } from './run-logs.ts';
import { listAsTable } from '../cluster/table-request.ts';
import { printTable } from './kubectl-table.ts';
import { parseGrep, type GrepParse } from '../grep.ts';
import { failed, kubectlApiError, printed, refused, streamText, terminalResult, type KubectlOutput } from './kubectl-output.ts';
import type { RunResult } from '../protocol.ts';
import { runIstioctl } from './run-istioctl.ts';

export type { RunResult } from '../protocol.ts';

/** What `kubectl get` accepts for the kinds the panels show: short name, singular and plural. */
const GET_KINDS = STREAMED_KINDS.map((id) => kindInfo(id));
// Where two kinds share a name (Istio's Gateway and the Gateway API's), the one whose API group
// sorts first keeps it, as kubectl resolves it from a cluster's discovery: `gateway` is the Gateway API's.
const byGroup = [...GET_KINDS].sort((a, b) => (a.group === b.group ? 0 : !a.group ? -1 : !b.group ? 1 : a.group < b.group ? -1 : 1));
const GET_ALIASES = new Map(byGroup.flatMap((k) => [...k.shortNames, k.kind.toLowerCase(), k.plural].map((alias) => [alias, k.id] as const)).reverse());
const GET_KIND_NAMES = `${GET_KINDS.slice(0, -1).map((k) => k.plural).join(', ')} and ${GET_KINDS.at(-1)!.plural}`;

/**
 * Runs one of the talk's kubectl commands through the deck's own cluster connection, so
 * the presenter's Run button works the same on every cluster. Only the commands the
 * talk uses are understood; anything else is refused with the reason.
 */
export async function runTalkCommand(connection: ClusterConnection, policy: ChangePolicy, root: string, command: string): Promise<RunResult> {
  if (command.length > 2000) return { output: 'command too long', exitCode: 2 };
  const outputs: string[] = [];
  for (const part of command.split('&&').map((s) => s.trim()).filter(Boolean)) {
    const r = await Promise.resolve()
      .then(() => runPipeline(connection, policy, root, tokenize(part)))
      .catch((err): RunResult => ({ output: err instanceof DocumentError ? `error: ${err.body.error}` : kubectlApiError(err), exitCode: 1 }));
    outputs.push(r.output);
    if (r.exitCode !== 0) return { output: outputs.join('\n'), exitCode: r.exitCode };
  }
  return { output: outputs.join('\n'), exitCode: 0 };
}

/** Words as a shell splits them (quotes join, unquoted `|` separates commands of a pipeline). */
function tokenize(s: string): string[][] {
  const pipeline: string[][] = [[]];
  let word: string | undefined;
  const end = () => {
    if (word !== undefined) pipeline.at(-1)!.push(word);
    word = undefined;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      const close = s.indexOf(c, i + 1);
      if (close < 0) throw new Error(`unmatched ${c} in the command`);
      word = (word ?? '') + s.slice(i + 1, close);
      i = close;
    } else if (/\s/.test(c)) end();
    else if (c === '|') {
      end();
      pipeline.push([]);
    } else word = (word ?? '') + c;
  }
  end();
  return pipeline;
}

/**
 * `kubectl … | grep … | grep …`: each grep filters what the one before wrote, and the status is
 * the last command's, as in a shell without pipefail; stderr goes to the terminal unfiltered.
 */
async function runPipeline(connection: ClusterConnection, policy: ChangePolicy, root: string, pipeline: string[][]): Promise<RunResult> {
  const [argv, ...pipes] = pipeline;
  const other = pipes.find((p) => p[0] !== 'grep');
  if (other) return terminalResult(refused(`only "| grep PATTERN" can follow a command in the deck, not "| ${other.join(' ')}"; run it in a terminal`));
  const stages: GrepParse[] = pipes.map(parseGrep);
  const kubectl = await runKubectl(connection, policy, root, argv);
  if (kubectl.refused || !stages.length) return terminalResult(kubectl);
  let stdout = streamText(kubectl, 'out');
  let stderr = streamText(kubectl, 'err');
  let exitCode = kubectl.exitCode;
  for (const s of stages) {
    if (s.error !== undefined) {
      stderr += `${s.error}\n`;
      stdout = '';
      exitCode = 2;
      continue;
    }
    ({ stdout, status: exitCode } = s.stage.run(stdout));
  }
  return { output: (stderr + stdout + (kubectl.epilogue ?? '')).replace(/\n$/, ''), exitCode };
}

/** Commands kubectl has that the deck does not run: refused with "run it in a terminal", not as unknown. */
const KUBECTL_COMMANDS = new Set(['create', 'expose', 'run', 'set', 'explain', 'edit', 'rollout', 'scale', 'autoscale', 'certificate', 'cluster-info', 'top', 'cordon', 'uncordon', 'drain', 'taint', 'describe', 'logs', 'attach', 'port-forward', 'proxy', 'cp', 'auth', 'debug', 'events', 'diff', 'patch', 'replace', 'wait', 'kustomize', 'annotate', 'completion', 'api-resources', 'api-versions', 'config', 'plugin', 'version', 'options']);

async function runKubectl(connection: ClusterConnection, policy: ChangePolicy, root: string, argv: string[]): Promise<KubectlOutput> {
  if (argv[0] === 'istioctl') return runIstioctl(connection, policy, argv);
  if (argv[0] !== 'kubectl') return refused(`only kubectl commands (and istioctl waypoint) run from the deck; copy "${argv.join(' ')}" to a terminal`);
  const verb = argv[1];
  if (verb === 'exec') return runExec(connection, policy.defaultNamespace, argv);
  if (verb === 'logs') return runLogs(connection, policy.defaultNamespace, argv);
  const args = argv.slice(1);
  const flags = VERB_FLAGS[verb];
  if (!flags) {
    if (verb && !verb.startsWith('-') && !KUBECTL_COMMANDS.has(verb)) return failed(`error: unknown command "${verb}" for "kubectl"`);
    return refused(`the deck can run kubectl apply/delete -f, label namespace, get, exec and logs; run "${argv.join(' ')}" in a terminal`);
  }
  const flagProblem = checkFlags(verb, args.slice(1), flags);
  if (flagProblem) return flagProblem;
  const namespace = flagValue(args, '-n', '--namespace') ?? policy.defaultNamespace;
  if (verb === 'apply' || verb === 'delete') {
    const files = args.flatMap((a, i) => (a === '-f' || a === '--filename' ? [args[i + 1]] : a.startsWith('--filename=') ? [a.slice(11)] : []));
    if (!files.length) return refused(`the deck runs kubectl ${verb} -f FILE; run "${argv.join(' ')}" in a terminal`);
    const texts = files.map((f) => readManifest(root, f));
    const text = texts.join('\n---\n');
    const scoped = { ...policy, defaultNamespace: namespace };
    const res = verb === 'apply' ? await applyManifests(connection, scoped, text, { dryRun: false }) : await deleteManifests(connection, scoped, text, { dryRun: false });
    // kubectl names each object by its own API group: the Gateway API's Gateway is not Istio's.
    const pathOf = (r: (typeof res.results)[number]) => {
      const info = r.apiVersion ? kindOfObject({ apiVersion: r.apiVersion, kind: r.kind }) : undefined;
      return info && r.kind !== 'Namespace' ? `${info.kind.toLowerCase()}${info.group ? `.${info.group}` : ''}` : kindPath(r.kind);
    };
    return printed(res.results.map((r) => `${pathOf(r)}/${r.name} ${r.result}`).join('\n'));
  }
  if (verb === 'label') return labelNamespace(connection, policy, args);
  const kinds = (args[1] ?? '').split(',').map((k) => GET_ALIASES.get(k));
  if (!kinds.length || !kinds.every((k) => k !== undefined)) return refused(`the deck can show ${GET_KIND_NAMES}; run "${argv.join(' ')}" in a terminal`);
  const name = args[2] && !args[2].startsWith('-') ? args[2] : undefined;
  const format = flagValue(args, '-o', '--output');
  if (format && format !== 'yaml') return refused(`the deck shows tables and -o yaml; run "${argv.join(' ')}" in a terminal`);
  const out: KubectlOutput = { chunks: [], exitCode: 0 };
  let nothingFound: KubectlOutput | undefined;
  for (const kind of kinds) {
    // Listing several kinds, kubectl names each object with its kind (`deployment.apps/reviews-v1`).
    const prefix = kinds.length > 1 ? `${kindPath(kind)}/` : '';
    const one = format === 'yaml' ? await asYaml(connection, kind, namespace, name) : await table(connection, kind, namespace, name, prefix);
    if (one.nothingFound) {
      nothingFound = one;
      continue;
    }
    if (out.chunks.length && one.chunks[0]?.stream === 'out') out.chunks.push({ stream: 'out', text: '\n' });
    out.chunks.push(...one.chunks);
    out.exitCode ||= one.exitCode;
  }
  // kubectl says "No resources found" once, and only when no kind had any.
  return out.chunks.length || !nothingFound ? out : nothingFound;
}

/** The flags the deck understands per command, and whether each takes a value. */
const VERB_FLAGS: Record<string, Record<string, boolean>> = {
  apply: { '-f': true, '--filename': true, '-n': true, '--namespace': true },
  delete: { '-f': true, '--filename': true, '-n': true, '--namespace': true },
  label: { '--overwrite': false },
  get: { '-n': true, '--namespace': true, '-o': true, '--output': true },
};

/** kubectl flags the deck does not take: a terminal runs them, so they are refused, not unknown. */
const KUBECTL_FLAGS = new Set(['-A', '--all-namespaces', '-l', '--selector', '-w', '--watch', '--watch-only', '-L', '--label-columns', '--show-labels', '--sort-by', '--field-selector', '--no-headers', '--show-kind', '--ignore-not-found', '--context', '--kubeconfig', '--cluster', '--user', '-s', '--server', '--token', '--request-timeout', '-v', '--v', '--raw', '-k', '--kustomize', '-R', '--recursive', '--dry-run', '--server-side', '--force', '--grace-period', '--wait', '--all', '--prune', '--field-manager', '--force-conflicts', '--resource-version', '--list', '--local', '--overwrite', '-o', '--output', '-n', '--namespace', '-f', '--filename']);

/** kubectl's refusal of a flag it does not know (exit 1), or the deck's of one it does not run (exit 2). */
function checkFlags(verb: string, args: string[], flags: Record<string, boolean>): KubectlOutput | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-') || a === '-') continue;
    const name = a.startsWith('--') ? a.split('=')[0] : a.slice(0, 2);
    if (name in flags) {
      const inline = a.startsWith('--') ? a.includes('=') : a.length > 2;
      if (flags[name] && !inline) i++;
      continue;
    }
    if (KUBECTL_FLAGS.has(name)) return refused(`the deck's kubectl ${verb} does not take ${name}; run the command in a terminal`);
    const unknown = a.startsWith('--') ? `unknown flag: ${name}` : `unknown shorthand flag: '${a[1]}' in ${a}`;
    return failed(`error: ${unknown}\nSee 'kubectl ${verb} --help' for usage.`);
  }
  return undefined;
}

/** `kubectl label namespace NAME key=value key-`, with kubectl's checks and messages. */
async function labelNamespace(connection: ClusterConnection, policy: ChangePolicy, args: string[]): Promise<KubectlOutput> {
  if (args[1] !== 'namespace' && args[1] !== 'ns') return refused(`the deck labels namespaces only; run "kubectl ${args.join(' ')}" in a terminal`);
  const name = args[2];
  if (!name || name.startsWith('-')) return failed('error: resource(s) were provided, but no name was specified');
  if (!policy.namespaces.has(name)) return failed(`namespace ${name} is not one the deck may change`);
  const overwrite = args.includes('--overwrite');
  const labels: Record<string, string | null> = {};
  for (const spec of args.slice(3).filter((a) => !a.startsWith('--'))) {
    if (spec.includes('=')) {
      const parts = spec.split('=');
      if (parts.length !== 2) return failed(`error: invalid label spec: ${spec}`);
      labels[parts[0]] = parts[1];
    } else if (spec.endsWith('-')) labels[spec.slice(0, -1)] = null;
    else return failed(`error: unknown label spec: ${spec}`);
  }
  if (!Object.keys(labels).length) return failed('error: at least one label update is required');
  let current: Record<string, string>;
  try {
    current = (await connection.core.readNamespace({ name })).metadata?.labels ?? {};
  } catch (err) {
    return failed(kubectlApiError(err));
  }
  const clashes = Object.entries(labels).filter(([k, v]) => v !== null && !overwrite && k in current && current[k] !== v);
  if (clashes.length) return failed(clashes.map(([k]) => `error: '${k}' already has a value (${current[k]}), and --overwrite is false`).join('\n'));
  const changes = Object.fromEntries(Object.entries(labels).filter(([k, v]) => (v === null ? k in current : current[k] !== v)));
  if (!Object.keys(changes).length) return printed(`namespace/${name} not labeled`);
  try {
    await connection.core.patchNamespace({ name, body: { metadata: { labels: changes } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  } catch (err) {
    return failed(kubectlApiError(err));
  }
  return printed(`namespace/${name} labeled`);
}

function flagValue(args: string[], ...names: string[]): string | undefined {
  for (const [i, a] of args.entries()) {
    if (names.includes(a)) return args[i + 1];
    for (const n of names) if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
  }
  return undefined;
}

/** Only files under manifests/ may be applied, so a command cannot reach outside the talk. */
function readManifest(root: string, file: string): string {
  const rel = normalize(file ?? '');
  if (!rel.startsWith('manifests/') || rel.includes('..')) throw new Error(`only files under manifests/ can be applied from the deck, not "${file}"`);
  try {
    return readFileSync(join(root, rel), 'utf8');
  } catch {
    throw new Error(`the path "${file}" does not exist`);
  }
}

const kindPath = (kind: string) => (kind === 'Namespace' ? 'namespace' : `${kindInfo(kind).kind.toLowerCase()}${kindInfo(kind).group ? '.' + kindInfo(kind).group : ''}`);

async function listObjects(connection: ClusterConnection, kind: string, namespace: string, name?: string): Promise<k8s.KubernetesObject[]> {
  const info = kindInfo(kind);
  const items = (await connection.objects.list(apiVersionOf(info), info.kind, namespace)).items;
  return name ? items.filter((o) => o.metadata?.name === name) : items;
}

/** `kubectl get … -o yaml`: one object, or a List of them, without server bookkeeping. */
async function asYaml(connection: ClusterConnection, kind: string, namespace: string, name?: string): Promise<KubectlOutput> {
  const items = await listObjects(connection, kind, namespace, name);
  if (name && !items.length) return notFound(kind, name);
  const cleaned = items.map((o) => withoutBookkeeping(JSON.parse(JSON.stringify(o))));
  return printed(stringify(name ? cleaned[0] : { apiVersion: 'v1', kind: 'List', items: cleaned }));
}

/**
 * `kubectl get KIND [NAME]` as kubectl prints it: the API server's own Table (its columns,
 * cells and ages), so the deck shows what a terminal would, for any kind; names only when a
 * server renders no table.
 */
async function table(connection: ClusterConnection, kind: string, namespace: string, name: string | undefined, kindPrefix: string): Promise<KubectlOutput> {
  let served;
  try {
    served = await listAsTable(connection, kind, namespace, name);
  } catch (err) {
    return failed(kubectlApiError(err));
  }
  if (!served) {
    const items = await listObjects(connection, kind, namespace, name);
    if (name && !items.length) return notFound(kind, name);
    served = { columnDefinitions: [{ name: 'Name', format: 'name' }], rows: items.map((o) => ({ cells: [o.metadata?.name] })) };
  }
  if (name && !served.rows.length) return notFound(kind, name);
  // kubectl writes this to stderr and exits 0.
  if (!served.rows.length) return { ...failed(`No resources found in ${namespace} namespace.`), exitCode: 0, nothingFound: true };
  return printed(printTable(served, kindPrefix));
}

/** kubectl's NotFound, naming the resource as the API does (`deployments.apps "x"`), exit 1. */
function notFound(kind: string, name: string): KubectlOutput {
  const info = kindInfo(kind);
  return failed(`Error from server (NotFound): ${info.plural}${info.group ? `.${info.group}` : ''} "${name}" not found`);
}
