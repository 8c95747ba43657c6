/** Command-line flags as istioctl (cobra) takes them: `-n ns`, `--namespace=ns`, `-A`, repeated `--set`. */

export interface FlagSpec {
  name: string;
  short?: string;
  /** A flag with no value; `--flag=false` still sets it off. */
  bool?: boolean;
  /** Values accumulate (`--set a=b --set c=d`). */
  repeat?: boolean;
}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | boolean | string[]>;
}

export class UsageError extends Error {}

/** Parses argv against the flags every command shares and the command's own. */
export function parseArgs(argv: string[], specs: FlagSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const positional: string[] = [];
  const flags: ParsedArgs['flags'] = new Map();
  const set = (spec: FlagSpec, value: string | boolean) => {
    if (spec.repeat) flags.set(spec.name, [...((flags.get(spec.name) as string[]) ?? []), String(value)]);
    else flags.set(spec.name, value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const [key, inline] = splitOnce(arg.slice(long ? 2 : 1), '=');
    const spec = long ? byName.get(key) : byShort.get(key);
    if (!spec) throw new UsageError(long ? `unknown flag: --${key}` : `unknown shorthand flag: '${key[0]}' in ${arg}`);
    if (spec.bool) {
      set(spec, inline === undefined ? true : !/^(false|0|f)$/i.test(inline));
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`flag needs an argument: ${long ? `--${key}` : `'${key}' in -${key}`}`);
    set(spec, value);
  }
  return { positional, flags };
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

export const str = (a: ParsedArgs, name: string): string | undefined => {
  const v = a.flags.get(name);
  return typeof v === 'string' ? v : undefined;
};
export const bool = (a: ParsedArgs, name: string): boolean => a.flags.get(name) === true;
export const list = (a: ParsedArgs, name: string): string[] => (a.flags.get(name) as string[] | undefined) ?? [];
