import type { ParsedArgs } from '../../istioctl/args.ts';
import { parseArgs, UsageError } from '../../istioctl/args.ts';
import { CommandError } from '../../istioctl/command.ts';
import { waypointCommand } from '../../istioctl/commands/waypoint.ts';
import type { CommandContext } from '../../istioctl/context.ts';
import { apiMessage, type Kube } from '../../istioctl/kube.ts';
import type { ClusterConnection } from '../cluster/connection.ts';
import { mayChangeKind, type ChangePolicy } from './apply.ts';
import { failed, refused, type KubectlOutput } from './kubectl-output.ts';

/** What the Run button runs of istioctl: the waypoint commands the ambient slides show. */
const SUBCOMMANDS = new Set(['apply', 'list', 'status', 'delete']);
const WRITES = new Set(['apply', 'delete']);
const FLAGS = [...(waypointCommand.flags ?? []), { name: 'namespace', short: 'n' }];
/** The Run request waits at most this long for a waypoint to be programmed (istioctl's default is 90 s). */
const MAX_WAIT = '30s';

/**
 * `istioctl waypoint …` from a command card: the project's istioctl, run in the deck on the
 * deck's own connection (never a kubeconfig the command names), and only where the deck's
 * change policy lets it write the waypoint Gateway and label the namespace.
 */
export async function runIstioctl(connection: ClusterConnection, policy: ChangePolicy, argv: string[]): Promise<KubectlOutput> {
  const [, command, sub] = argv;
  if (command !== 'waypoint' || !SUBCOMMANDS.has(sub ?? '')) return refused(`the deck runs istioctl waypoint apply, list, status and delete; run "${argv.join(' ')}" in a terminal`);
  let args: ParsedArgs;
  try {
    args = parseArgs(argv.slice(1), FLAGS);
  } catch (err) {
    return failed(`Error: ${(err as Error).message}`);
  }
  const namespace = (args.flags.get('namespace') as string | undefined) ?? policy.defaultNamespace;
  if (WRITES.has(sub) && (!policy.namespaces.has(namespace) || !mayChangeKind(policy, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway' }))) {
    return failed(`Error: the deck may not change waypoints in namespace ${namespace}; run "${argv.join(' ')}" in a terminal`);
  }
  if (!args.flags.has('waypoint-timeout')) args.flags.set('waypoint-timeout', MAX_WAIT);
  args.flags.set('namespace', namespace);
  const out: KubectlOutput = { chunks: [], exitCode: 0 };
  const kube: Kube = {
    config: connection.kc,
    core: connection.core,
    apps: connection.apps,
    custom: connection.custom,
    defaultNamespace: policy.defaultNamespace,
    exec: () => Promise.reject(new Error('istioctl waypoint does not exec into pods')),
  };
  const ctx: CommandContext = {
    args,
    io: { out: (text) => void out.chunks.push({ stream: 'out', text }), err: (text) => void out.chunks.push({ stream: 'err', text }) },
    kube: async () => kube,
    namespace: async () => namespace,
    istioNamespace: 'istio-system',
    readInput: () => Promise.reject(new Error('istioctl waypoint reads no files')),
  };
  try {
    out.exitCode = await waypointCommand.run(ctx, args.positional.slice(args.positional.indexOf('waypoint') + 1));
  } catch (err) {
    out.chunks.push({ stream: 'err', text: `Error: ${err instanceof UsageError || err instanceof CommandError ? err.message : apiMessage(err)}\n` });
    out.exitCode = 1;
  }
  return out;
}
