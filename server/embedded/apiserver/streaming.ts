import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { EXEC_PROTOCOLS, PORT_FORWARD_PROTOCOLS, acceptWebSocket, chooseProtocol, offeredProtocols } from './channels.ts';
import { ApiError, badRequest, notFound } from './errors.ts';
import { execOptions, serveExec } from './exec.ts';
import type { PodRuntime } from './pod-runtime.ts';
import { forwardPorts, servePortForward } from './portforward.ts';
import type { ObjectStore } from './store.ts';

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|portforward|attach)$/;

/** The namespace, pod and subresource of a streaming request path, if it is one. */
export function streamingTarget(pathname: string): { namespace: string; name: string; subresource: string } | undefined {
  const m = PATH.exec(pathname);
  return m ? { namespace: decodeURIComponent(m[1]), name: decodeURIComponent(m[2]), subresource: m[3] } : undefined;
}

/**
 * Serves WebSocket upgrades for exec and port-forward. Clients that ask for SPDY (or an
 * SPDY tunnel inside a WebSocket) are told plainly that only the channel protocols are spoken.
 */
export class StreamingHandler {
  private readonly open = new Set<WebSocket>();

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
      if (target.subresource === 'attach') throw badRequest('attach is not supported by the embedded cluster; use exec');
      const podType = this.store.registry.mustGet('', 'pods');
      const pod = this.store.get(podType, target.namespace, target.name);
      if (!pod) throw notFound(podType, target.name);
      const offered = offeredProtocols(req);
      const websocket = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
      if (target.subresource === 'exec') {
        // Checked before the protocol, so a client that falls back to SPDY still sees what was wrong.
        const opts = execOptions(pod, url.searchParams);
        if (!websocket) throw spdyRefused(req, 'exec');
        const protocol = this.protocol(offered, EXEC_PROTOCOLS);
        const runtime = this.mustHaveRuntime();
        const ws = this.track(await acceptWebSocket(req, socket, head, protocol));
        await serveExec(ws, protocol, pod, opts, runtime);
      } else {
        // kubectl tunnels SPDY inside the WebSocket and names the ports in SPDY headers, not the query.
        if (!websocket || offered.some((p) => p.startsWith('SPDY/'))) throw spdyRefused(req, 'port-forward');
        const ports = forwardPorts(pod, url.searchParams);
        const protocol = this.protocol(offered, PORT_FORWARD_PROTOCOLS);
        const runtime = this.mustHaveRuntime();
        servePortForward(this.track(await acceptWebSocket(req, socket, head, protocol)), pod, ports, runtime);
      }
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? err}`);
      rejectUpgrade(socket, apiErr);
    }
  }

  /** Ends every open exec and port-forward (the server is stopping). */
  closeAll(): void {
    for (const ws of this.open) ws.terminate();
    this.open.clear();
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

function spdyRefused(req: IncomingMessage, what: string): ApiError {
  return badRequest(
    `unable to upgrade connection for ${what}: the embedded cluster speaks the WebSocket channel protocols (${(what === 'exec' ? EXEC_PROTOCOLS : PORT_FORWARD_PROTOCOLS).join(', ')}), not SPDY (asked for ${[req.headers.upgrade, req.headers['sec-websocket-protocol']].filter(Boolean).join(' ')})`,
  );
}

/** An HTTP error answer on a socket that asked to upgrade, with a Status body. */
function rejectUpgrade(socket: Duplex, err: ApiError): void {
  if (socket.destroyed || !socket.writable) return;
  const body = JSON.stringify(err.toStatus());
  socket.end(
    `HTTP/1.1 ${err.code} ${STATUS_CODES[err.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
