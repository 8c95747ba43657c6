import type { ProcessIo } from '../apiserver/pod-runtime.ts';
import type { Mesh } from '../mesh/index.ts';
import type { ContainerFs } from './container-fs.ts';
import { curlCommand } from './curl-cli.ts';
import { fortioCommand } from './fortio-cli.ts';
import { pilotAgentCommand } from './pilot-agent-cli.ts';

/** Where a command runs: the pod (as the mesh knows it) and the container's image. */
export interface CommandContext {
  mesh: Mesh;
  pod: string;
  namespace: string;
  image: string;
  /** The container's own files (kept between exec calls). */
  fs?: ContainerFs;
}

type Command = (ctx: CommandContext, args: string[], io: ProcessIo) => Promise<number>;

const curl: Command = (ctx, args, io) => curlCommand(ctx.mesh, { workload: ctx.pod, namespace: ctx.namespace }, args, io, ctx.fs);
const fortio: Command = (ctx, args, io) => fortioCommand(ctx.mesh, { workload: ctx.pod, namespace: ctx.namespace }, args, io);
const pilotAgent: Command = (ctx, args, io) => pilotAgentCommand(ctx.mesh, { workload: ctx.pod, namespace: ctx.namespace, image: ctx.image }, args, io);

/** The executables each sample image has on its PATH. */
function binariesOf(image: string): Record<string, Command> {
  // Bookinfo's ratings and reviews images ship curl: istio.io's getting-started pages call productpage from them.
  if (/curl|examples-bookinfo-(ratings|reviews)/.test(image)) return { curl };
  if (/fortio/.test(image)) return { fortio };
  if (/proxyv2/.test(image)) return { 'pilot-agent': pilotAgent };
  return {};
}

const SEARCH_PATH = ['/usr/local/bin/', '/usr/bin/', '/bin/', '/usr/local/sbin/', '/usr/sbin/', '/sbin/'];

/** Runs argv in a container, or fails the way runc does for a missing executable. */
export async function runInContainer(ctx: CommandContext, argv: string[], io: ProcessIo): Promise<number> {
  const [program, ...args] = argv;
  const dir = SEARCH_PATH.find((d) => program.startsWith(d));
  const name = dir ? program.slice(dir.length) : program;
  const command = !name.includes('/') ? binariesOf(ctx.image)[name] : undefined;
  if (!command) {
    const what = program.includes('/') ? `"${program}": stat ${program}: no such file or directory` : `"${program}": executable file not found in $PATH`;
    io.stdout(`OCI runtime exec failed: exec failed: unable to start container process: exec: ${what}: unknown\r\n`);
    return 126;
  }
  return command(ctx, args, io);
}
