/**
 * The ingress gateway's listeners on Node: sockets, TLS by SNI, mutual TLS refusals, HTTP/1
 * and HTTP/2, the status port. What each request is answered is gateway-handler.ts's.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import type { SecureContext } from 'node:tls';
import {
  type GatewayIngress,
  type GatewayResponse,
  type GatewayServicePort,
  INGRESS_GATEWAY_POD_PORT,
  MAX_GATEWAY_BODY_BYTES,
  gatewayFailureResponse,
  handleGatewayRequest,
} from './gateway-handler.ts';
import { lingeringSocket } from './lingering-socket.ts';

export { INGRESS_GATEWAY_POD_PORT, type GatewayServicePort } from './gateway-handler.ts';

const MAX_HEADER_BYTES = 60 * 1024;

export interface GatewayServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface GatewayServerOptions {
  host?: string;
  /** 0 or unset: any free port. */
  port?: number;
  /** The Service port this listener plays; the ingress gateway's http2 port when unset. */
  target?: GatewayServicePort;
  /** What the gateway's config makes of the port, asked at each connection; plain HTTP when unset. */
  portMode?: () => GatewayPortMode;
}

/**
 * What a gateway port is, as Envoy's listeners make it: no server for it in any Gateway (no
 * listener: the connection is reset), plain HTTP, TLS terminated with the certificate the
 * client's SNI names (none: the handshake fails), or Envoy's status port (`/healthz/ready`).
 */
export type GatewayPortMode =
  | { kind: 'closed' }
  | { kind: 'http' }
  | { kind: 'https'; mutual?: boolean; context(serverName: string): SecureContext | undefined }
  | { kind: 'status' };

/**
 * A gateway's port as a real HTTP server (127.0.0.1 by default): every request is routed by
 * the bound Gateway and routes. A port that cannot be bound rejects with the listen error
 * (its `code`, e.g. EACCES or EADDRINUSE, says why).
 */
export async function startGatewayServer(ingress: GatewayIngress, opts: GatewayServerOptions = {}): Promise<GatewayServer> {
  const target = opts.target ?? INGRESS_GATEWAY_POD_PORT;
  // HTTP/2's compatibility API answers as HTTP/1's does: one handler serves both.
  const onRequest = (secure: boolean) => (rawReq: http.IncomingMessage | http2.Http2ServerRequest, rawRes: http.ServerResponse | http2.Http2ServerResponse) => {
    const req = rawReq as http.IncomingMessage;
    const res = rawRes as http.ServerResponse;
    void serve(ingress, target, secure, req, res).catch((err) => {
      if (!res.headersSent) writeResponse(res, gatewayFailureResponse(err));
      else if ('stream' in rawRes) rawRes.stream.close();
      else res.destroy();
    });
  };
  const plain = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, onRequest(false));
  plain.keepAliveTimeout = 5000;
  // TLS as the gateway serves it: the certificate the client's SNI names, HTTP/2 when it offers it;
  // for MUTUAL, a client certificate signed by the credential's CA is required.
  const secureServer = (mutual: boolean) =>
    http2.createSecureServer(
      {
        allowHTTP1: true,
        maxSessionMemory: 10,
        ...(mutual ? { requestCert: true, rejectUnauthorized: true } : {}),
        SNICallback: (name, cb) => {
          const mode = opts.portMode?.();
          const context = mode?.kind === 'https' ? mode.context(name) : undefined;
          if (context) cb(null, context);
          else cb(new Error(`no certificate for ${name}`));
        },
      },
      onRequest(true),
    );
  const secure = secureServer(false);
  const secureMutual = secureServer(true);
  const status = http.createServer((req, res) => {
    const ready = (req.url ?? '').split('?')[0] === '/healthz/ready';
    res.writeHead(ready ? 200 : 404, { 'content-length': 0 });
    res.end();
  });
  for (const s of [plain, secure, secureMutual, status]) s.on('clientError', (_err: Error, socket: net.Socket) => socket.destroy());
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const mode = opts.portMode?.() ?? { kind: 'http' };
    if (mode.kind === 'closed') socket.resetAndDestroy();
    else if (mode.kind === 'https' && mode.mutual) secureMutual.emit('connection', lingeringSocket(socket));
    else if (mode.kind === 'https') secure.emit('connection', socket);
    else if (mode.kind === 'status') status.emit('connection', socket);
    else plain.emit('connection', socket);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        plain.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Reads the request and writes the core's answer; the client hanging up aborts the request. */
async function serve(ingress: GatewayIngress, target: GatewayServicePort, secure: boolean, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = await readBody(req);
  const hangup = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) hangup.abort();
  });
  const out = await handleGatewayRequest(ingress, target, { method: req.method, path: req.url ?? '/', headers: req.headers, body, secure, signal: hangup.signal });
  if (out) writeResponse(res, out);
}

function writeResponse(res: http.ServerResponse, out: GatewayResponse): void {
  res.writeHead(out.status, out.headers);
  // An empty body ends as an empty string did: no zero-length write.
  res.end(out.body === undefined ? undefined : out.body.byteLength ? out.body : '');
}

/** The whole body, or 'too-large' (the rest unread, or the request destroyed) past the gateway's limit. */
function readBody(req: http.IncomingMessage): Promise<Uint8Array | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_GATEWAY_BODY_BYTES) {
      req.resume();
      return resolve('too-large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_GATEWAY_BODY_BYTES) {
        req.destroy();
        resolve('too-large');
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
