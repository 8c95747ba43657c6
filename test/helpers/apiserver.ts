import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ScaledClock, type Clock } from '../../server/clock.ts';
import type { ResourceRegistry } from '../../server/embedded/apiserver/registry.ts';
import { startApiServer, type ApiServerHandle } from '../../server/embedded/apiserver/server.ts';
import { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import { generateTlsMaterial } from '../../server/embedded/apiserver/tls.ts';
import { startNamespaceController } from '../../server/embedded/controllers/namespace-controller.ts';

export interface TestApiServer {
  store: ObjectStore;
  server: ApiServerHandle;
  clock: Clock;
  token: string;
  kubeconfigPath: string;
  kubeconfigYaml: string;
  /** Stops and starts the API server on the same port with the same store. */
  restart(opts?: { beforeStart?: () => void | Promise<void> }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * An ObjectStore with namespaces default, kube-system and istio-system, served over HTTPS,
 * plus a kubeconfig (CA data, server URL, bearer token) in a temp dir.
 */
export async function startTestApiServer(opts: { clock?: Clock; eventBufferSize?: number; heartbeatMs?: number; registry?: ResourceRegistry } = {}): Promise<TestApiServer> {
  const clock = opts.clock ?? new ScaledClock(1);
  const store = new ObjectStore({ clock, eventBufferSize: opts.eventBufferSize, registry: opts.registry });
  // As a real cluster's controller manager does, it empties and then finalizes deleted namespaces.
  const namespaces = startNamespaceController(store, clock);
  const nsType = store.registry.mustGet('', 'namespaces');
  for (const name of ['default', 'kube-system', 'istio-system']) {
    store.create(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } });
  }
  const token = randomBytes(16).toString('hex');
  const tls = generateTlsMaterial();
  let server = await startApiServer({ store, token, tls, heartbeatMs: opts.heartbeatMs });
  const dir = mkdtempSync(join(tmpdir(), 'apiserver-test-'));
  const kubeconfigYaml = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: server.url, 'certificate-authority-data': Buffer.from(tls.caPem).toString('base64') } }],
    users: [{ name: 'test', user: { token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'test', namespace: 'default' } }],
    'current-context': 'test',
  });
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml);
  const handle: TestApiServer = {
    store,
    server,
    clock,
    token,
    kubeconfigPath,
    kubeconfigYaml,
    async restart(r = {}) {
      const port = server.port;
      await server.close();
      await r.beforeStart?.();
      server = await startApiServer({ store, token, tls, port, heartbeatMs: opts.heartbeatMs });
      handle.server = server;
    },
    async stop() {
      namespaces.stop();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

export interface RawAnswer {
  status: number;
  body: any;
  headers: import('node:http').IncomingHttpHeaders;
}

/** One raw request: the path goes on the wire exactly as written (no URL normalisation). */
export function rawApiCall(api: TestApiServer, method: string, path: string, body?: string | Buffer, contentType = 'application/json'): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: api.server.port, path, method, rejectUnauthorized: false, headers: { authorization: `Bearer ${api.token}`, 'content-type': contentType, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // a plain-text answer stays text
          }
          resolve({ status: res.statusCode!, body: parsed, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
