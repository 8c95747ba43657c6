import { readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { errorMessage, type ClusterConnection } from '../cluster/connection.ts';
import { DocumentError } from './yaml-documents.ts';
import { kindInfo } from '../cluster/kinds.ts';
import { summarize } from '../hub/summaries.ts';
import { stringify } from 'yaml';
import { applyManifests, deleteManifests, type ChangePolicy } from './apply.ts';
import { withoutBookkeeping } from '../object-view.ts';
import { runExec } from './run-exec.ts';
import type { RunResult } from '../protocol.ts';

export type { RunResult } from '../protocol.ts';

const GET_ALIASES: Record<string, string> = {
  po: 'Pod', pod: 'Pod', pods: 'Pod',
  svc: 'Service', service: 'Service', services: 'Service',
  deploy: 'Deployment', deployment: 'Deployment', deployments: 'Deployment',
  vs: 'VirtualService', virtualservice: 'VirtualService', virtualservices: 'VirtualService',
  dr: 'DestinationRule', destinationrule: 'DestinationRule', destinationrules: 'DestinationRule',
  gw: 'Gateway', gateway: 'Gateway', gateways: 'Gateway',
};

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
      .then(() => runOne(connection, policy, root, tokenize(part)))
      .catch((err): RunResult => ({ output: `error: ${err instanceof DocumentError ? err.body.error : errorMessage(err)}`, exitCode: 1 }));
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

async function runOne(connection: ClusterConnection, policy: ChangePolicy, root: string, pipeline: string[][]): Promise<RunResult> {
  const argv = pipeline[0];
  if (argv[0] !== 'kubectl') return { output: `only kubectl commands run from the deck; copy "${argv.join(' ')}" to a terminal`, exitCode: 2 };
  if (argv[1] === 'exec') return runExec(connection, policy.defaultNamespace, pipeline);
  if (pipeline.length > 1) return { output: `only kubectl exec output can be piped to grep in the deck; run "${pipeline.map((p) => p.join(' ')).join(' | ')}" in a terminal`, exitCode: 2 };
  const args = argv.slice(1);
  const namespace = flagValue(args, '-n', '--namespace') ?? policy.defaultNamespace;
  const verb = args[0];
  if ((verb === 'apply' || verb === 'delete') && args.includes('-f')) {
    const files = args.flatMap((a, i) => (a === '-f' ? [args[i + 1]] : []));
    const texts = files.map((f) => readManifest(root, f));
    const text = texts.join('\n---\n');
    const scoped = { ...policy, defaultNamespace: namespace };
    const res = verb === 'apply' ? await applyManifests(connection, scoped, text, { dryRun: false }) : await deleteManifests(connection, scoped, text, { dryRun: false });
    return { output: res.results.map((r) => `${kindPath(r.kind)}/${r.name} ${r.result}`).join('\n'), exitCode: 0 };
  }
  if (verb === 'label' && (args[1] === 'namespace' || args[1] === 'ns')) {
    const name = args[2];
    if (!policy.namespaces.has(name)) return { output: `namespace ${name} is not one the deck may change`, exitCode: 1 };
    const labels: Record<string, string | null> = {};
    for (const a of args.slice(3)) {
      if (a.startsWith('-')) continue;
      if (a.endsWith('-')) labels[a.slice(0, -1)] = null;
      else if (a.includes('=')) labels[a.split('=')[0]] = a.split('=').slice(1).join('=');
    }
    await connection.core.patchNamespace({ name, body: { metadata: { labels } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    return { output: `namespace/${name} labeled`, exitCode: 0 };
  }
  if (verb === 'get') {
    const kinds = (args[1] ?? '').split(',').map((k) => GET_ALIASES[k]);
    if (!kinds.length || kinds.some((k) => !k)) return { output: `the deck can show pods, services, deployments, virtualservices, destinationrules and gateways; run "${argv.join(' ')}" in a terminal`, exitCode: 2 };
    const name = args[2] && !args[2].startsWith('-') ? args[2] : undefined;
    const format = flagValue(args, '-o', '--output');
    if (format && format !== 'yaml') return { output: `the deck shows tables and -o yaml; run "${argv.join(' ')}" in a terminal`, exitCode: 2 };
    const blocks: string[] = [];
    for (const kind of kinds) blocks.push(format === 'yaml' ? await asYaml(connection, kind, namespace, name) : await table(connection, kind, namespace, name));
    return { output: blocks.join('\n\n'), exitCode: 0 };
  }
  return { output: `the deck can run kubectl apply/delete -f, label namespace, get and exec; run "${argv.join(' ')}" in a terminal`, exitCode: 2 };
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
  return readFileSync(join(root, rel), 'utf8');
}

const kindPath = (kind: string) => (kind === 'Namespace' ? 'namespace' : `${kind.toLowerCase()}${kindInfo(kind).group ? '.' + kindInfo(kind).group : ''}`);

async function listObjects(connection: ClusterConnection, kind: string, namespace: string, name?: string): Promise<k8s.KubernetesObject[]> {
  const info = kindInfo(kind);
  const items = (await connection.objects.list(info.group ? `${info.group}/${info.version}` : info.version, kind, namespace)).items;
  return name ? items.filter((o) => o.metadata?.name === name) : items;
}

/** `kubectl get … -o yaml`: one object, or a List of them, without server bookkeeping. */
async function asYaml(connection: ClusterConnection, kind: string, namespace: string, name?: string): Promise<string> {
  const items = await listObjects(connection, kind, namespace, name);
  if (name && !items.length) return `Error from server (NotFound): ${kind.toLowerCase()} "${name}" not found`;
  const cleaned = items.map((o) => withoutBookkeeping(JSON.parse(JSON.stringify(o))));
  return stringify(name ? cleaned[0] : { apiVersion: 'v1', kind: 'List', items: cleaned });
}

async function table(connection: ClusterConnection, kind: string, namespace: string, name?: string): Promise<string> {
  const items = await listObjects(connection, kind, namespace, name);
  if (name && !items.length) return `Error from server (NotFound): ${kind.toLowerCase()} "${name}" not found`;
  if (!items.length) return `No resources found in ${namespace} namespace.`;
  const rows = items.map((o) => summarize(kind, o as any));
  const header = kind === 'Pod' ? ['NAME', 'READY', 'STATUS', 'RESTARTS'] : kind === 'Service' ? ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)'] : kind === 'Deployment' ? ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE'] : ['NAME'];
  const cells = rows.map((r: any) => (kind === 'Pod' ? [r.name, r.ready, r.status, String(r.restarts)] : [r.name, ...header.slice(1).map((h) => r.columns?.[h] ?? '')]));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [header, ...cells].map((row) => row.map((c, i) => c.padEnd(widths[i])).join('   ').trimEnd()).join('\n');
}
