import { bool, str } from '../args.ts';
import { type Command, CommandError } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { clientNode, statusOf } from '../kube.ts';
import { table } from '../output.ts';
import { goDurationMs } from '../../server/go-duration.ts';

const GATEWAYS = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' };
const WAYPOINT_CLASS = 'istio-waypoint';
const FOR = ['service', 'workload', 'all', 'none'];

/** The Gateway `waypoint apply` server-side applies. */
export function waypointGateway(name: string, namespace: string, trafficFor?: string, revision?: string): Record<string, unknown> {
  const labels: Record<string, string> = {};
  if (trafficFor) labels['istio.io/waypoint-for'] = trafficFor;
  if (revision) labels['istio.io/rev'] = revision;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace, ...(Object.keys(labels).length ? { labels } : {}) },
    spec: { gatewayClassName: WAYPOINT_CLASS, listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
  };
}

const programmed = (gw: any) => gw.status?.conditions?.find((c: any) => c.type === 'Programmed');

function gatewayApiMissing(err: unknown): never {
  if (statusOf(err) === 404) throw new CommandError(`missing Kubernetes Gateway CRDs need to be installed before applying a waypoint: the server could not find the requested resource (gateways.gateway.networking.k8s.io)`);
  throw err;
}

async function listWaypoints(ctx: CommandContext, namespace: string | undefined): Promise<any[]> {
  const custom = (await ctx.kube()).custom;
  const list: any = await (namespace ? custom.listNamespacedCustomObject({ ...GATEWAYS, namespace }) : custom.listClusterCustomObject(GATEWAYS)).catch(gatewayApiMissing);
  return (list.items ?? []).filter((g: any) => g.spec?.gatewayClassName === WAYPOINT_CLASS);
}

