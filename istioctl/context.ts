import { type ParsedArgs, UsageError, str } from './args.ts';
import type { Io } from './output.ts';
import { type Kube, connect } from './kube.ts';

/** What every command gets: its parsed flags, the output streams and a lazily made cluster connection. */
export interface CommandContext {
  args: ParsedArgs;
  io: Io;
  /** The cluster connection, made on first use (client-node loads only for commands that need it). */
  kube(): Promise<Kube>;
  /** `-n`, else the kubeconfig context's namespace. */
  namespace(): Promise<string>;
  /** `-i/--istioNamespace` (default istio-system). */
  istioNamespace: string;
  /** Reads a file, or stdin for `-`. */
  readInput(path: string): Promise<string>;
}

export function makeContext(args: ParsedArgs, io: Io, readInput: (path: string) => Promise<string>): CommandContext {
  let kube: Promise<Kube> | undefined;
  const ctx: CommandContext = {
    args,
    io,
    kube: () => (kube ??= connect({ kubeconfig: str(args, 'kubeconfig'), context: str(args, 'context') })),
    namespace: async () => str(args, 'namespace') ?? (await ctx.kube()).defaultNamespace,
    istioNamespace: str(args, 'istioNamespace') ?? 'istio-system',
    readInput,
  };
  return ctx;
}

/** `-o` restricted to the formats a command prints. */
export function outputFormat<const F extends string>(ctx: CommandContext, allowed: readonly F[], fallback: F): F {
  const o = (str(ctx.args, 'output') ?? fallback) as F;
  if (!allowed.includes(o)) throw new UsageError(`unknown output format "${o}": use one of ${allowed.join(', ')}`);
  return o;
}
