/**
 * Jaeger's v1 query HTTP API on a Node HTTP server (jaeger-query's port 16686): the
 * listener only; what each request is answered is JaegerQuery's (jaeger-query.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { JaegerQuery, type JaegerQueryCoreOptions } from './jaeger-query.ts';

/** The query API to serve: one already made (the cluster core's), or the options to make one. */
export type JaegerQuerySource = JaegerQueryCoreOptions | { query: JaegerQuery };

export type JaegerQueryOptions = JaegerQuerySource & {
  host?: string;
  port?: number;
};

const queryOf = (source: JaegerQuerySource) => ('query' in source ? source.query : new JaegerQuery(source));

export interface JaegerQueryServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startJaegerQuery(opts: JaegerQueryOptions): Promise<JaegerQueryServer> {
  const handler = jaegerQueryHandler(opts);
  const server = http.createServer({ maxHeaderSize: 16 * 1024 }, handler);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The request handler alone, for mounting under another server. */
export function jaegerQueryHandler(source: JaegerQuerySource): http.RequestListener {
  const query = queryOf(source);
  return (req, res) => {
    const out = query.respond(req.method, req.url ?? '/');
    res.writeHead(out.status, out.headers);
    res.end(out.body);
  };
}
