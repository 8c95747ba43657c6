import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { bool } from '../args.ts';
import { type Command, CommandError, EXIT_ANALYZE_ISSUES } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { apiMessage, statusOf } from '../kube.ts';
import { type Resource, type World, analyzeWorld } from '../analyze/analyzers.ts';
import { type Message, formatMessage, schemaValidationError, sortMessages } from '../analyze/messages.ts';
import { ISTIO_VERSION } from '../../server/embedded/controllers/istio-system.ts';

const ISTIO_KINDS: Record<string, { group: string; plural: string; world: keyof World }> = {
  VirtualService: { group: 'networking.istio.io', plural: 'virtualservices', world: 'virtualServices' },
  Gateway: { group: 'networking.istio.io', plural: 'gateways', world: 'gateways' },
  DestinationRule: { group: 'networking.istio.io', plural: 'destinationrules', world: 'destinationRules' },
  ServiceEntry: { group: 'networking.istio.io', plural: 'serviceentries', world: 'serviceEntries' },
};

interface FileResource extends Resource {
  apiVersion: string;
  raw: any;
}

async function yamlFiles(path: string, recursive: boolean): Promise<string[]> {
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new CommandError(`${path}: no such file or directory`);
  if (!s.isDirectory()) return [path];
  const out: string[] = [];
  for (const e of await readdir(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await yamlFiles(p, true)));
    } else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

async function readFiles(ctx: CommandContext, paths: string[], defaultNs: string): Promise<FileResource[]> {
  const out: FileResource[] = [];
  const files = (await Promise.all(paths.map((p) => (p === '-' ? ['-'] : yamlFiles(p, bool(ctx.args, 'recursive')))))).flat();
  for (const file of files) {
    const text = await ctx.readInput(file);
    const counter = new LineCounter();
    for (const doc of parseAllDocuments(text, { lineCounter: counter })) {
      const line = counter.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
      if (doc.errors.length) throw new CommandError(`${file}:${line}: ${doc.errors[0].message.split('\n')[0]}`);
      const obj = doc.toJS();
      if (!obj?.kind || !obj.metadata?.name) continue;
      const namespaced = obj.kind !== 'Namespace';
      out.push({ kind: obj.kind, apiVersion: obj.apiVersion ?? '', metadata: { ...obj.metadata, ...(namespaced ? { namespace: obj.metadata.namespace ?? defaultNs } : {}) }, spec: obj.spec, source: `${file}:${line}`, raw: obj });
    }
  }
  return out;
}

async function clusterWorld(ctx: CommandContext): Promise<World> {
  const kube = await ctx.kube();
  const as = (kind: string) => (o: any): Resource => ({ kind, metadata: o.metadata, spec: o.spec, status: o.status });
  const custom = async (group: string, plural: string, kind: string) => {
    try {
      const list: any = await kube.custom.listClusterCustomObject({ group, version: 'v1', plural });
      return (list.items ?? []).map(as(kind));
    } catch (err) {
      if (statusOf(err) === 404) return [];
      throw err;
    }
  };
  const [namespaces, pods, services, virtualServices, gateways, destinationRules, serviceEntries, authorizationPolicies, k8sGateways, httpRoutes] = await Promise.all([
    kube.core.listNamespace().then((l) => l.items.map(as('Namespace'))),
    kube.core.listPodForAllNamespaces().then((l) => l.items.map(as('Pod'))),
    kube.core.listServiceForAllNamespaces().then((l) => l.items.map(as('Service'))),
    custom('networking.istio.io', 'virtualservices', 'VirtualService'),
    custom('networking.istio.io', 'gateways', 'Gateway'),
    custom('networking.istio.io', 'destinationrules', 'DestinationRule'),
    custom('networking.istio.io', 'serviceentries', 'ServiceEntry'),
    custom('security.istio.io', 'authorizationpolicies', 'AuthorizationPolicy'),
    custom('gateway.networking.k8s.io', 'gateways', 'Gateway'),
    custom('gateway.networking.k8s.io', 'httproutes', 'HTTPRoute'),
  ]);
  return { namespaces, pods, services, virtualServices, gateways, destinationRules, serviceEntries, authorizationPolicies, k8sGateways, httpRoutes };
}

