import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { parse, stringify } from 'yaml';

/** What the proxy answers instead of the API for a request it refuses, as a real API server would. */
export interface Refusal {
  status: 403 | 404;
  message: string;
}

/**
 * An HTTP proxy in front of an embedded cluster's API, reached through its own kubeconfig.
 * It shows the deck what a real cluster can look like: RBAC refusing a request (403),
 * an API group that is not installed (404, as for missing CRDs), or an API that is down.
 */
export class ApiProxy {
  /** Decides per request; undefined passes it on. */
  refuse: (method: string, path: string) => Refusal | undefined = () => undefined;
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  private readonly target: URL;
  private readonly ca: Buffer;
  private readonly token: string;

  constructor(private readonly kubeconfigYaml: string) {
    const kc = parse(kubeconfigYaml);
    this.target = new URL(kc.clusters[0].cluster.server);
    this.ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64');
    this.token = kc.users[0].user.token;
  }

  /** The same kubeconfig, pointing at this proxy. */
  get kubeconfig(): string {
    const kc = parse(this.kubeconfigYaml);
    // client-node speaks plain HTTP only with TLS checks off.
    kc.clusters[0].cluster = { server: `http://127.0.0.1:${this.port}`, 'insecure-skip-tls-verify': true };
    return stringify(kc);
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.forward(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** The API goes away: open watches break and new connections are refused, until start() again. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  stop(): Promise<void> {
    return this.down();
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const refusal = this.refuse(req.method ?? 'GET', req.url ?? '/');
    if (refusal) {
      res.writeHead(refusal.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: refusal.message, reason: refusal.status === 403 ? 'Forbidden' : 'NotFound', code: refusal.status }));
      return;
    }
    const upstream = https.request(
      { host: this.target.hostname, port: this.target.port, path: req.url, method: req.method, ca: this.ca, headers: { ...req.headers, host: this.target.host, authorization: `Bearer ${this.token}` } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }
}
