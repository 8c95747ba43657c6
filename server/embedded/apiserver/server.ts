import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ApiHandler } from './api-handler.ts';
import { tokenMatches } from './bearer-token.ts';
import { serveOverNode } from './node-adapter.ts';
import type { PodRuntime } from './pod-runtime.ts';
import type { ObjectStore } from './store.ts';
import { StreamingHandler } from './streaming.ts';

export interface ApiServerOptions {
  store: ObjectStore;
  token: string;
  tls: { certPem: string; keyPem: string };
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** How often an idle watch gets a "\n" (client-node drops a watch after 30 s of silence). */
  heartbeatMs?: number;
  /** Runs exec commands and says where forwarded ports go; without it both are refused. */
  runtime?: PodRuntime;
}

export interface ApiServerHandle {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The fetch-style handler this server serves (the same answers without a socket). */
  api: ApiHandler;
  /** Stops listening and ends every open watch. */
  close(): Promise<void>;
}

export { MAX_BODY_BYTES } from './body.ts';

/** Starts the embedded cluster's Kubernetes API over HTTPS, bearer token required. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const api = new ApiHandler({ store: opts.store, token: opts.token, heartbeatMs: opts.heartbeatMs, runtime: opts.runtime });
  const handle = (request: Request) => api.handle(request);
  // exec, attach and port-forward are connection upgrades, served on the socket itself.
  const streaming = new StreamingHandler(opts.store, (req) => tokenMatches(req.headers.authorization, opts.token), opts.runtime);
  let closing = false;
  const server: Server = createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, (req, res) => {
    // A connection that slipped in while closing would otherwise hold a watch open forever.
    if (closing) return void req.socket.destroy();
    void serveOverNode(handle, req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    if (closing) return void socket.destroy();
    void streaming.upgrade(req, socket, head);
  });
  // Longer than clients keep an idle connection (the deck: 4 s), so a client never reuses one this side is closing.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  api.serverAddress = `${host}:${port}`;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `https://${urlHost}:${port}`,
    port,
    api,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        api.close();
        streaming.closeAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
