import { errorMessage, errorStatus, errorStatusBody } from '../cluster/connection.ts';

import type { RunResult } from '../protocol.ts';

/** What one emulated kubectl command wrote, stream by stream, and its exit status. */
export interface KubectlOutput {
  /** stdout and stderr in the order they were written. */
  chunks: Array<{ stream: 'out' | 'err'; text: string }>;
  /** kubectl's own last stderr lines ("command terminated with exit code 7"), shown after a pipe's output. */
  epilogue?: string;
  exitCode: number;
  /** The deck does not run this command (a terminal would): its reason is shown as is, never piped. */
  refused?: boolean;
  /** `kubectl get` listed nothing ("No resources found"): said once for several kinds. */
  nothingFound?: boolean;
}

export const printed = (text: string): KubectlOutput => ({ chunks: [{ stream: 'out', text: withNewline(text) }], exitCode: 0 });
export const failed = (text: string, exitCode = 1): KubectlOutput => ({ chunks: [{ stream: 'err', text: withNewline(text) }], exitCode });
/** The deck's refusal to run a command, with exit status 2 (as a shell's usage error). */
export const refused = (text: string): KubectlOutput => ({ ...failed(text, 2), refused: true });

const withNewline = (text: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`);

export function streamText(o: KubectlOutput, stream?: 'out' | 'err'): string {
  return o.chunks.filter((c) => !stream || c.stream === stream).map((c) => c.text).join('');
}

/** The command's output as a terminal shows it, without the last newline. */
export function terminalResult(o: KubectlOutput): RunResult {
  return { output: (streamText(o) + (o.epilogue ?? '')).replace(/\n$/, ''), exitCode: o.exitCode };
}

const REASONS: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict', 410: 'Gone', 415: 'UnsupportedMediaType', 429: 'TooManyRequests' };

/** kubectl's line for an API server's refusal: `Error from server (NotFound): …`, or `The X "y" is invalid: …`. */
export function kubectlApiError(err: unknown): string {
  const status = errorStatus(err);
  const body = errorStatusBody(err);
  const message = errorMessage(err);
  if (status === 422 && /^\S+ ".*" is invalid/.test(message)) return `The ${message}`;
  const reason = body?.reason || (status !== undefined ? REASONS[status] : undefined);
  if (reason) return `Error from server (${reason}): ${message}`;
  return status !== undefined ? `Error from server: ${message}` : `error: ${message}`;
}
