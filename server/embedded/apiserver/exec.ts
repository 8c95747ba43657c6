import type { WebSocket } from 'ws';
import { FrameSender, STATUS, STDERR, STDOUT } from './channels.ts';
import { ApiError, badRequest } from './errors.ts';
import type { PodRuntime } from './pod-runtime.ts';
import { queryBool } from './query.ts';
import type { KubeObject } from './types.ts';

export interface ExecOptions {
  container: string;
  command: string[];
  stdout: boolean;
  stderr: boolean;
  stdin: boolean;
  tty: boolean;
}

/** Checks an exec (or, without a command, attach) request against the pod the way the API server does, before any upgrade. */
export function execOptions(pod: KubeObject, q: URLSearchParams, subresource: 'exec' | 'attach' = 'exec'): ExecOptions {
  const name = pod.metadata.name;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  const containers: string[] = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
  let container = q.get('container') ?? '';
  if (!container) {
    if (containers.length !== 1) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
    container = containers[0];
  }
  if (!containers.includes(container)) {
    const init: string[] = (pod.spec?.initContainers ?? []).map((c: { name: string }) => c.name);
    const choices = `[${containers.join(' ')}]${init.length ? ` or one of the init containers: [${init.join(' ')}]` : ''}`;
    throw badRequest(`container ${container} is not valid for pod ${name}; choose one of: ${choices}`);
  }
  const opts: ExecOptions = { container, command: q.getAll('command'), stdout: queryBool(q, 'stdout'), stderr: queryBool(q, 'stderr'), stdin: queryBool(q, 'stdin'), tty: queryBool(q, 'tty') };
  if (subresource === 'exec' && !opts.command.length) throw badRequest('you must specify at least one command for the container');
  if (!opts.stdout && !opts.stderr && !opts.stdin) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  const state = (pod.status?.containerStatuses ?? []).find((s: { name: string }) => s.name === container)?.state;
  if (!state?.running) throw new ApiError(400, 'BadRequest', `unable to upgrade connection: container not found ("${container}")`);
  return opts;
}

/** The v4+ status a client reads on stream 3 when the command is done. */
export function exitStatus(exitCode: number) {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command, exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/**
 * kubectl's WebSocket reader starts before it registers its stdout and stderr streams, and it
 * drops a frame that comes first ("Unknown stream id 1, discarding message"). A real
 * container's process takes longer than that to start; a simulated command answers at once,
 * so its first frame waits this long (real time: it is the client's pace, not the cluster's).
 */
export const FIRST_FRAME_DELAY_MS = 50;

/** Runs the command over an accepted WebSocket and closes it with the exit status. */
export async function serveExec(ws: WebSocket, protocol: string, pod: KubeObject, opts: ExecOptions, runtime: PodRuntime): Promise<void> {
  const hangup = new AbortController();
  ws.on('close', () => hangup.abort());
  // stdin is accepted and dropped: none of the simulated commands read it.
  ws.on('message', () => {});
  const sender = new FrameSender(ws);
  const held: Array<[number, string | Buffer]> = [];
  let holding = true;
  const send = (stream: number, data: string | Buffer) => {
    if (!data.length) return;
    if (holding) held.push([stream, data]);
    else sender.send(stream, data);
  };
  const released = new Promise<void>((resolve) =>
    setTimeout(() => {
      holding = false;
      if (ws.readyState === ws.OPEN) for (const [stream, data] of held.splice(0)) sender.send(stream, data);
      resolve();
    }, FIRST_FRAME_DELAY_MS),
  );
  const io = {
    stdout: (d: string | Buffer) => opts.stdout && send(STDOUT, d),
    // With a TTY, stderr is merged into stdout as a terminal would show it.
    stderr: (d: string | Buffer) => (opts.tty ? opts.stdout && send(STDOUT, d) : opts.stderr && send(STDERR, d)),
    signal: hangup.signal,
  };
  let status: object;
  try {
    status = exitStatus(await runtime.exec(pod, opts.container, opts.command, io));
  } catch (err) {
    status = new ApiError(500, 'InternalError', `Internal error occurred: error executing command in container: ${(err as Error)?.message ?? err}`).toStatus();
  }
  // A command done before the client could take frames: its output and status wait out the delay.
  await released;
  if (ws.readyState !== ws.OPEN) return;
  const versioned = protocol.startsWith('v4.') || protocol.startsWith('v5.');
  if (versioned) send(STATUS, JSON.stringify(status));
  else if ((status as { status: string }).status !== 'Success') send(STATUS, (status as { message: string }).message);
  sender.close(1000);
}
