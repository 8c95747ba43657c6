import { compileUserRegex, literalPattern, type UserRegex } from './user-regex.ts';

/**
 * `| grep …` after a Run-button command, with GNU grep's options, output and exit status
 * (0 a line selected, 1 none, 2 trouble). Patterns match with RE2 in linear time, so a pattern
 * like `(a+)+$` cannot stall the server; what RE2 lacks (back-references) is refused with a reason.
 */
export interface GrepStage {
  /** Filters the text piped in; `stdout` is what grep writes, `status` its exit status. */
  run(input: string): { stdout: string; status: number };
}

export type GrepParse = { stage: GrepStage; files: string[]; error?: undefined } | { stage?: undefined; error: string };

interface GrepOptions {
  syntax: 'basic' | 'extended' | 'fixed';
  ignoreCase: boolean;
  invert: boolean;
  count: boolean;
  onlyMatching: boolean;
  wholeLine: boolean;
  quiet: boolean;
  lineNumbers: boolean;
  patterns: string[];
}

const USAGE = "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.";

const SHORT_SWITCHES: Record<string, (o: GrepOptions) => void> = {
  E: (o) => (o.syntax = 'extended'),
  F: (o) => (o.syntax = 'fixed'),
  G: (o) => (o.syntax = 'basic'),
  i: (o) => (o.ignoreCase = true),
  y: (o) => (o.ignoreCase = true),
  v: (o) => (o.invert = true),
  c: (o) => (o.count = true),
  o: (o) => (o.onlyMatching = true),
  x: (o) => (o.wholeLine = true),
  q: (o) => (o.quiet = true),
  n: (o) => (o.lineNumbers = true),
};

const LONG_SWITCHES: Record<string, string> = {
  '--extended-regexp': 'E',
  '--fixed-strings': 'F',
  '--basic-regexp': 'G',
  '--ignore-case': 'i',
  '--invert-match': 'v',
  '--count': 'c',
  '--only-matching': 'o',
  '--line-regexp': 'x',
  '--quiet': 'q',
  '--silent': 'q',
  '--line-number': 'n',
};

/** Parses `grep ARGS…` (argv[0] is "grep"). */
export function parseGrep(argv: string[]): GrepParse {
  return parseGrepArgs(argv, false);
}

/** Parses `grep ARGS… [FILE]…` for a caller that reads the files itself (a container's grep). */
export function parseGrepWithFiles(argv: string[]): GrepParse {
  return parseGrepArgs(argv, true);
}

function parseGrepArgs(argv: string[], withFiles: boolean): GrepParse {
  const o: GrepOptions = { syntax: 'basic', ignoreCase: false, invert: false, count: false, onlyMatching: false, wholeLine: false, quiet: false, lineNumbers: false, patterns: [] };
  const operands: string[] = [];
  let explicitPatterns = false;
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const [name, inline] = a.split(/=(.*)/s);
      if (name === '--regexp') {
        const value = inline ?? args[++i];
        if (value === undefined) return { error: `grep: option '--regexp' requires an argument\n${USAGE}` };
        o.patterns.push(value);
        explicitPatterns = true;
      } else if (LONG_SWITCHES[name] && inline === undefined) SHORT_SWITCHES[LONG_SWITCHES[name]](o);
      else return { error: `grep: unrecognized option '${a}'\n${USAGE}` };
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        if (c === 'e') {
          const value = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (value === undefined) return { error: `grep: option requires an argument -- 'e'\n${USAGE}` };
          o.patterns.push(value);
          explicitPatterns = true;
          break;
        }
        const set = SHORT_SWITCHES[c];
        if (!set) return { error: `grep: invalid option -- '${c}'\n${USAGE}` };
        set(o);
      }
      continue;
    }
    operands.push(a);
  }
  if (!explicitPatterns) {
    const first = operands.shift();
    if (first === undefined) return { error: USAGE };
    o.patterns.push(first);
  }
  // Files would be read from the deck's machine, not the pod: refuse them as a missing file.
  if (operands.length && !withFiles) return { error: `grep: ${operands[0]}: No such file or directory` };
  const compiled = compilePatterns(o);
  if (typeof compiled === 'string') return { error: compiled };
  return { stage: { run: (input) => filter(o, compiled, input) }, files: operands };
}