const emptyWorld = (): World => ({ namespaces: [], pods: [], services: [], virtualServices: [], gateways: [], destinationRules: [], serviceEntries: [], authorizationPolicies: [], k8sGateways: [], httpRoutes: [] });

/** The API server's `Kind.group "name" is invalid: ` lead-in; the message names the resource already. */
const withoutObjectName = (message: string) => message.replace(/^\S+ "[^"]*" is invalid: /, '');

/** A file's Istio resource, checked by the cluster's own validation without being stored (a dry run). */
async function validateOnCluster(ctx: CommandContext, r: FileResource): Promise<string | undefined> {
  const kind = ISTIO_KINDS[r.kind];
  const version = r.apiVersion.split('/')[1];
  if (!kind || !version) return undefined;
  const custom = (await ctx.kube()).custom;
  const args = { group: kind.group, version, namespace: r.metadata.namespace!, plural: kind.plural, body: r.raw, dryRun: 'All' };
  try {
    await custom.createNamespacedCustomObject(args);
  } catch (err) {
    if (statusOf(err) === 409) {
      try {
        await custom.replaceNamespacedCustomObject({ ...args, name: r.metadata.name });
      } catch (again) {
        return statusOf(again) === 422 || statusOf(again) === 400 ? withoutObjectName(apiMessage(again)) : undefined;
      }
      return undefined;
    }
    if (statusOf(err) === 422 || statusOf(err) === 400) return withoutObjectName(apiMessage(err));
  }
  return undefined;
}

export const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'Analyze Istio configuration and print validation messages',
  usage: 'istioctl analyze <file>... [flags]',
  flags: [{ name: 'all-namespaces', short: 'A', bool: true }, { name: 'use-kube', bool: true }, { name: 'recursive', short: 'R', bool: true }, { name: 'output', short: 'o' }],
  flagHelp: ['  -A, --all-namespaces   Analyze all namespaces', '  -R, --recursive        Process directory arguments recursively', '      --use-kube         Use live Kubernetes cluster for analysis. Set --use-kube=false to analyze files only. (default true)'],
  async run(ctx, positional) {
    const all = bool(ctx.args, 'all-namespaces');
    const useKube = ctx.args.flags.get('use-kube') !== false;
    const namespace = all ? undefined : useKube ? (await ctx.namespace()) : (ctx.args.flags.get('namespace') as string | undefined) ?? 'default';
    const files = await readFiles(ctx, positional, namespace ?? 'default');
    const world = useKube ? await clusterWorld(ctx) : emptyWorld();
    const messages: Message[] = [];
    // A resource read from a file stands in for the cluster's object of the same kind and name.
    for (const r of files) {
      // The Gateway API's Gateway shares its kind with Istio's: the group tells them apart.
      const k8sGateway = r.kind === 'Gateway' && r.apiVersion.startsWith('gateway.networking.k8s.io/');
      const key = k8sGateway ? 'k8sGateways' : (ISTIO_KINDS[r.kind]?.world ?? ({ Namespace: 'namespaces', Pod: 'pods', Service: 'services' } as const)[r.kind as 'Pod']);
      if (!key) continue;
      const error = useKube && !k8sGateway ? await validateOnCluster(ctx, r) : undefined;
      if (error) {
        messages.push(schemaValidationError({ kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name, source: r.source }, error));
        continue;
      }
      world[key] = [...world[key].filter((o) => !(o.metadata.name === r.metadata.name && o.metadata.namespace === r.metadata.namespace)), r];
    }
    messages.push(...analyzeWorld(world, namespace));
    const scope = namespace === undefined ? 'all namespaces' : `namespace: ${namespace}`;
    const sorted = sortMessages(messages);
    if (!sorted.length) {
      ctx.io.err(`\u2714 No validation issues found when analyzing ${scope}.\n`);
      return 0;
    }
    ctx.io.out(sorted.map((m) => formatMessage(m) + '\n').join(''));
    if (sorted.some((m) => m.level === 'Error')) {
      const minor = ISTIO_VERSION.split('.').slice(0, 2).join('.');
      ctx.io.err(`Error: Analyzers found issues when analyzing ${scope}.\nSee https://istio.io/v${minor}/docs/reference/config/analysis for more information about causes and resolutions.\n`);
      return EXIT_ANALYZE_ISSUES;
    }
    return 0;
  },
};
