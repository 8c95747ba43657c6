import net from 'node:net';
import type { PodRuntime } from './pod-runtime.ts';
import { forwardError, targetFailed } from './portforward.ts';
import type { KubeObject } from './types.ts';
import { RstStatus } from './spdy/frames.ts';
import { SpdySession } from './spdy/session.ts';
import type { SpdyStream } from './spdy/stream.ts';
import type { SpdyTransport } from './spdy/transport.ts';

/** The port-forward protocol kubectl names in X-Stream-Protocol-Version. */
export const PORT_FORWARD_V1 = 'portforward.k8s.io';
/** The WebSocket subprotocol of kubectl's SPDY tunnel (kubectl 1.31+). */
export const SPDY_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_V1}`;

/** How long the kubelet waits for a request's second stream. */
const PAIR_TIMEOUT_MS = 30_000;
/** Requests whose streams may be half-open at once. */
const MAX_PENDING_PAIRS = 50;

interface StreamPair {
  requestId: string;
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/**
 * kubectl's SPDY port-forward, served the way the kubelet serves it so kubectl's client
 * works unchanged: every local connection opens an `error` stream and a `data` stream
 * sharing a `requestid` and a `port`; once both are here the data stream is piped to the
 * pod port, and whatever goes wrong is written on the error stream before both are closed.
 */
export function serveSpdyPortForward(transport: SpdyTransport, pod: KubeObject, runtime: PodRuntime): SpdySession {
  const pairs = new Map<string, StreamPair>();
  const session = new SpdySession(transport, { onStream: (stream) => accept(stream) });
  session.onClose(() => {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    pairs.clear();
  });

  function accept(stream: SpdyStream): void {
    const type = stream.header('streamtype');
    const port = stream.header('port');
    // Refused as the kubelet refuses them: a reset, since the stream has no error stream yet.
    if ((type !== 'error' && type !== 'data') || !port || !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      return stream.reset(RstStatus.ProtocolError);
    }
    const requestId = stream.header('requestid') ?? String(type === 'error' ? stream.id : stream.id - 2);
    let pair = pairs.get(requestId);
    if (!pair) {
      if (pairs.size >= MAX_PENDING_PAIRS) return stream.reset(RstStatus.RefusedStream);
      const created: StreamPair = { requestId, timer: setTimeout(() => abandon(created, `timed out waiting for streams of request ${requestId}`), PAIR_TIMEOUT_MS) };
      pair = created;
      pairs.set(requestId, pair);
    }
    stream.reply();
    if (pair[type]) {
      stream.reset(RstStatus.ProtocolError);
      return abandon(pair, `error processing stream for request ${requestId}: ${type} stream already assigned`);
    }
    pair[type] = stream;
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      forward(pair.data, pair.error, Number(port));
    }
  }

  function abandon(pair: StreamPair, message: string): void {
    clearTimeout(pair.timer);
    pairs.delete(pair.requestId);
    pair.error?.write(message);
    pair.error?.end();
    pair.data?.end();
  }

  function forward(data: SpdyStream, error: SpdyStream, port: number): void {
    const fail = (message: string) => {
      error.write(forwardError(pod, port, message));
      error.end();
      data.end();
    };
    const target = runtime.portForwardTarget(pod, port);
    if ('error' in target) return fail(target.error);

    const socket = net.connect({ host: target.host, port: target.port });
    let connected = false;
    socket.once('connect', () => (connected = true));
    socket.on('error', (err) => fail(targetFailed(port, err, connected)));
    socket.on('data', (chunk: Buffer) => {
      if (!data.write(chunk)) {
        socket.pause();
        data.once('drain', () => socket.resume());
      }
    });
    socket.on('end', () => data.end());
    socket.on('close', () => {
      data.end();
      error.end();
    });

    data.on('data', (chunk) => {
      if (!socket.write(chunk)) {
        data.pause();
        socket.once('drain', () => data.resume());
      }
    });
    // The client closed its side: let the pod port see the half-close and finish answering.
    data.on('end', () => socket.end());
    data.on('close', (reason) => {
      if (reason) socket.destroy();
    });
  }

  return session;
}
