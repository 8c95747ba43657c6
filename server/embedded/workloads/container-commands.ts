import type { ProcessIo } from '../apiserver/pod-runtime.ts';
import type { MeshCore } from '../mesh/mesh-core.ts';
import { ContainerFs } from './container-fs.ts';
import { coreutils } from './coreutils.ts';
import { curlCommand } from './curl-cli.ts';
import { fortioCommand } from './fortio-cli.ts';
import { pilotAgentCommand } from './pilot-agent-cli.ts';
import { BUSYBOX, DASH, type ShellFlavor, type Tool, type ToolIo, runShell } from './shell.ts';

/** Where a command runs: the pod (as the mesh knows it) and the container's image. */
export interface CommandContext {
  mesh: MeshCore;
  pod: string;
  namespace: string;
  image: string;
  /** The container's own files (kept between exec calls). */
  fs?: ContainerFs;
  /** The container's environment, as the kubelet sets it. */
  env?: Record<string, string>;
}

/** What an image has: its shell (none in scratch and distroless images) and whether it ships curl. */
interface ImageTools {
  shell?: ShellFlavor;
  curl: boolean;
  fortio: boolean;
  pilotAgent: boolean;
}

/**
 * The sample images as built: curlimages/curl is Alpine (BusyBox); Bookinfo's images are
 * Debian/Ubuntu based, and only ratings and reviews add curl (istio.io's pages call productpage
 * from them); fortio is a scratch image and go-httpbin a distroless one (no shell at all);
 * the proxy image has a shell beside pilot-agent.
 */
function toolsOf(image: string): ImageTools {
  if (/curl/.test(image)) return { shell: BUSYBOX, curl: true, fortio: false, pilotAgent: false };
  if (/fortio/.test(image)) return { curl: false, fortio: true, pilotAgent: false };
  if (/proxyv2/.test(image)) return { shell: DASH, curl: false, fortio: false, pilotAgent: true };
  if (/examples-bookinfo-(ratings|reviews)/.test(image)) return { shell: DASH, curl: true, fortio: false, pilotAgent: false };
  if (/examples-bookinfo-/.test(image)) return { shell: DASH, curl: false, fortio: false, pilotAgent: false };
  return { curl: false, fortio: false, pilotAgent: false };
}

/** The executables on the image's PATH, with `sh` running scripts over the same table. */
function binariesOf(ctx: CommandContext, fs: ContainerFs): Record<string, Tool> {
  const has = toolsOf(ctx.image);
  const from = { workload: ctx.pod, namespace: ctx.namespace };
  const tools: Record<string, Tool> = has.shell ? coreutils(fs, ctx.mesh.clock) : {};
  if (has.curl) tools.curl = (args, io) => curlCommand(ctx.mesh, from, args, io, fs);
  if (has.fortio) tools.fortio = (args, io) => fortioCommand(ctx.mesh, from, args, io);
  if (has.pilotAgent) tools['pilot-agent'] = (args, io) => pilotAgentCommand(ctx.mesh, { ...from, image: ctx.image }, args, io);
  const flavor = has.shell;
  if (flavor) {
    const sh: Tool = async (args, io, env) => {
      const c = args.indexOf('-c');
      if (c < 0) {
        // No script: sh reads commands from stdin, which exec here does not pass on.
        if (args.length) io.stderr(`sh: 0: cannot open ${args[0]}: No such file\n`);
        return args.length ? 2 : 0;
      }
      const script = args[c + 1];
      if (script === undefined) {
        io.stderr('sh: 0: -c requires an argument\n');
        return 2;
      }
      return runShell(script, { tools, env: env.env, cwd: env.cwd, files: fs, flavor, args: args.slice(c + 2) }, io);
    };
    tools.sh = sh;
    if (flavor === DASH) tools.bash = sh;
  }
  return tools;
}

const SEARCH_PATH = ['/usr/local/bin/', '/usr/bin/', '/bin/', '/usr/local/sbin/', '/usr/sbin/', '/sbin/'];

/** Runs argv in a container, or fails the way runc does for a missing executable. */
export async function runInContainer(ctx: CommandContext, argv: string[], io: ProcessIo): Promise<number> {
  const [program, ...args] = argv;
  const dir = SEARCH_PATH.find((d) => program.startsWith(d));
  const name = dir ? program.slice(dir.length) : program;
  const fs = ctx.fs ?? new ContainerFs();
  const binaries = binariesOf(ctx, fs);
  const command = !name.includes('/') && Object.hasOwn(binaries, name) ? binaries[name] : undefined;
  if (!command) {
    const what = program.includes('/') ? `"${program}": stat ${program}: no such file or directory` : `"${program}": executable file not found in $PATH`;
    io.stdout(`OCI runtime exec failed: exec failed: unable to start container process: exec: ${what}: unknown\r\n`);
    return 126;
  }
  const toolIo: ToolIo = { stdin: '', stdout: (d) => io.stdout(d), stderr: (d) => io.stderr(d), signal: io.signal };
  return command(args, toolIo, { env: { ...ctx.env }, cwd: '/' });
}
