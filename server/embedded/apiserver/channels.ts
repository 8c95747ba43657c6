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

/**
 * Sends a channel stream's frames one socket write at a time, each after the previous one
 * is written, as the kube-apiserver does. Clients that wait on the raw socket and then read
 * one frame (the Python client's exec and port-forward) would otherwise leave frames that
 * shared a TLS record, such as the exit status and the close, unread in their TLS buffer.
 */
export class FrameSender {
  private readonly queue: Buffer[] = [];
  private writing = false;
  private closeAfter: number | undefined;
  private drained: Array<() => void> = [];
  /** Bytes accepted but not yet handed to the socket. */
  queuedBytes = 0;

  constructor(private readonly ws: WebSocket) {}

  send(stream: number, data: Buffer | string): void {
    if (this.ws.readyState !== this.ws.OPEN || this.closeAfter !== undefined) return;
    const f = frame(stream, data);
    this.queue.push(f);
    this.queuedBytes += f.length;
    this.pump();
  }

  /** Closes the WebSocket once every frame sent before is written. */
  close(code = 1000): void {
    this.closeAfter ??= code;
    this.pump();
  }

  /** Calls `done` once fewer than `bytes` wait to be written (or the socket is gone). */
  whenBelow(bytes: number, done: () => void): void {
    if (this.queuedBytes < bytes || this.ws.readyState !== this.ws.OPEN) return done();
    this.drained.push(() => (this.queuedBytes < bytes ? done() : this.whenBelow(bytes, done)));
  }

  private pump(): void {
    if (this.writing) return;
    const next = this.queue.shift();
    if (!next) {
      if (this.closeAfter !== undefined && this.ws.readyState === this.ws.OPEN) this.ws.close(this.closeAfter);
      return;
    }
    if (this.ws.readyState !== this.ws.OPEN) {
      this.queue.length = 0;
      this.queuedBytes = 0;
      return this.notifyDrained();
    }
    this.writing = true;
    this.ws.send(next, () => {
      this.writing = false;
      this.queuedBytes -= next.length;
      this.notifyDrained();
      this.pump();
    });
  }

  private notifyDrained(): void {
    const waiting = this.drained;
    this.drained = [];
    for (const w of waiting) w();
  }
}