async function apply(ctx: CommandContext): Promise<number> {
  const ns = (await ctx.namespace());
  const name = str(ctx.args, 'name') ?? 'waypoint';
  if (name === 'none') throw new CommandError('invalid name provided for waypoint, \'none\' is a reserved value');
  const trafficFor = str(ctx.args, 'for');
  if (trafficFor && !FOR.includes(trafficFor)) throw new CommandError(`invalid traffic type: ${trafficFor}. Valid options are: ${FOR.join(', ')}`);
  const kube = await ctx.kube();
  const { PatchStrategy, setHeaderOptions } = await clientNode();
  const namespace = await kube.core.readNamespace({ name: ns }).catch((err) => {
    throw new CommandError(statusOf(err) === 404 ? `namespaces "${ns}" not found` : String(err));
  });
  if (namespace.metadata?.labels?.['istio.io/dataplane-mode'] !== 'ambient') {
    ctx.io.out(`\u26a0\ufe0f Warning: namespace is not enrolled in ambient. Consider running\t\`kubectl label namespace ${ns} istio.io/dataplane-mode=ambient\`\n`);
  }
  const enroll = bool(ctx.args, 'enroll-namespace');
  const current = namespace.metadata?.labels?.['istio.io/use-waypoint'];
  if (enroll && current && current !== name && !bool(ctx.args, 'overwrite')) {
    throw new CommandError(`namespace (${ns}) already has an enrolled Waypoint (${current}). Consider adding the \`--overwrite\` flag to your apply command.`);
  }
  await kube.custom
    .patchNamespacedCustomObject({ ...GATEWAYS, namespace: ns, name, body: waypointGateway(name, ns, trafficFor, str(ctx.args, 'revision')), fieldManager: 'istioctl', force: true }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply))
    .catch(gatewayApiMissing);
  ctx.io.out(`\u2705 waypoint ${ns}/${name} applied\n`);
  if (bool(ctx.args, 'wait')) {
    const timeoutText = str(ctx.args, 'waypoint-timeout') ?? '1m30s';
    const timeoutMs = goDurationMs(timeoutText);
    if (timeoutMs === undefined) throw new CommandError(`invalid argument "${timeoutText}" for "--waypoint-timeout" flag: time: invalid duration "${timeoutText}"`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const gw: any = await kube.custom.getNamespacedCustomObject({ ...GATEWAYS, namespace: ns, name });
      if (programmed(gw)?.status === 'True') break;
      if (Date.now() > deadline) throw new CommandError(`timed out waiting for waypoint ${ns}/${name} to become ready (its Gateway is not Programmed after ${timeoutText})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    ctx.io.out(`\u2705 waypoint ${ns}/${name} is ready!\n`);
  }
  if (enroll) {
    await kube.core.patchNamespace({ name: ns, body: { metadata: { labels: { 'istio.io/use-waypoint': name } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    ctx.io.out(`\u2705 namespace ${ns} labeled with "istio.io/use-waypoint: ${name}"\n`);
  }
  return 0;
}

async function list(ctx: CommandContext): Promise<number> {
  const all = bool(ctx.args, 'all-namespaces');
  const waypoints = await listWaypoints(ctx, all ? undefined : (await ctx.namespace()));
  if (!waypoints.length) {
    ctx.io.out('No waypoints found.\n');
    return 0;
  }
  const rows = waypoints.map((g) => [
    ...(all ? [g.metadata.namespace] : []),
    g.metadata.name,
    g.metadata.labels?.['istio.io/rev'] ?? 'default',
    g.metadata.labels?.['istio.io/waypoint-for'] ?? 'service',
    programmed(g)?.status ?? 'Unknown',
  ]);
  ctx.io.out(table([[...(all ? ['NAMESPACE'] : []), 'NAME', 'REVISION', 'TRAFFIC TYPE', 'PROGRAMMED'], ...rows], 3));
  return 0;
}

async function remove(ctx: CommandContext, names: string[]): Promise<number> {
  const ns = (await ctx.namespace());
  const targets = bool(ctx.args, 'all') ? (await listWaypoints(ctx, ns)).map((g) => g.metadata.name) : names.length ? names : ['waypoint'];
  for (const name of targets) {
    try {
      await (await ctx.kube()).custom.deleteNamespacedCustomObject({ ...GATEWAYS, namespace: ns, name });
    } catch (err) {
      if (statusOf(err) === 404 && !bool(ctx.args, 'all')) throw new CommandError(`gateways.gateway.networking.k8s.io "${name}" not found`);
      gatewayApiMissing(err);
    }
    ctx.io.out(`waypoint ${ns}/${name} deleted\n`);
  }
  return 0;
}

async function status(ctx: CommandContext): Promise<number> {
  const ns = (await ctx.namespace());
  const name = str(ctx.args, 'name');
  const waypoints = (await listWaypoints(ctx, ns)).filter((g) => !name || g.metadata.name === name);
  if (!waypoints.length) {
    ctx.io.out('No waypoints found.\n');
    return 0;
  }
  const rows = waypoints.flatMap((g) => (g.status?.conditions ?? []).map((c: any) => [g.metadata.namespace, g.metadata.name, c.status, c.type, c.reason ?? '', c.message ?? '']));
  ctx.io.out(table([['NAMESPACE', 'NAME', 'STATUS', 'TYPE', 'REASON', 'MESSAGE'], ...rows], 3));
  return 0;
}

export const waypointCommand: Command = {
  name: 'waypoint',
  aliases: ['wp'],
  summary: 'Manage waypoint configuration',
  usage: 'istioctl waypoint apply|list|delete|status [flags]',
  flags: [
    { name: 'name' }, { name: 'for' }, { name: 'revision', short: 'r' }, { name: 'enroll-namespace', bool: true }, { name: 'overwrite', bool: true },
    { name: 'wait', bool: true }, { name: 'waypoint-timeout' }, { name: 'all', bool: true }, { name: 'all-namespaces', short: 'A', bool: true },
  ],
  flagHelp: ['      --name string        name of the waypoint (default "waypoint")', '      --for string         traffic type: service, workload, all or none', '      --enroll-namespace   label the namespace with istio.io/use-waypoint', '      --wait               wait for the waypoint to be ready', '      --all                delete all waypoints in the namespace', '  -A, --all-namespaces     list waypoints in all namespaces'],
  async run(ctx, positional) {
    const [sub, ...rest] = positional;
    switch (sub) {
      case 'apply':
        return apply(ctx);
      case 'list':
        return list(ctx);
      case 'delete':
        return remove(ctx, rest);
      case 'status':
        return status(ctx);
      default:
        throw new CommandError(sub ? `"waypoint ${sub}" is not supported by this project's istioctl: use apply, list, delete or status` : 'waypoint needs a subcommand: apply, list, delete or status');
    }
  },
};
