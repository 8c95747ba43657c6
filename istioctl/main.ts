/** The project's istioctl: what the talk and istio.io's pages run, against any cluster the kubeconfig names. */
import { readFile } from 'node:fs/promises';
import { type FlagSpec, UsageError, bool, parseArgs } from './args.ts';
import { type Command, CommandError } from './command.ts';
import { makeContext } from './context.ts';
import type { Io } from './output.ts';
import { analyzeCommand } from './commands/analyze.ts';
import { dashboardCommand } from './commands/dashboard.ts';
import { installCommand, uninstallCommand } from './commands/install.ts';
import { kubeInjectCommand } from './commands/kube-inject.ts';
import { proxyConfigCommand } from './commands/proxy-config.ts';
import { proxyStatusCommand } from './commands/proxy-status.ts';
import { versionCommand } from './commands/version.ts';
import { waypointCommand } from './commands/waypoint.ts';
import { experimentalCommand } from './commands/experimental.ts';
import { apiMessage } from './kube.ts';

const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'context' },
  { name: 'kubeconfig', short: 'c' },
  { name: 'istioNamespace', short: 'i' },
  { name: 'namespace', short: 'n' },
  { name: 'help', short: 'h', bool: true },
  { name: 'vklog' },
];

const GLOBAL_HELP = [
  '      --context string          Kubernetes configuration context',
  '  -h, --help                    help for istioctl',
  '  -i, --istioNamespace string   Istio system namespace (default "istio-system")',
  '  -c, --kubeconfig string       Kubernetes configuration file',
  '  -n, --namespace string        Kubernetes namespace (default: the context\'s, else "default")',
];

const COMMANDS: Command[] = [analyzeCommand, dashboardCommand, installCommand, kubeInjectCommand, proxyConfigCommand, proxyStatusCommand, uninstallCommand, versionCommand, waypointCommand, experimentalCommand];

/** Real istioctl commands this one does not implement (they get a one-line refusal, not "unknown command"). */
const NOT_HERE = ['admin', 'bug-report', 'completion', 'create-remote-secret', 'manifest', 'remote-clusters', 'tag', 'upgrade', 'validate', 'ztunnel-config', 'verify-install'];

function rootHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 3;
  return [
    'Istio configuration command line utility for service operators to debug and diagnose their Istio mesh',
    '(the Istio Live Deck\'s own istioctl: the commands the talk and istio.io\'s tasks use).',
    '',
    'Usage:',
    '  istioctl [command]',
    '',
    'Available Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Flags:',
    ...GLOBAL_HELP,
    '',
    'Use "istioctl [command] --help" for more information about a command.',
    '',
  ].join('\n');
}

function commandHelp(c: Command): string {
  return [c.summary, '', 'Usage:', `  ${c.usage}`, ...(c.aliases?.length ? ['', 'Aliases:', `  ${[c.name, ...c.aliases].join(', ')}`] : []), '', 'Flags:', ...(c.flagHelp ?? []), '', 'Global Flags:', ...GLOBAL_HELP, ''].join('\n');
}

/** The command word: the first argument that is neither a flag nor a global flag's value. */
function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) return a;
    const spec = GLOBAL_FLAGS.find((f) => a === `--${f.name}` || a === `-${f.short}`);
    if (spec && !spec.bool) i++;
  }
  return undefined;
}

const processIo: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

async function readInput(path: string): Promise<string> {
  if (path !== '-') return readFile(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const word = commandWord(argv);
  if (word === 'help') return main([...argv.filter((a) => a !== 'help'), '--help'], io);
  if (word && NOT_HERE.includes(word)) {
    io.err(`Error: "istioctl ${word}" is not supported by this project's istioctl (see "istioctl --help" for what it runs)\n`);
    return 1;
  }
  const command = word ? COMMANDS.find((c) => c.name === word || c.aliases?.includes(word)) : undefined;
  if (word && !command) {
    io.err(`Error: unknown command "${word}" for "istioctl": not supported by this project's istioctl (see "istioctl --help")\n`);
    return 1;
  }
  try {
    const args = parseArgs(argv, [...GLOBAL_FLAGS, ...(command?.flags ?? [])]);
    if (!command) {
      io.out(rootHelp());
      return bool(args, 'help') || argv.length === 0 ? 0 : 1;
    }
    if (bool(args, 'help')) {
      io.out(commandHelp(command));
      return 0;
    }
    const positional = args.positional.slice(args.positional.indexOf(word!) + 1);
    return await command.run(makeContext(args, io, readInput), positional);
  } catch (err) {
    if (err instanceof UsageError || err instanceof CommandError) io.err(`Error: ${err.message}\n`);
    else io.err(`Error: ${apiMessage(err)}\n`);
    return 1;
  }
}
