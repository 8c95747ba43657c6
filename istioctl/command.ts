import type { FlagSpec } from './args.ts';
import type { CommandContext } from './context.ts';

/** One top-level istioctl command: its flags, a help text and what it does (exit code). */
export interface Command {
  name: string;
  aliases?: string[];
  summary: string;
  /** Printed under "Usage:" by `--help`. */
  usage: string;
  flags: FlagSpec[];
  /** Flag lines for `--help`, as istioctl lists them. */
  flagHelp?: string[];
  run(ctx: CommandContext, positional: string[]): Promise<number>;
}

/** Exit code istioctl uses when analyze finds issues at or above the failure threshold. */
export const EXIT_ANALYZE_ISSUES = 79;

export class CommandError extends Error {}
