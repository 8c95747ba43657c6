/**
 * The `sh -c '…'` a container's image has (dash in the Debian-based images, BusyBox ash in
 * Alpine's): lists (`;` `&&` `||`), pipelines, quoting, `$VAR` `${VAR}` `$?` `$(…)`, assignments,
 * redirections, `for … in …; do …; done`, and the few builtins scripts use. Programs come from
 * the image's tool table. Plain TypeScript with no Node imports, so a browser worker can run it.
 * Every loop, output and nesting level is bounded: a script typed by anyone cannot hold the server.
 */

/** What a program run by the shell sees. */
export interface ToolIo {
  stdin: string;
  stdout(data: string): void;
  stderr(data: string): void;
  signal: AbortSignal;
}

/** Where a program runs: its environment and working directory. */
export interface ToolContext {
  env: Record<string, string>;
  cwd: string;
}

export type Tool = (args: string[], io: ToolIo, ctx: ToolContext) => Promise<number>;

/** Files a redirection reads and writes (the container's own filesystem). */
export interface ShellFiles {
  read(path: string): string;
  write(path: string, text: string): void;
}

/** How the image's shell words its errors. */
export interface ShellFlavor {
  /** `sh: 1: foo: not found` (dash) or `sh: foo: not found` (BusyBox). */
  notFound(name: string): string;
  syntaxError(message: string): string;
}

export const DASH: ShellFlavor = {
  notFound: (name) => `sh: 1: ${name}: not found`,
  syntaxError: (message) => `sh: 1: Syntax error: ${message}`,
};

export const BUSYBOX: ShellFlavor = {
  notFound: (name) => `sh: ${name}: not found`,
  syntaxError: (message) => `sh: syntax error: ${message.toLowerCase()}`,
};

export interface ShellOptions {
  /** The programs on the image's PATH, by name. */
  tools: Record<string, Tool>;
  env: Record<string, string>;
  cwd: string;
  files: ShellFiles;
  flavor: ShellFlavor;
  /** `$0`, `$1`…: `sh -c SCRIPT NAME ARGS…`. */
  args?: string[];
}

const MAX_SCRIPT = 64 * 1024;
const MAX_CAPTURE = 4 * 1024 * 1024;
const MAX_STEPS = 20_000;
const MAX_DEPTH = 16;

// ---- syntax ----

type Part = { lit: string; quoted: boolean } | { param: string; quoted: boolean } | { sub: List; quoted: boolean };
type Word = Part[];
interface Redirect {
  fd: number;
  op: '>' | '>>' | '<' | '>&';
  target: Word;
}
interface Simple {
  kind: 'simple';
  assigns: [string, Word][];
  words: Word[];
  redirects: Redirect[];
}
interface ForLoop {
  kind: 'for';
  name: string;
  items: Word[];
  body: List;
}
type Command = Simple | ForLoop;
interface Pipeline {
  negate: boolean;
  commands: Command[];
}
/** Pipelines with the operator that joins each to the one before (`;` for the first). */
type List = { op: ';' | '&&' | '||'; pipeline: Pipeline }[];

export class ShellSyntaxError extends Error {}

const BLANK = /[ \t]/;
const META = /[ \t\n|&;<>()]/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

class Parser {
  i = 0;
  constructor(
    private readonly s: string,
    private readonly depth = 0,
  ) {
    if (depth > MAX_DEPTH) throw new ShellSyntaxError('too many nested $( )');
  }

  parseScript(): List {
    const list = this.parseList(new Set());
    this.skipBlanks();
    if (this.i < this.s.length) throw new ShellSyntaxError(`"${this.s[this.i]}" unexpected`);
    return list;
  }

  private skipBlanks(): void {
    for (;;) {
      if (BLANK.test(this.s[this.i] ?? '')) this.i++;
      else if (this.s.startsWith('\\\n', this.i)) this.i += 2;
      else if (this.s[this.i] === '#') while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      else return;
    }
  }

  private skipSeparators(): void {
    for (;;) {
      this.skipBlanks();
      if (this.s[this.i] === '\n' || (this.s[this.i] === ';' && this.s[this.i + 1] !== ';')) this.i++;
      else return;
    }
  }

  /** The next word's plain text, if it is an unquoted literal (a reserved word), without consuming it. */
  private peekReserved(): string | undefined {
    this.skipBlanks();
    let j = this.i;
    while (j < this.s.length && /[A-Za-z!{}]/.test(this.s[j])) j++;
    if (j === this.i || (j < this.s.length && !META.test(this.s[j]))) return undefined;
    return this.s.slice(this.i, j);
  }

