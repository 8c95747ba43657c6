import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The Kubernetes "channel" WebSocket protocols: every binary message starts with one byte
 * naming its stream. v4 carries the exec status as JSON on stream 3; v5 adds a close
 * signal (255, stream). Port-forward speaks v4 and older only, like the kubelet.
 */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
export const PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** Stream numbers of remote command protocols. */
export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const STATUS = 3;
export const RESIZE = 4;
export const CLOSE_SIGNAL = 255;

/** The protocols a client offered, in its order. */
export function offeredProtocols(req: IncomingMessage): string[] {
  return String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** The first protocol of ours the client offered, '' for a client that named none, or undefined. */
export function chooseProtocol(offered: string[], supported: string[]): string | undefined {
  if (!offered.length) return '';
  return supported.find((p) => offered.includes(p));
}

/** Completes the WebSocket handshake with the protocol already chosen. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket> {
  // One server per upgrade: it only holds the chosen protocol and never listens itself.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 * 1024, handleProtocols: () => protocol || false });
  return new Promise((resolve) => wss.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
}

/** One message on a stream: the stream byte, then the payload. */
export function frame(stream: number, data: Buffer | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const out = Buffer.allocUnsafe(payload.length + 1);
  out[0] = stream;
  payload.copy(out, 1);
  return out;
}

/** A message's stream and payload; text messages (never sent by current clients) are read as UTF-8. */
export function unframe(data: Buffer | ArrayBuffer | Buffer[] | string): { stream: number; payload: Buffer } | undefined {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (!buf.length) return undefined;
  return { stream: buf[0], payload: buf.subarray(1) };
}
