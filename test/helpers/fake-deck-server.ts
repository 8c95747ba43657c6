/**
 * A stand-in deck server for the browser tests: serves the production build from
 * dist/client, speaks server/protocol.ts on /ws with scripted data, and stubs the HTTP API.
 * It can stop and start again on the same port, to test disconnect and catch-up.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import type {
  ApplyResponse,
  GraphSnapshot,
  PodSummary,
  ResourceSummary,
  ServerMessage,
  TraceSummary,
  TrafficSecond,
} from '../../server/protocol.ts';
import { parseClientMessage, resourcesTopic } from '../../server/protocol.ts';
import { staticAssets } from '../../server/static-assets.ts';

export const DIST_DIR = join(import.meta.dirname, '../../dist/client');

export function assertBuilt(dir = DIST_DIR): void {
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error(`${dir}/index.html is missing: run \`npx vite build\` (npm run build) before the browser tests`);
  }
}

interface TopicLog {
  seq: number;
  snapshot: () => unknown;
  changes: { seq: number; data: unknown }[];
}

export interface FakeDeckServer {
  url: string;
  token: string;
  /** Every HTTP request: method, path and whether it carried the presenter token. */
  requests: { method: string; path: string; authorized: boolean }[];
  /** Bodies POSTed to /api/apply (dry runs included). */
  applied: { dryRun: boolean; body: string }[];
  runs: string[];
  upsertPod(pod: Partial<PodSummary> & { name: string; namespace: string }): void;
  deletePod(namespace: string, name: string): void;
  /** Simulates the server going away: closes every socket and stops listening. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function pod(name: string, namespace: string, extra: Partial<PodSummary> = {}): PodSummary {
  const app = name.replace(/-v\d+-.*$|-[a-z0-9]+-[a-z0-9]{5}$/, '');
  return {
    name,
    namespace,
    ready: extra.hasSidecar === false ? '1/1' : '2/2',
    status: 'Running',
    restarts: 0,
    creationTimestamp: new Date(Date.now() - 3_600_000).toISOString(),
    app,
    version: /-(v\d+)-/.exec(name)?.[1],
    hasSidecar: true,
    resourceVersion: '1',
    ...extra,
  };
}

function initialPods(): Map<string, Map<string, ResourceSummary>> {
  const ns = new Map<string, Map<string, ResourceSummary>>();
  const add = (p: PodSummary) => {
    if (!ns.has(p.namespace)) ns.set(p.namespace, new Map());
    ns.get(p.namespace)!.set(p.name, p);
  };
  for (const n of ['istiod-7d4b9c8f6-x2k4q', 'istio-ingressgateway-5c8b7d9f4-p9z7m', 'jaeger-6f7c9b8d5-q4r2t'])
    add(pod(n, 'istio-system', { hasSidecar: false, ready: '1/1', version: undefined }));
  for (const n of ['productpage-v1-6b746f74dc-9stvs', 'details-v1-5f4d584748-bz42z', 'reviews-v1-7c4d4c8c5c-4qk2x', 'reviews-v2-5fc9bd8c7c-r8zqm', 'reviews-v3-7f6c9bd8d9-xn2b6', 'ratings-v1-85c74b6cb4-h7kqv'])
    add(pod(n, 'default'));
  return ns;
}

const virtualService = (weights: [string, number][]) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'default', resourceVersion: '7', uid: 'x' },
  spec: { hosts: ['reviews'], http: [{ route: weights.map(([subset, weight]) => ({ destination: { host: 'reviews', subset }, weight })) }] },
});

function graph(weights: Record<string, number>): GraphSnapshot {
  const nodes: GraphSnapshot['nodes'] = [
    { id: 'istio-ingressgateway', app: 'istio-ingressgateway', namespace: 'istio-system', kind: 'ingress' },
    { id: 'productpage-v1', app: 'productpage', version: 'v1', namespace: 'default', kind: 'workload' },
    { id: 'details-v1', app: 'details', version: 'v1', namespace: 'default', kind: 'workload' },
    { id: 'reviews-v1', app: 'reviews', version: 'v1', namespace: 'default', kind: 'workload' },
    { id: 'reviews-v2', app: 'reviews', version: 'v2', namespace: 'default', kind: 'workload' },
    { id: 'reviews-v3', app: 'reviews', version: 'v3', namespace: 'default', kind: 'workload' },
    { id: 'ratings-v1', app: 'ratings', version: 'v1', namespace: 'default', kind: 'workload' },
  ];
  const rps = 10;
  const e = (source: string, target: string, r: number, errorPct = 0) => ({ source, target, rps: r, errorPct, p99Ms: 40 });
  return {
    windowSeconds: 10,
    nodes,
    edges: [
      e('istio-ingressgateway', 'productpage-v1', rps),
      e('productpage-v1', 'details-v1', rps),
      e('productpage-v1', 'reviews-v1', rps * (weights.v1 ?? 0)),
      e('productpage-v1', 'reviews-v2', rps * (weights.v2 ?? 0)),
      e('productpage-v1', 'reviews-v3', rps * (weights.v3 ?? 0), 5),
      e('reviews-v2', 'ratings-v1', rps * (weights.v2 ?? 0)),
      e('reviews-v3', 'ratings-v1', rps * (weights.v3 ?? 0)),
    ],
  };
}

const FAULT_TRACE_ID = 'f00dfa017000000000000000000000aa';

function jaegerTrace(traceID: string) {
  const t0 = 1_700_000_000_000_000;
  const span = (spanID: string, op: string, processID: string, start: number, duration: number, parent?: string, error = false) => ({
    traceID,
    spanID,
    operationName: op,
    references: parent ? [{ refType: 'CHILD_OF', traceID, spanID: parent }] : [],
    startTime: t0 + start,
    duration,
    processID,
    tags: error ? [{ key: 'error', type: 'bool', value: true }] : [],
  });
  return {
    traceID,
    spans: [
      span('a', 'productpage.default.svc.cluster.local:9080/productpage', 'p1', 0, 6_100_000),
      span('b', 'details.default.svc.cluster.local:9080/*', 'p1', 5_000, 8_000, 'a'),
      span('c', 'reviews.default.svc.cluster.local:9080/* (attempt 1)', 'p1', 20_000, 3_000_000, 'a', true),
      span('d', 'reviews.default.svc.cluster.local:9080/* (attempt 2)', 'p1', 3_030_000, 3_000_000, 'a', true),
      span('e', 'ratings.default.svc.cluster.local:9080/*', 'p2', 40_000, 7_000_000 / 1000, 'c'),
    ],
    processes: { p1: { serviceName: 'productpage.default' }, p2: { serviceName: 'reviews.default' } },
  };
}

export async function startFakeDeckServer(opts: { port?: number; distDir?: string; token?: string } = {}): Promise<FakeDeckServer> {
  const distDir = opts.distDir ?? DIST_DIR;
  assertBuilt(distDir);
  const token = opts.token ?? 'test-presenter-token';
  const pods = initialPods();
  let weights: Record<string, number> = { v1: 1 / 3, v2: 1 / 3, v3: 1 / 3 };
  let presenter = { h: 0, v: 0 };
  const seconds: TrafficSecond[] = [];
  const traces: TraceSummary[] = [
    { traceID: FAULT_TRACE_ID, rootService: 'productpage.default', rootOperation: '/productpage', startTime: 1_700_000_000_000_000, durationUs: 6_100_000, spanCount: 5, error: true, user: 'jason' },
    { traceID: 'ok00000000000000000000000000000b', rootService: 'productpage.default', rootOperation: '/productpage', startTime: 1_700_000_000_100_000, durationUs: 42_000, spanCount: 4, error: false, user: 'anonymous' },
  ];

  const topics = new Map<string, TopicLog>();
  const topic = (name: string, snapshot: () => unknown) => topics.set(name, { seq: 1, snapshot, changes: [] });
  for (const ns of ['istio-system', 'default', 'bookinfo']) {
    topic(resourcesTopic('Pod', ns), () => ({ items: [...(pods.get(ns)?.values() ?? [])] }));
  }
  const vsItems = () => [{ kind: 'VirtualService', name: 'reviews', namespace: 'default', creationTimestamp: new Date().toISOString(), resourceVersion: '7', object: virtualService(Object.entries(weights).filter(([, w]) => w > 0).map(([s, w]) => [s, Math.round(w * 100)])) }];
  topic(resourcesTopic('VirtualService', 'default'), () => ({ items: vsItems() }));
  topic(resourcesTopic('DestinationRule', 'default'), () => ({ items: [] }));
  topic(resourcesTopic('Gateway', 'default'), () => ({ items: [] }));
  topic('traffic', () => ({ running: true, users: ['anonymous', 'jason'], seconds: seconds.slice(-120) }));
  topic('graph', () => graph(weights));
  topic('traces', () => ({ traces }));
  topic('presenter', () => presenter);
  topic('health', () => ({ mode: 'embedded', cluster: 'fake', connected: true, istio: true }));

  const sockets = new Set<WebSocket>();
  const subs = new Map<WebSocket, Set<string>>();
  const send = (ws: WebSocket, m: ServerMessage) => ws.readyState === 1 && ws.send(JSON.stringify(m));
  const publish = (name: string, data: unknown) => {
    const log = topics.get(name)!;
    log.seq++;
    log.changes.push({ seq: log.seq, data });
    if (log.changes.length > 200) log.changes.shift();
    for (const ws of sockets) if (subs.get(ws)?.has(name)) send(ws, { type: 'change', topic: name, seq: log.seq, data: data as any });
  };

  // One second of scripted traffic per user.
  let tick = Math.floor(Date.now() / 1000);
  const traffic = setInterval(() => {
    tick++;
    for (const user of ['anonymous', 'jason']) {
      const counts: Record<string, number> = {};
      for (const [v, w] of Object.entries(weights)) if (w > 0) counts[v] = Math.round(10 * w);
      if (user === 'jason') {
        delete counts.v1;
        counts.v2 = 10;
      }
      const second: TrafficSecond = { t: tick, user, counts, latencyMs: { p50: 20 + (tick % 5), p99: 60 + (tick % 7) * 5, max: 90 } };
      seconds.push(second);
      publish('traffic', { op: 'second', second });
    }
  }, 1000);

  const app = express();
  const requests: FakeDeckServer['requests'] = [];
  const applied: FakeDeckServer['applied'] = [];
  const runs: string[] = [];
  app.use((req, _res, next) => {
    requests.push({ method: req.method, path: req.originalUrl, authorized: req.headers.authorization === `Bearer ${token}` });
    next();
  });
  const needToken: express.RequestHandler = (req, res, next) => {
    if (req.headers.authorization !== `Bearer ${token}`) res.status(403).json({ error: 'presenter token required' });
    else next();
  };
  app.post('/api/apply', needToken, express.text({ type: '*/*', limit: '256kb' }), (req, res) => {
    const body = String(req.body ?? '');
    const dryRun = req.query.dryRun === '1';
    applied.push({ dryRun, body });
    const bad = body.split('\n').findIndex((l) => /bogusField/.test(l));
    if (bad >= 0) {
      res.status(422).json({ error: 'unknown field "bogusField"', document: 0, line: bad + 1, column: 1, field: 'spec.bogusField' });
      return;
    }
    const w = /subset: v3\s+weight: (\d+)/.exec(body);
    if (!dryRun && w) {
      const v3 = Number(w[1]) / 100;
      weights = { v1: 1 - v3, v3 };
      publish(resourcesTopic('VirtualService', 'default'), { op: 'upsert', item: vsItems()[0] });
      publish('graph', graph(weights));
    }
    const out: ApplyResponse = {
      dryRun,
      results: [{ index: 0, kind: 'VirtualService', name: 'reviews', namespace: 'default', result: 'configured', diff: '--- live\n+++ new\n@@ -8,2 +8,2 @@\n-      weight: 100\n+      weight: 50\n' }],
    };
    res.json(out);
  });
  app.post('/api/delete', needToken, (_req, res) => res.json({ dryRun: false, results: [] }));
  app.get('/api/scenes', (_req, res) => res.json(['empty', 'bookinfo', 'all-v1']));
  app.post('/api/scene/:name', needToken, (req, res) => res.json({ scene: req.params.name, ok: true }));
  app.get('/api/preflight', needToken, (_req, res) =>
    res.json([
      { scene: 'empty', ok: true, problems: [] },
      { scene: 'bookinfo', ok: true, problems: [] },
      { scene: 'fault-delay', ok: false, problems: ['reviews-v2 has no ratings route'] },
    ]),
  );
  app.post('/api/run', needToken, express.json({ limit: '16kb' }), (req, res) => {
    runs.push(String(req.body?.command));
    res.json({ output: `ran: ${req.body?.command}\ndeployment.apps/reviews-v1 created`, exitCode: 0 });
  });
  app.get('/api/traces/:id', (req, res) => res.json({ data: [jaegerTrace(req.params.id)] }));
  app.get('/api/manifest', (req, res) => {
    res.type('text/plain').send(`# ${req.query.path}\n${[
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata:',
      '  name: reviews',
      'spec:',
      '  hosts:',
      '  - reviews',
      '  http:',
      '  - route:',
      '    - destination:',
      '        host: reviews',
      '        subset: v1',
      '      weight: 50',
      '    - destination:',
      '        host: reviews',
      '        subset: v3',
      '      weight: 50',
    ].join('\n')}\n`);
  });
  app.get('/api/health', (_req, res) => res.json({ mode: 'embedded', cluster: 'fake', connected: true, istio: true }));
  app.get('/gateway/productpage', (req, res) => {
    const user = /user=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
    res.type('html').send(`<!doctype html><body style="font-family:sans-serif;background:#fff"><h2>The Comedy of Errors</h2><p>${user ? `signed in as ${user}` : 'anonymous'}</p><p>Reviewer1: ★★★★★</p></body>`);
  });
  // The real proxy's per-frame user (server/api/gateway-identity.ts): the path names the user.
  app.get('/gateway/as/:user/productpage', (req, res) => {
    const user = req.params.user === 'anonymous' ? undefined : req.params.user;
    res.type('html').send(`<!doctype html><body style="font-family:sans-serif;background:#fff"><h2>The Comedy of Errors</h2><p>${user ? `signed in as ${user}` : 'anonymous'}</p><p>Reviewer1: ★★★★★</p></body>`);
  });
  app.post('/gateway/login', (_req, res) => res.setHeader('Set-Cookie', 'user=jason; Path=/').redirect(302, '/gateway/productpage'));
  app.get('/gateway/logout', (_req, res) => res.setHeader('Set-Cookie', 'user=; Path=/; Max-Age=0').redirect(302, '/gateway/productpage'));
  // The deck server's own static serving: the browser gets the build's brotli copies.
  app.use(staticAssets(distDir));

  let server: Server;
  let port = opts.port ?? 0;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  wss.on('connection', (ws, role: 'presenter' | 'audience') => {
    sockets.add(ws);
    subs.set(ws, new Set());
    send(ws, { type: 'hello', role, serverVersion: 'fake' });
    ws.on('close', () => {
      sockets.delete(ws);
      subs.delete(ws);
    });
    ws.on('message', (raw) => {
      const m = parseClientMessage(String(raw));
      if ('error' in m) return send(ws, { type: 'error', message: m.error });
      if (m.type === 'subscribe') {
        const log = topics.get(m.topic);
        if (!log) return send(ws, { type: 'error', topic: m.topic, message: `unknown topic ${m.topic}` });
        subs.get(ws)!.add(m.topic);
        const missed = m.since !== undefined ? log.changes.filter((c) => c.seq > m.since!) : undefined;
        const canResume = m.since !== undefined && m.since <= log.seq && (missed!.length === log.seq - m.since);
        if (canResume) for (const c of missed!) send(ws, { type: 'change', topic: m.topic, seq: c.seq, data: c.data as any });
        else send(ws, { type: 'snapshot', topic: m.topic, seq: log.seq, data: log.snapshot() as any });
      } else if (m.type === 'unsubscribe') subs.get(ws)!.delete(m.topic);
      else if (m.type === 'presenter-position' && role === 'presenter') {
        presenter = m.position as typeof presenter;
        publish('presenter', m.position);
      } else if (m.type === 'ping') send(ws, { type: 'pong', id: m.id });
    });
  });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(app);
      server.on('upgrade', (req, socket, head) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname !== '/ws') return socket.destroy();
        const role = url.searchParams.get('token') === token ? 'presenter' : 'audience';
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, role));
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const ws of sockets) ws.terminate();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  await listen();

  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    token,
    requests,
    applied,
    runs,
    upsertPod(p) {
      const full = pod(p.name, p.namespace, p);
      if (!pods.has(p.namespace)) pods.set(p.namespace, new Map());
      pods.get(p.namespace)!.set(p.name, full);
      publish(resourcesTopic('Pod', p.namespace), { op: 'upsert', item: full });
    },
    deletePod(namespace, name) {
      pods.get(namespace)?.delete(name);
      publish(resourcesTopic('Pod', namespace), { op: 'delete', name });
    },
    stop,
    start: listen,
    async close() {
      clearInterval(traffic);
      await stop();
      wss.close();
    },
  };
}