  private parseList(stopWords: Set<string>, closeParen = false): List {
    const list: List = [];
    let op: List[number]['op'] = ';';
    this.skipSeparators();
    for (;;) {
      this.skipBlanks();
      if (this.i >= this.s.length) break;
      if (closeParen && this.s[this.i] === ')') break;
      const reserved = this.peekReserved();
      if (reserved && stopWords.has(reserved)) break;
      list.push({ op, pipeline: this.parsePipeline() });
      this.skipBlanks();
      if (this.s.startsWith('&&', this.i) || this.s.startsWith('||', this.i)) {
        op = this.s.slice(this.i, this.i + 2) as '&&' | '||';
        this.i += 2;
        this.skipSeparators();
        if (this.i >= this.s.length) throw new ShellSyntaxError('end of file unexpected');
        continue;
      }
      op = ';';
      const c = this.s[this.i];
      if (c === '&') throw new ShellSyntaxError('background jobs (&) do not run in this container');
      if (c === ';' || c === '\n') this.skipSeparators();
      else if (this.i < this.s.length && !(closeParen && c === ')') && !(this.peekReserved() && stopWords.has(this.peekReserved()!)))
        throw new ShellSyntaxError(`"${c}" unexpected`);
    }
    return list;
  }

  private parsePipeline(): Pipeline {
    let negate = false;
    if (this.peekReserved() === '!') {
      negate = true;
      this.i++;
    }
    const commands = [this.parseCommand()];
    for (;;) {
      this.skipBlanks();
      if (this.s[this.i] !== '|' || this.s[this.i + 1] === '|') break;
      this.i++;
      this.skipSeparators();
      commands.push(this.parseCommand());
    }
    return { negate, commands };
  }

  private parseCommand(): Command {
    if (this.peekReserved() === 'for') return this.parseFor();
    const cmd: Simple = { kind: 'simple', assigns: [], words: [], redirects: [] };
    for (;;) {
      this.skipBlanks();
      const c = this.s[this.i];
      if (c === undefined || c === '\n' || c === ';' || c === '|' || c === '&' || c === ')') break;
      if (c === '(') throw new ShellSyntaxError('"(" unexpected (subshells do not run in this container)');
      const redirect = this.parseRedirect();
      if (redirect) {
        cmd.redirects.push(redirect);
        continue;
      }
      const start = this.i;
      const word = this.parseWord();
      const assign = !cmd.words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.exec(this.s.slice(start, this.i));
      const first = word[0];
      if (assign && first && 'lit' in first && !first.quoted) {
        const name = assign[0].slice(0, -1);
        const rest: Word = [{ lit: first.lit.slice(name.length + 1), quoted: false }, ...word.slice(1)];
        cmd.assigns.push([name, rest]);
      } else cmd.words.push(word);
    }
    if (!cmd.words.length && !cmd.assigns.length && !cmd.redirects.length) throw new ShellSyntaxError(`"${this.s[this.i] ?? 'end of file'}" unexpected`);
    return cmd;
  }

  private parseFor(): ForLoop {
    this.i += 3;
    this.skipBlanks();
    const start = this.i;
    while (/[A-Za-z0-9_]/.test(this.s[this.i] ?? '')) this.i++;
    const name = this.s.slice(start, this.i);
    if (!NAME.test(name)) throw new ShellSyntaxError(`Bad for loop variable`);
    const items: Word[] = [];
    this.skipBlanks();
    if (this.peekReserved() === 'in') {
      this.i += 2;
      for (;;) {
        this.skipBlanks();
        const c = this.s[this.i];
        if (c === undefined || c === ';' || c === '\n') break;
        items.push(this.parseWord());
      }
    }
    this.skipSeparators();
    if (this.peekReserved() !== 'do') throw new ShellSyntaxError(`"${this.peekReserved() ?? this.s[this.i] ?? 'end of file'}" unexpected (expecting "do")`);
    this.i += 2;
    const body = this.parseList(new Set(['done']));
    if (this.peekReserved() !== 'done') throw new ShellSyntaxError('end of file unexpected (expecting "done")');
    this.i += 4;
    return { kind: 'for', name, items, body };
  }

  private parseRedirect(): Redirect | undefined {
    const m = /^(\d?)(>>|>&|<|>)/.exec(this.s.slice(this.i, this.i + 3));
    if (!m) return undefined;
    this.i += m[0].length;
    const op = m[2] as Redirect['op'];
    this.skipBlanks();
    if (this.i >= this.s.length || META.test(this.s[this.i])) throw new ShellSyntaxError(`"${this.s[this.i] ?? 'end of file'}" unexpected`);
    return { fd: m[1] ? Number(m[1]) : op === '<' ? 0 : 1, op, target: this.parseWord() };
  }

