import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { EXEC_PROTOCOLS, PORT_FORWARD_PROTOCOLS, acceptWebSocket, chooseProtocol, offeredProtocols } from './channels.ts';
import { ApiError, badRequest, notFound } from './errors.ts';
import { execOptions, serveExec } from './exec.ts';
import type { PodRuntime } from './pod-runtime.ts';
import { streamingTarget } from './request.ts';
import { forwardPorts, mustBeRunning, servePortForward } from './portforward.ts';
import { PORT_FORWARD_V1, SPDY_TUNNEL_PROTOCOL, serveSpdyPortForward } from './portforward-spdy.ts';
import type { SpdySession } from './spdy/session.ts';
import { acceptWebSocketWithProtocol, socketTransport, webSocketTransport } from './spdy/transport.ts';
import type { ObjectStore } from './store.ts';

/**
 * Serves upgrades for exec and port-forward: exec over the WebSocket channel protocols
 * (clients that ask for SPDY are told so plainly), port-forward over those too and over
 * kubectl's SPDY, tunnelled in a WebSocket or on the upgraded socket itself.
 */
export class StreamingHandler {
  private readonly open = new Set<WebSocket>();
  private readonly sessions = new Set<SpdySession>();

  constructor(
    private readonly store: ObjectStore,
    private readonly authorized: (req: IncomingMessage) => boolean,
    private readonly runtime: PodRuntime | undefined,
  ) {}

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      if (!this.authorized(req)) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      const url = new URL(req.url ?? '/', 'https://localhost');
      const target = streamingTarget(url.pathname);
      if (!target) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      const podType = this.store.registry.mustGet('', 'pods');
      const pod = this.store.get(podType, target.namespace, target.name);
      if (!pod) throw notFound(podType, target.name);
      if (target.subresource === 'attach') {
        // Its options are checked as for exec, so a wrong one is named before the refusal.
        execOptions(pod, url.searchParams, 'attach');
        throw badRequest('attach is not supported by the embedded cluster: its containers run no process to attach to; use kubectl exec or kubectl logs');
      }
      const offered = offeredProtocols(req);
      const websocket = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
      if (target.subresource === 'exec') {
        // Checked before the protocol, so a client that falls back to SPDY still sees what was wrong.
        const opts = execOptions(pod, url.searchParams);
        if (!websocket) throw spdyRefusedForExec(req);
        const protocol = this.protocol(offered, EXEC_PROTOCOLS);
        const runtime = this.mustHaveRuntime();
        const ws = this.track(await acceptWebSocket(req, socket, head, protocol));
        await serveExec(ws, protocol, pod, opts, runtime);
      } else {
        mustBeRunning(pod);
        if (!websocket) {
          // kubectl's fallback when the WebSocket tunnel is refused: Upgrade: SPDY/3.1.
          this.mustOfferSpdy(req);
          const runtime = this.mustHaveRuntime();
          acceptSpdyUpgrade(socket);
          this.trackSession(serveSpdyPortForward(socketTransport(socket, head), pod, runtime));
        } else if (offered.includes(SPDY_TUNNEL_PROTOCOL)) {
          // kubectl tunnels SPDY inside the WebSocket and names the ports in SPDY headers, not the query.
          const runtime = this.mustHaveRuntime();
          const ws = this.track(await acceptWebSocketWithProtocol(req, socket, head, SPDY_TUNNEL_PROTOCOL));
          this.trackSession(serveSpdyPortForward(webSocketTransport(ws), pod, runtime));
        } else {
          const ports = forwardPorts(pod, url.searchParams);
          const protocol = this.protocol(offered, [...PORT_FORWARD_PROTOCOLS, SPDY_TUNNEL_PROTOCOL]);
          const runtime = this.mustHaveRuntime();
          servePortForward(this.track(await acceptWebSocket(req, socket, head, protocol)), pod, ports, runtime);
        }
      }
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? err}`);
      rejectUpgrade(socket, apiErr);
    }
  }

  /** Ends every open exec and port-forward (the server is stopping). */
  closeAll(): void {
    for (const session of this.sessions) session.destroy('the API server is stopping');
    this.sessions.clear();
    for (const ws of this.open) ws.terminate();
    this.open.clear();
  }

  private trackSession(session: SpdySession): void {
    this.sessions.add(session);
    session.onClose(() => this.sessions.delete(session));
  }

  /** The kubelet's checks on a SPDY upgrade: the Upgrade header, then the protocol version. */
  private mustOfferSpdy(req: IncomingMessage): void {
    const upgrade = String(req.headers.upgrade ?? '');
    if (upgrade.toLowerCase() !== 'spdy/3.1') {
      throw badRequest(`unable to upgrade: the port-forward upgrade must be to SPDY/3.1 or a WebSocket, not "${upgrade}"`);
    }
    const versions = String(req.headers['x-stream-protocol-version'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    if (versions.length && !versions.includes(PORT_FORWARD_V1)) {
      throw new ApiError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${versions.join(' ')}], server accepts [${PORT_FORWARD_V1}]`);
    }
  }

  private track(ws: WebSocket): WebSocket {
    this.open.add(ws);
    ws.on('close', () => this.open.delete(ws));
    return ws;
  }

  private protocol(offered: string[], supported: string[]): string {
    const chosen = chooseProtocol(offered, supported);
    if (chosen === undefined) {
      throw badRequest(`unable to upgrade connection: none of the requested protocols [${offered.join(', ')}] is supported; the embedded cluster speaks ${supported.join(', ')}`);
    }
    return chosen;
  }

  private mustHaveRuntime(): PodRuntime {
    if (!this.runtime) throw badRequest('unable to upgrade connection: this API server has no container runtime to run commands or forward ports');
    return this.runtime;
  }
}

function spdyRefusedForExec(req: IncomingMessage): ApiError {
  return badRequest(
    `unable to upgrade connection for exec: the embedded cluster speaks the WebSocket channel protocols (${EXEC_PROTOCOLS.join(', ')}), not SPDY (asked for ${[req.headers.upgrade, req.headers['sec-websocket-protocol']].filter(Boolean).join(' ')})`,
  );
}

/** The kubelet's 101 for SPDY port-forward; SPDY frames follow on the same socket. */
function acceptSpdyUpgrade(socket: Duplex): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_V1}\r\n\r\n`);
}

/** An HTTP error answer on a socket that asked to upgrade, with a Status body. */
function rejectUpgrade(socket: Duplex, err: ApiError): void {
  if (socket.destroyed || !socket.writable) return;
  const body = JSON.stringify(err.toStatus());
  socket.end(
    `HTTP/1.1 ${err.code} ${STATUS_CODES[err.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
