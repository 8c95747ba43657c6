import type { Clock } from '../../clock.ts';
import { parseGrepWithFiles } from '../../grep.ts';
import type { ShellFiles, Tool, ToolIo } from './shell.ts';

/**
 * The small programs every sample image has (coreutils in the Debian-based ones, BusyBox
 * applets in Alpine's), the subset scripts around istio.io's pages use, answering with
 * GNU's messages and exit codes. Files are the container's own; grep matches in linear time.
 */

const linesOf = (text: string) => {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
};
const joinLines = (lines: string[]) => lines.map((l) => `${l}\n`).join('');

/** Reads the operands (or stdin for none or `-`); a missing file is reported and skipped. */
function inputs(name: string, operands: string[], io: ToolIo, files: ShellFiles): { texts: string[]; status: number } {
  if (!operands.length) return { texts: [io.stdin], status: 0 };
  const texts: string[] = [];
  let status = 0;
  for (const path of operands) {
    if (path === '-') {
      texts.push(io.stdin);
      continue;
    }
    try {
      texts.push(files.read(path));
    } catch (err) {
      io.stderr(`${name}: ${(err as Error).message}\n`);
      status = 1;
    }
  }
  return { texts, status };
}

/** `-n 5`, `-n5`, `--lines=5` and the old `-5`, for head and tail. */
function lineCount(name: string, args: string[], io: ToolIo): { count: number; rest: string[] } | undefined {
  let count = 10;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let value: string | undefined;
    if (a === '-n') value = args[++i];
    else if (a.startsWith('--lines=')) value = a.slice(8);
    else if (/^-n/.test(a)) value = a.slice(2);
    else if (/^-\d+$/.test(a)) value = a.slice(1);
    else if (a.startsWith('-') && a !== '-') {
      io.stderr(`${name}: invalid option -- '${a.slice(1, 2)}'\nTry '${name} --help' for more information.\n`);
      return undefined;
    } else {
      rest.push(a);
      continue;
    }
    if (value === undefined || !/^\d+$/.test(value)) {
      io.stderr(`${name}: invalid number of lines: '${value ?? ''}'\n`);
      return undefined;
    }
    count = Number(value);
  }
  return { count, rest };
}