  private parseWord(): Word {
    const parts: Word = [];
    const lit = (text: string, quoted: boolean) => {
      const last = parts.at(-1);
      if (last && 'lit' in last && last.quoted === quoted) last.lit += text;
      else parts.push({ lit: text, quoted });
    };
    while (this.i < this.s.length && !META.test(this.s[this.i])) {
      const c = this.s[this.i];
      if (c === "'") {
        const end = this.s.indexOf("'", this.i + 1);
        if (end < 0) throw new ShellSyntaxError('Unterminated quoted string');
        lit(this.s.slice(this.i + 1, end), true);
        this.i = end + 1;
      } else if (c === '"') {
        this.i++;
        for (;;) {
          const d = this.s[this.i];
          if (d === undefined) throw new ShellSyntaxError('Unterminated quoted string');
          if (d === '"') break;
          if (d === '\\' && '$`"\\\n'.includes(this.s[this.i + 1] ?? '')) {
            if (this.s[this.i + 1] !== '\n') lit(this.s[this.i + 1], true);
            this.i += 2;
          } else if (d === '$' || d === '`') {
            const expansion = this.parseExpansion(true);
            if (expansion) parts.push(expansion);
            else lit(d, true), this.i++;
          } else {
            lit(d, true);
            this.i++;
          }
        }
        this.i++;
        // "" is still a word, even an empty one.
        if (!parts.length) lit('', true);
      } else if (c === '\\') {
        lit(this.s[this.i + 1] ?? '', true);
        this.i += 2;
      } else if (c === '$' || c === '`') {
        const expansion = this.parseExpansion(false);
        if (expansion) parts.push(expansion);
        else lit(c, false), this.i++;
      } else lit(c, false), this.i++;
    }
    return parts;
  }

