import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/** Bytes waiting in a WebSocket's send buffer above which the writer should wait. */
export const WEBSOCKET_HIGH_WATER_BYTES = 1024 * 1024;

/** Calls `done` once the WebSocket's send buffer is below half the high-water mark (or it closed). */
export function whenWebSocketDrained(ws: WebSocket, done: () => void): void {
  // ws has no drain event of its own, so its buffered amount is polled.
  const timer = setInterval(() => {
    if (ws.readyState !== ws.OPEN || ws.bufferedAmount < WEBSOCKET_HIGH_WATER_BYTES / 2) {
      clearInterval(timer);
      done();
    }
  }, 10);
}

/** A byte pipe that carries one SPDY connection. */
export interface SpdyTransport {
  start(events: { data(bytes: Buffer): void; closed(): void }): void;
  /** Sends bytes; false when the peer reads slowly and the caller should wait for onDrain. */
  write(bytes: Buffer): boolean;
  onDrain(listener: () => void): void;
  pauseReading(): void;
  resumeReading(): void;
  /** Ends the connection after what was written. */
  close(): void;
  destroy(): void;
}

/** SPDY straight on the socket of an HTTP `Upgrade: SPDY/3.1`. */
export function socketTransport(socket: Duplex, head: Buffer): SpdyTransport {
  const drainListeners: Array<() => void> = [];
  socket.on('drain', () => {
    for (const listener of drainListeners.splice(0)) listener();
  });
  return {
    start(events) {
      socket.on('data', (chunk: Buffer) => events.data(chunk));
      socket.on('close', () => events.closed());
      socket.on('end', () => socket.end());
      if (head.length) events.data(head);
    },
    write: (bytes) => socket.writable && socket.write(bytes),
    onDrain: (listener) => void drainListeners.push(listener),
    pauseReading: () => void socket.pause(),
    resumeReading: () => void socket.resume(),
    close: () => void socket.end(),
    destroy: () => void socket.destroy(),
  };
}

/**
 * Completes the WebSocket handshake for a subprotocol that `ws` would refuse to parse:
 * `SPDY/3.1+portforward.k8s.io` has a '/', which RFC 7230 tokens do not allow, though
 * kubectl and the real API server (Go) use it. The header is taken off the request and the
 * chosen protocol is put back on the response.
 */
export function acceptWebSocketWithProtocol(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket> {
  delete req.headers['sec-websocket-protocol'];
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 * 1024 });
  wss.on('headers', (headers) => headers.push(`Sec-WebSocket-Protocol: ${protocol}`));
  return new Promise((resolve) => wss.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
}

/**
 * SPDY tunnelled in a WebSocket (`SPDY/3.1+portforward.k8s.io`, kubectl 1.31+): binary
 * messages carry the SPDY byte stream, cut wherever the sender's writes happened to end.
 */
export function webSocketTransport(ws: WebSocket): SpdyTransport {
  return {
    start(events) {
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        if (!isBinary) return void ws.close(1003, 'the SPDY tunnel carries binary messages only');
        events.data(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));
      });
      ws.on('close', () => events.closed());
    },
    write(bytes) {
      if (ws.readyState !== ws.OPEN) return false;
      ws.send(bytes);
      return ws.bufferedAmount < WEBSOCKET_HIGH_WATER_BYTES;
    },
    onDrain: (listener) => whenWebSocketDrained(ws, listener),
    pauseReading: () => ws.pause(),
    resumeReading: () => ws.resume(),
    close: () => ws.close(1000),
    destroy: () => ws.terminate(),
  };
}
