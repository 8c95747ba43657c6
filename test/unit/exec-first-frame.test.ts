import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { FIRST_FRAME_DELAY_MS, serveExec } from '../../server/embedded/apiserver/exec.ts';
import type { PodRuntime } from '../../server/embedded/apiserver/pod-runtime.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';

/** A socket that records each frame (stream id, text) and when it was written. */
function recordingSocket() {
  const frames: Array<{ atMs: number; stream: number; text: string }> = [];
  const t0 = performance.now();
  const ws = Object.assign(new EventEmitter(), {
    OPEN: 1,
    readyState: 1,
    closedWith: undefined as number | undefined,
    send(data: Buffer, done: () => void) {
      frames.push({ atMs: performance.now() - t0, stream: data[0], text: data.subarray(1).toString() });
      queueMicrotask(done);
    },
    close(code: number) {
      ws.closedWith = code;
      ws.readyState = 3;
    },
  });
  return { ws, frames };
}

const pod = { metadata: { name: 'sleep-1', namespace: 'default' } } as KubeObject;
const opts = { container: 'sleep', command: ['curl'], stdout: true, stderr: true, stdin: false, tty: false };
const runtime = (exec: PodRuntime['exec']) => ({ exec }) as PodRuntime;

describe('kubectl exec: the first frame waits until kubectl can take it', () => {
  it('holds the output of a command that answers at once, then sends it and the status in order', async () => {
    const { ws, frames } = recordingSocket();
    await serveExec(ws as unknown as WebSocket, 'v5.channel.k8s.io', pod, opts, runtime(async (_p, _c, _cmd, io) => {
      io.stdout('200');
      io.stderr('warn\n');
      return 0;
    }));
    await new Promise((r) => setTimeout(r, 5));
    expect(frames.map((f) => [f.stream, f.text])).toEqual([[1, '200'], [2, 'warn\n'], [3, '{"metadata":{},"status":"Success"}']]);
    // A frame sooner than this was what kubectl dropped ("Unknown stream id 1, discarding message").
    expect(frames[0].atMs).toBeGreaterThanOrEqual(FIRST_FRAME_DELAY_MS - 1);
    expect(ws.closedWith).toBe(1000);
  });

  it('sends later output as it comes, without waiting again', async () => {
    const { ws, frames } = recordingSocket();
    await serveExec(ws as unknown as WebSocket, 'v5.channel.k8s.io', pod, opts, runtime(async (_p, _c, _cmd, io) => {
      await new Promise((r) => setTimeout(r, FIRST_FRAME_DELAY_MS + 40));
      const before = frames.length;
      io.stdout('late');
      await new Promise((r) => setTimeout(r, 5));
      expect(frames.length).toBe(before + 1);
      return 7;
    }));
    expect(frames[0].text).toBe('late');
    expect(JSON.parse(frames[1].text).reason).toBe('NonZeroExitCode');
  });
});