  /** `$name`, `${name}`, `$?`, `$(…)` or `` `…` `` at the cursor, or undefined for a lone `$`. */
  private parseExpansion(quoted: boolean): Part | undefined {
    const s = this.s;
    if (s[this.i] === '`') {
      const end = s.indexOf('`', this.i + 1);
      if (end < 0) throw new ShellSyntaxError('EOF in backquote substitution');
      const sub = new Parser(s.slice(this.i + 1, end), this.depth + 1).parseScript();
      this.i = end + 1;
      return { sub, quoted };
    }
    const next = s[this.i + 1];
    if (next === '(') {
      const inner = new Parser(s, this.depth + 1);
      inner.i = this.i + 2;
      const sub = inner.parseList(new Set(), true);
      if (s[inner.i] !== ')') throw new ShellSyntaxError('end of file unexpected (expecting ")")');
      this.i = inner.i + 1;
      return { sub, quoted };
    }
    if (next === '{') {
      const end = s.indexOf('}', this.i + 2);
      if (end < 0) throw new ShellSyntaxError('Missing }');
      const name = s.slice(this.i + 2, end);
      if (!NAME.test(name) && !/^[0-9?#$]$/.test(name)) throw new ShellSyntaxError(`\${${name}}: Bad substitution`);
      this.i = end + 1;
      return { param: name, quoted };
    }
    if (next !== undefined && /[0-9?#$]/.test(next)) {
      this.i += 2;
      return { param: next, quoted };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.i + 1, this.i + 200));
    if (!m) return undefined;
    this.i += 1 + m[0].length;
    return { param: m[0], quoted };
  }
}

/** Parses a script, or throws ShellSyntaxError with the reason. */
export function parseScript(script: string): List {
  return new Parser(script).parseScript();
}

// ---- running ----

class ExitRequest {
  constructor(readonly status: number) {}
}

class LimitError extends Error {}

interface Sinks {
  stdin: string;
  stdout(data: string): void;
  stderr(data: string): void;
}

/** A capped buffer for output that feeds another command. */
function capture(): { text: () => string; write: (d: string) => void } {
  let parts: string[] = [];
  let size = 0;
  return {
    text: () => parts.join(''),
    write: (d) => {
      size += d.length;
      if (size > MAX_CAPTURE) throw new LimitError(`output of a command in a pipe or $( ) is over ${MAX_CAPTURE / 1024 / 1024} MiB`);
      parts.push(d);
      if (parts.length > 256) parts = [parts.join('')];
    },
  };
}

class Shell {
  private readonly vars = new Map<string, string>();
  private readonly exported = new Set<string>();
  private status = 0;
  private steps = 0;
  private cwd: string;

  constructor(
    private readonly opts: ShellOptions,
    private readonly signal: AbortSignal,
  ) {
    for (const [k, v] of Object.entries(opts.env)) {
      this.vars.set(k, v);
      this.exported.add(k);
    }
    this.cwd = opts.cwd;
  }

  async runList(list: List, io: Sinks): Promise<number> {
    for (const { op, pipeline } of list) {
      if ((op === '&&' && this.status !== 0) || (op === '||' && this.status === 0)) continue;
      this.status = await this.runPipeline(pipeline, io);
    }
    return this.status;
  }

  private async runPipeline(p: Pipeline, io: Sinks): Promise<number> {
    let stdin = io.stdin;
    let status = 0;
    for (const [n, cmd] of p.commands.entries()) {
      const last = n === p.commands.length - 1;
      const out = last ? undefined : capture();
      status = await this.runCommand(cmd, { stdin, stdout: out ? out.write : io.stdout, stderr: io.stderr });
      if (out) stdin = out.text();
    }
    return p.negate ? Number(status === 0) : status;
  }

  private tick(): void {
    if (++this.steps > MAX_STEPS) throw new LimitError(`the script ran over ${MAX_STEPS} commands`);
    if (this.signal.aborted) throw new ExitRequest(130);
  }

  private async runCommand(cmd: Command, io: Sinks): Promise<number> {
    this.tick();
    if (cmd.kind === 'for') {
      const items = cmd.items.length ? (await Promise.all(cmd.items.map((w) => this.expand(w, io)))).flat() : (this.opts.args ?? []).slice(1);
      let status = 0;
      for (const item of items) {
        this.tick();
        this.vars.set(cmd.name, item);
        status = await this.runList(cmd.body, io);
      }
      return status;
    }
    const argv: string[] = [];
    for (const w of cmd.words) argv.push(...(await this.expand(w, io)));
    const assigns: [string, string][] = [];
    for (const [name, w] of cmd.assigns) assigns.push([name, (await this.expand(w, io, false)).join('')]);
    let sinks: Sinks;
    let flush: () => void;
    try {
      ({ sinks, flush } = await this.redirect(cmd.redirects, io));
    } catch (err) {
      if (!(err instanceof RedirectError)) throw err;
      io.stderr(`sh: 1: ${err.message}\n`);
      return 2;
    }
    try {
      if (!argv.length) {
        for (const [k, v] of assigns) this.vars.set(k, v);
        return this.status;
      }
      return await this.runProgram(argv, assigns, sinks);
    } finally {
      flush();
    }
  }

  private async runProgram(argv: string[], assigns: [string, string][], io: Sinks): Promise<number> {
    const [name, ...args] = argv;
    switch (name) {
      case 'exit':
        throw new ExitRequest(args[0] === undefined ? this.status : Number(args[0]) & 255);
      case 'true':
      case ':':
        return 0;
      case 'false':
        return 1;
      case 'cd':
        this.cwd = args[0] ? (args[0].startsWith('/') ? args[0] : `${this.cwd.replace(/\/$/, '')}/${args[0]}`) : (this.vars.get('HOME') ?? '/');
        return 0;
      case 'pwd':
        io.stdout(`${this.cwd}\n`);
        return 0;
      case 'export':
        for (const a of args) {
          const eq = a.indexOf('=');
          const key = eq < 0 ? a : a.slice(0, eq);
          if (eq >= 0) this.vars.set(key, a.slice(eq + 1));
          this.exported.add(key);
        }
        for (const [k, v] of assigns) this.vars.set(k, v), this.exported.add(k);
        return 0;
      case 'unset':
        for (const a of args) this.vars.delete(a), this.exported.delete(a);
        return 0;
    }
    const tool = this.lookup(name);
    if (!tool) {
      io.stderr(`${this.opts.flavor.notFound(name)}\n`);
      return 127;
    }
    const env: Record<string, string> = {};
    for (const k of this.exported) if (this.vars.has(k)) env[k] = this.vars.get(k)!;
    for (const [k, v] of assigns) env[k] = v;
    return tool(args, { ...io, signal: this.signal }, { env, cwd: this.cwd });
  }

  private lookup(name: string): Tool | undefined {
    const dir = /^(\/usr\/local\/s?bin|\/usr\/s?bin|\/s?bin)\/(?=[^/]+$)/.exec(name);
    const bare = dir ? name.slice(dir[0].length) : name;
    if (bare.includes('/')) return undefined;
    return Object.hasOwn(this.opts.tools, bare) ? this.opts.tools[bare] : undefined;
  }

  /** Opens the command's redirections; `flush` writes what went to files once it is done. */
  private async redirect(redirects: Redirect[], io: Sinks): Promise<{ sinks: Sinks; flush: () => void }> {
    const sinks: Sinks = { ...io };
    const files: { path: string; out: ReturnType<typeof capture>; append: boolean }[] = [];
    for (const r of redirects) {
      const target = (await this.expand(r.target, io, false)).join('');
      if (r.op === '<') {
        sinks.stdin = this.readFile(target);
        continue;
      }
      let sink: (d: string) => void;
      if (r.op === '>&') {
        if (target === '1') sink = sinks.stdout;
        else if (target === '2') sink = sinks.stderr;
        else throw new RedirectError(`${target}: Bad file descriptor`);
      } else if (target === '/dev/null') sink = () => {};
      else if (target === '/dev/stdout') sink = io.stdout;
      else if (target === '/dev/stderr') sink = io.stderr;
      else {
        const out = capture();
        files.push({ path: target, out, append: r.op === '>>' });
        sink = out.write;
      }
      if (r.fd === 1) sinks.stdout = sink;
      else if (r.fd === 2) sinks.stderr = sink;
    }
    const flush = () => {
      for (const f of files) {
        let before = '';
        if (f.append) {
          try {
            before = this.opts.files.read(f.path);
          } catch {
            // A new file.
          }
        }
        try {
          this.opts.files.write(f.path, before + f.out.text());
        } catch (err) {
          io.stderr(`sh: 1: cannot create ${f.path}: ${(err as Error).message.replace(/^.*?: /, '')}\n`);
        }
      }
    };
    return { sinks, flush };
  }

  private readFile(path: string): string {
    try {
      return this.opts.files.read(path);
    } catch (err) {
      throw new RedirectError(`cannot open ${path}: ${(err as Error).message.replace(/^.*?: /, '')}`);
    }
  }

  /** A word's fields: unquoted expansions split on blanks, quoted text kept whole. */
  private async expand(word: Word, io: Sinks, split = true): Promise<string[]> {
    const fields: string[] = [];
    let current = '';
    let hasWord = false;
    for (const part of word) {
      let value: string;
      if ('lit' in part) {
        current += part.lit;
        hasWord = true;
        continue;
      }
      if ('param' in part) value = this.param(part.param);
      else {
        const out = capture();
        await this.runList(part.sub, { stdin: '', stdout: out.write, stderr: io.stderr });
        value = out.text().replace(/\n+$/, '');
      }
      if (part.quoted || !split) {
        current += value;
        hasWord = true;
        continue;
      }
      const pieces = value.split(/[ \t\n]+/);
      for (const [n, piece] of pieces.entries()) {
        if (n > 0) {
          if (hasWord) fields.push(current);
          current = '';
          hasWord = false;
        }
        if (piece) {
          current += piece;
          hasWord = true;
        }
      }
    }
    if (hasWord) fields.push(current);
    return fields;
  }

  private param(name: string): string {
    if (name === '?') return String(this.status);
    if (name === '$') return '1';
    const args = this.opts.args ?? [];
    if (name === '#') return String(Math.max(0, args.length - 1));
    if (/^[0-9]$/.test(name)) return args[Number(name)] ?? (name === '0' ? 'sh' : '');
    return this.vars.get(name) ?? '';
  }
}

class RedirectError extends Error {}

/** Runs `script` as `sh -c` does; resolves with its exit status. */
export async function runShell(script: string, opts: ShellOptions, io: ToolIo): Promise<number> {
  if (script.length > MAX_SCRIPT) {
    io.stderr(`sh: the script is over ${MAX_SCRIPT / 1024} KiB\n`);
    return 2;
  }
  let list: List;
  try {
    list = parseScript(script);
  } catch (err) {
    if (!(err instanceof ShellSyntaxError)) throw err;
    io.stderr(`${opts.flavor.syntaxError(err.message)}\n`);
    return 2;
  }
  const shell = new Shell(opts, io.signal);
  try {
    return await shell.runList(list, io);
  } catch (err) {
    if (err instanceof ExitRequest) return err.status;
    if (err instanceof LimitError) {
      io.stderr(`sh: ${err.message}; the embedded cluster stops it there\n`);
      return 2;
    }
    throw err;
  }
}
