import net from 'node:net';
import type { WebSocket } from 'ws';
import { FrameSender, unframe } from './channels.ts';
import { badRequest } from './errors.ts';
import type { PodRuntime } from './pod-runtime.ts';
import { WEBSOCKET_HIGH_WATER_BYTES } from './spdy/transport.ts';
import type { KubeObject } from './types.ts';

/** Port-forward reaches only running pods, whichever protocol asks. */
export function mustBeRunning(pod: KubeObject): void {
  const phase = pod.status?.phase;
  if (phase !== 'Running') throw badRequest(`unable to forward port because pod is not running. Current status=${phase ?? 'Unknown'}`);
}

/** The kubelet's words for a failed forward, written on the port's error stream. */
export function forwardError(pod: KubeObject, port: number, message: string): string {
  return `error forwarding port ${port} to pod ${pod.metadata.name}, uid ${pod.metadata.uid ?? ''}: ${message}`;
}

/** The message for a pod port that could not be reached, or that failed once connected. */
export function targetFailed(port: number, err: Error, connected: boolean): string {
  return connected ? `lost the connection to localhost:${port} inside the pod: ${err.message}` : `failed to connect to localhost:${port} inside the pod: ${err.message}`;
}

/** `?ports=8080` (repeated or comma-separated), each a TCP port. */
export function forwardPorts(pod: KubeObject, q: URLSearchParams): number[] {
  mustBeRunning(pod);
  const raw = q.getAll('ports').flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
  if (!raw.length) throw badRequest('at least one port must be specified in the "ports" query parameter');
  if (raw.length > 16) throw badRequest(`too many ports: ${raw.length}; at most 16 per connection`);
  return raw.map((p) => {
    const port = Number(p);
    if (!/^\d+$/.test(p) || port < 1 || port > 65535) throw badRequest(`unable to parse "${p}" as a port: must be an integer from 1 to 65535`);
    return port;
  });
}

const portBytes = (port: number) => Buffer.from([port & 0xff, port >> 8]);

/**
 * The kubelet's WebSocket port-forward: for the i-th port, stream 2i carries data and 2i+1
 * errors, each first announcing the port (two bytes, little-endian). One TCP connection
 * per port; the WebSocket closes when a connection ends or fails.
 */
export function servePortForward(ws: WebSocket, pod: KubeObject, ports: number[], runtime: PodRuntime): void {
  const sockets: Array<net.Socket | undefined> = [];
  const sender = new FrameSender(ws);
  const finish = () => {
    for (const s of sockets) s?.destroy();
    sender.close(1000);
  };
  const send = (stream: number, data: Buffer | string) => sender.send(stream, data);
  for (const [i, port] of ports.entries()) {
    send(2 * i, portBytes(port));
    send(2 * i + 1, portBytes(port));
  }
  const fail = (i: number, message: string) => {
    send(2 * i + 1, forwardError(pod, ports[i], message));
    finish();
  };
  for (const [i, port] of ports.entries()) {
    const target = runtime.portForwardTarget(pod, port);
    if ('error' in target) {
      fail(i, target.error);
      return;
    }
    const socket = net.connect({ host: target.host, port: target.port });
    sockets[i] = socket;
    let connected = false;
    socket.once('connect', () => (connected = true));
    socket.on('error', (err) => fail(i, targetFailed(port, err, connected)));
    socket.on('data', (chunk) => {
      send(2 * i, chunk);
      if (sender.queuedBytes > WEBSOCKET_HIGH_WATER_BYTES) {
        socket.pause();
        sender.whenBelow(WEBSOCKET_HIGH_WATER_BYTES / 2, () => socket.resume());
      }
    });
    socket.on('end', finish);
    socket.on('drain', () => ws.resume());
  }
  ws.on('message', (data: Buffer) => {
    const m = unframe(data);
    if (!m || m.stream % 2 === 1) return;
    const socket = sockets[m.stream / 2];
    if (!socket || !m.payload.length) return;
    if (!socket.write(m.payload)) ws.pause();
  });
  ws.on('close', () => {
    for (const s of sockets) s?.end();
  });
}