function echo(args: string[], io: ToolIo): number {
  let newline = true;
  let escapes = false;
  while (args.length && /^-[neE]+$/.test(args[0])) {
    const flags = args.shift()!;
    if (flags.includes('n')) newline = false;
    if (flags.includes('e')) escapes = true;
  }
  let text = args.join(' ');
  if (escapes) text = text.replace(/\\([nt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
  io.stdout(newline ? `${text}\n` : text);
  return 0;
}

function wc(args: string[], io: ToolIo, files: ShellFiles): number {
  const flags = args.filter((a) => /^-[lwc]+$/.test(a)).join('');
  const operands = args.filter((a) => !/^-[lwc]+$/.test(a));
  const { texts, status } = inputs('wc', operands, io, files);
  const counts = texts.map((t) => ({ l: (t.match(/\n/g) ?? []).length, w: t.split(/\s+/).filter(Boolean).length, c: new TextEncoder().encode(t).length }));
  const shown = (['l', 'w', 'c'] as const).filter((k) => !flags || flags.includes(k));
  for (const [i, c] of counts.entries()) {
    const name = operands[i] && operands[i] !== '-' ? ` ${operands[i]}` : '';
    io.stdout(`${shown.length === 1 ? String(c[shown[0]]) : shown.map((k) => String(c[k]).padStart(7)).join(' ')}${name}\n`);
  }
  return status;
}

function seq(args: string[], io: ToolIo): number {
  const nums = args.map(Number);
  if (!nums.length || nums.length > 3 || nums.some((n) => !Number.isFinite(n))) {
    io.stderr(nums.length ? `seq: invalid floating point argument: '${args.find((a) => !Number.isFinite(Number(a))) ?? args[3]}'\n` : "seq: missing operand\nTry 'seq --help' for more information.\n");
    return 1;
  }
  const [first, step, last] = nums.length === 1 ? [1, 1, nums[0]] : nums.length === 2 ? [nums[0], 1, nums[1]] : nums;
  if (step === 0) {
    io.stderr("seq: invalid Zero increment value: '0'\n");
    return 1;
  }
  const out: string[] = [];
  for (let n = first; step > 0 ? n <= last : n >= last; n += step) {
    if (out.length >= 100_000) break;
    out.push(String(n));
  }
  io.stdout(joinLines(out));
  return 0;
}

function sortLines(args: string[], io: ToolIo, files: ShellFiles): number {
  const flags = args.filter((a) => /^-[nru]+$/.test(a)).join('');
  const { texts, status } = inputs('sort', args.filter((a) => !/^-[nru]+$/.test(a)), io, files);
  let lines = texts.flatMap(linesOf);
  lines.sort(flags.includes('n') ? (a, b) => (parseFloat(a) || 0) - (parseFloat(b) || 0) || (a < b ? -1 : a > b ? 1 : 0) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (flags.includes('r')) lines.reverse();
  if (flags.includes('u')) lines = lines.filter((l, i) => i === 0 || l !== lines[i - 1]);
  io.stdout(joinLines(lines));
  return status;
}

function uniq(args: string[], io: ToolIo, files: ShellFiles): number {
  const count = args.includes('-c');
  const { texts, status } = inputs('uniq', args.filter((a) => a !== '-c'), io, files);
  const runs: [string, number][] = [];
  for (const line of texts.flatMap(linesOf)) {
    const last = runs.at(-1);
    if (last && last[0] === line) last[1]++;
    else runs.push([line, 1]);
  }
  io.stdout(joinLines(runs.map(([l, n]) => (count ? `${String(n).padStart(7)} ${l}` : l))));
  return status;
}

/** The programs, by name; `sleep` waits on the simulated clock. */
export function coreutils(files: ShellFiles, clock: Clock): Record<string, Tool> {
  return {
    echo: async (args, io) => echo([...args], io),
    cat: async (args, io) => {
      const { texts, status } = inputs('cat', args.filter((a) => a !== '-u'), io, files);
      io.stdout(texts.join(''));
      return status;
    },
    env: async (args, io, ctx) => {
      if (args.length) {
        io.stderr(`env: '${args[0]}': the embedded container's env only prints the environment\n`);
        return 125;
      }
      io.stdout(joinLines(Object.entries(ctx.env).map(([k, v]) => `${k}=${v}`)));
      return 0;
    },
    printenv: async (args, io, ctx) => {
      if (!args.length) io.stdout(joinLines(Object.entries(ctx.env).map(([k, v]) => `${k}=${v}`)));
      const found = args.filter((a) => a in ctx.env);
      io.stdout(joinLines(found.map((a) => ctx.env[a])));
      return found.length === args.length ? 0 : 1;
    },
    grep: async (args, io) => {
      const parsed = parseGrepWithFiles(['grep', ...args]);
      if (parsed.error !== undefined) {
        io.stderr(`${parsed.error}\n`);
        return 2;
      }
      const { texts, status: readStatus } = inputs('grep', parsed.files, io, files);
      let status = 1;
      for (const [i, text] of texts.entries()) {
        const r = parsed.stage.run(text);
        // With several files, grep names the file on each line it prints.
        const name = parsed.files.length > 1 ? `${parsed.files[i]}:` : '';
        io.stdout(name ? r.stdout.replace(/^(?=.)/gm, name) : r.stdout);
        if (r.status === 0) status = 0;
      }
      return readStatus ? 2 : status;
    },
    head: async (args, io) => {
      const n = lineCount('head', args, io);
      if (!n) return 1;
      const { texts, status } = inputs('head', n.rest, io, files);
      io.stdout(texts.map((t) => joinLines(linesOf(t).slice(0, n.count))).join(''));
      return status;
    },
    tail: async (args, io) => {
      const n = lineCount('tail', args, io);
      if (!n) return 1;
      const { texts, status } = inputs('tail', n.rest, io, files);
      io.stdout(texts.map((t) => joinLines(n.count ? linesOf(t).slice(-n.count) : [])).join(''));
      return status;
    },
    wc: async (args, io) => wc(args, io, files),
    seq: async (args, io) => seq(args, io),
    sort: async (args, io) => sortLines(args, io, files),
    uniq: async (args, io) => uniq(args, io, files),
    sleep: async (args, io) => {
      const seconds = Number(/^(\d+(?:\.\d+)?)s?$/.exec(args[0] ?? '')?.[1]);
      if (!Number.isFinite(seconds)) {
        io.stderr(args.length ? `sleep: invalid time interval '${args[0]}'\n` : "sleep: missing operand\nTry 'sleep --help' for more information.\n");
        return 1;
      }
      try {
        await clock.sleep(Math.min(seconds, 3600) * 1000, io.signal);
      } catch {
        return 130;
      }
      return 0;
    },
    hostname: async (_args, io, ctx) => {
      io.stdout(`${ctx.env.HOSTNAME ?? ''}\n`);
      return 0;
    },
  };
}