/** One RE2 pattern for all of grep's patterns (a pattern with newlines is several). */
function compilePatterns(o: GrepOptions): UserRegex | string {
  const each = o.patterns.flatMap((p) => p.split('\n'));
  const alternatives: string[] = [];
  for (const p of each) {
    const translated = o.syntax === 'fixed' ? literalPattern(p) : posixToRe2(p, o.syntax === 'basic');
    if (typeof translated !== 'string') return translated.error;
    alternatives.push(`(?:${translated})`);
  }
  const { regex, error } = compileUserRegex(alternatives.join('|'), { ignoreCase: o.ignoreCase, longest: true });
  return regex ?? grepMessage(error);
}

function filter(o: GrepOptions, re: UserRegex, input: string): { stdout: string; status: number } {
  const lines = input.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const out: string[] = [];
  let selected = 0;
  for (const [i, line] of lines.entries()) {
    const hit = o.wholeLine ? re.matchesWhole(line) : re.occursIn(line);
    if (hit === o.invert) continue;
    selected++;
    if (o.quiet) break;
    if (o.count) continue;
    const prefix = o.lineNumbers ? `${i + 1}:` : '';
    if (!o.onlyMatching) out.push(prefix + line);
    else if (!o.invert) for (const m of o.wholeLine ? [line] : re.occurrences(line)) out.push(prefix + m);
  }
  if (o.count && !o.quiet) out.push(String(selected));
  return { stdout: out.map((l) => `${l}\n`).join(''), status: selected ? 0 : 1 };
}

/**
 * A POSIX basic or extended pattern as RE2 syntax: in a bracket expression a backslash is a
 * literal; in a basic one `\( \) \{ \} \| \+ \?` are the operators and the bare characters literals.
 */
function posixToRe2(p: string, basic: boolean): string | { error: string } {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '[') {
      const end = bracketEnd(p, i);
      if (end < 0) return { error: 'grep: Unmatched [, [^, [:, [., or [=' };
      out += p.slice(i, end + 1).replace(/\\/g, '\\\\');
      i = end;
    } else if (c === '\\') {
      const next = p[i + 1];
      if (next === undefined) return { error: 'grep: Trailing backslash' };
      i++;
      if (next === '<' || next === '>') out += '\\b';
      else if (basic && '(){}|+?'.includes(next)) out += next;
      else out += `\\${next}`;
    } else if (basic && '(){}|+?'.includes(c)) out += `\\${c}`;
    else if (basic && c === '*' && /(^|\\\(|\\\||^\^)$/.test(p.slice(0, i))) out += '\\*';
    else out += c;
  }
  return out;
}

/** Index of the `]` closing the bracket expression opened at `start`, or -1. */
function bracketEnd(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === '^') i++;
  if (p[i] === ']') i++;
  for (; i < p.length; i++) {
    if (p[i] === '[' && ':.='.includes(p[i + 1] ?? '')) {
      const close = p.indexOf(`${p[i + 1]}]`, i + 2);
      if (close < 0) return -1;
      i = close + 1;
    } else if (p[i] === ']') return i;
  }
  return -1;
}

/** RE2's refusal as GNU grep words it, or the reason the deck's linear-time grep cannot run it. */
function grepMessage(re2Error: string): string {
  const reason = re2Error.replace(/^error parsing regexp: /, '');
  if (reason.startsWith('missing closing )')) return 'grep: Unmatched ( or \\(';
  if (reason.startsWith('unexpected )')) return 'grep: Unmatched ) or \\)';
  if (reason.startsWith('missing closing ]')) return 'grep: Unmatched [, [^, [:, [., or [=';
  if (reason.startsWith('invalid repeat count')) return 'grep: Invalid content of \\{\\}';
  if (reason.startsWith('invalid character class range')) return 'grep: Invalid range end';
  if (reason.startsWith('trailing backslash')) return 'grep: Trailing backslash';
  if (/^invalid escape sequence: `\\[1-9]`/.test(reason)) return `grep: back-references (${reason.slice(-3, -1)}) need a backtracking matcher; the deck's grep matches in linear time (RE2) and has none`;
  return `grep: the deck's grep matches with RE2, which refuses this pattern: ${reason}`;
}
