import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import express from 'express';
import { ScaledClock } from './clock.ts';
import type { DeckConfig } from './config.ts';
import { ClusterConnection } from './cluster/connection.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from './embedded/cluster.ts';
import type { ClusterSession } from './hub/cluster-session.ts';
import { connectTarget, probeApi, startEmbeddedTarget } from './cluster-target.ts';
import { Failover } from './failover.ts';
import { failoverRouter } from './failover-route.ts';
import { WebSocketHub } from './hub/ws-server.ts';
import { AllowedHosts } from './hub/allowed-hosts.ts';
import { tokenMatches } from './api/auth.ts';
import { gatewayProxy, sandboxGatewayProxy } from './api/gateway-proxy.ts';
import { inputErrorHandler, requireOriginForm } from './api/input-errors.ts';
import { apiRouter, type ApiTarget } from './api/routes.ts';
import { proxyCostsHandler } from './api/proxy-costs.ts';
import { PROXY_COSTS_PATH } from './protocol.ts';
import { applyScene, loadScenes } from './api/scenes.ts';
import { SandboxPool, type SandboxBudget } from './sandboxes.ts';
import { writeStateFiles } from './state-dir.ts';
import { staticAssets } from './static-assets.ts';

export interface RunningDeck {
  url: string;
  presenterUrl: string;
  token: string;
  mode: 'embedded' | 'real';
  embedded?: EmbeddedCluster;
  kubeconfigPath?: string;
  hub: WebSocketHub;
  session: ClusterSession;
  /** A real cluster only: the safety net that can move the deck to an embedded cluster and back. */
  failover?: Failover;
  sandboxes: SandboxPool;
  stop(): Promise<void>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Project root: where manifests/ and dist/client live. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');

export async function startDeck(config: DeckConfig): Promise<RunningDeck> {
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await Promise.resolve(s()).catch((err) => console.error('stop failed:', err));
  };
  try {
    const token = config.token ?? randomBytes(18).toString('base64url');
    let embedded: EmbeddedCluster | undefined;
    let connection: ClusterConnection;
    if (!config.kubeconfig && !config.inCluster) {
      embedded = await startEmbeddedCluster({ clock: new ScaledClock(config.timeScale), hostPorts: config.embeddedHostPorts });
      stops.push(() => embedded!.stop());
      connection = new ClusterConnection({ mode: 'embedded', kubeconfigText: embedded.kubeconfig });
    } else {
      connection = new ClusterConnection({ mode: 'real', kubeconfigPath: config.kubeconfig, context: config.context, inCluster: config.inCluster });
    }
    const mode = embedded ? 'embedded' : 'real';
    const main = connectTarget(connection, mode, config.namespaces, token, config.jaegerUrl, embedded?.clock, config.changeKinds);
    stops.push(() => main.close());
    // Replicas of the deck on one real cluster follow one presenter. The embedded cluster
    // belongs to this process alone, so its state stays here (and out of the talk's kubectl output).
    if (mode === 'real') main.session.shareStateThrough(config.stateNamespace, { replica: `${process.env.HOSTNAME || hostname()}-${randomBytes(3).toString('hex')}` });

    const scenes = loadScenes(PROJECT_ROOT);
    // The hub starts after the routes; a removed sandbox's sockets are ended through it.
    let hubRef: WebSocketHub | undefined;
    const failover = mode === 'real' ? new Failover({
      real: main,
      startEmbedded: () => startEmbeddedTarget({ timeScale: config.timeScale, namespaces: config.namespaces, token, changeKinds: config.changeKinds }),
      bringToScene: async (target, name, api) => {
        const scene = scenes.find((s) => s.name === name);
        if (!scene) throw new Error(`no scene named "${name}"`);
        await applyScene(target.connection, target.policy, PROJECT_ROOT, scene, { dryRun: false, mode: 'reset', api });
      },
      moveSockets: (from, to) => hubRef?.moveSource(from, to),
      probe: probeApi,
      unreachableAfterMs: config.failoverAfterMs,
    }) : undefined;
    if (failover) {
      failover.start();
      stops.push(() => failover.stop());
    }
    /** The presenter's cluster as the deck shows it now: the real one, or the embedded safety net. */
    const current = () => failover?.active ?? main;
    const sandboxes = new SandboxPool({
      max: config.maxSandboxes,
      idleMs: config.sandboxIdleMinutes * 60_000,
      createsPerMinute: config.sandboxCreatesPerMinute,
      namespaces: config.namespaces,
      timeScale: config.timeScale,
      budget: sandboxBudget(config),
      onStopped: (session, reason) => hubRef?.closeSource(session, reason),
    });
    stops.push(() => sandboxes.stopAll());

    const app = express();
    app.disable('x-powered-by');
    app.use(requireOriginForm);
    app.use((_req, res, next) => {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      next();
    });
    // A page on a DNS-rebound name counts as the deck's own origin in the browser. It never
    // has the token, but could still start sandboxes: browsers send Origin with every
    // state-changing request, so those must come from a host the deck serves.
    const allowedHosts = new AllowedHosts(config.host, config.allowedHosts);
    app.use((req, res, next) => {
      if (SAFE_METHODS.has(req.method) || !req.headers.origin || allowedHosts.allowsRequest(req.headers)) return next();
      res.status(403).json({ error: `request from a page on a host this deck does not serve (Host ${String(req.headers.host).slice(0, 100)}, Origin ${req.headers.origin.slice(0, 100)}): add the name with --allowed-hosts` });
    });
    const targetOf = (req: express.Request): ApiTarget | undefined => {
      const id = req.get('x-deck-sandbox');
      return id ? sandboxes.touch(id) : current();
    };
    // A sandbox evicted for its budget: its attendee's next call says why.
    app.use('/api', (req, res, next) => {
      const id = req.get('x-deck-sandbox');
      const why = id && !sandboxes.touch(id) ? sandboxes.endedReason(id) : undefined;
      if (why) return res.status(404).json({ error: `no such sandbox: it was evicted, ${why}`, evicted: why });
      next();
    });
    app.get(PROXY_COSTS_PATH, proxyCostsHandler(embedded && (() => embedded!.proxyCosts()), connection.name));
    if (failover) app.use('/api', failoverRouter({ failover, token, scenes }));
    app.use(
      '/api',
      apiRouter({
        root: PROJECT_ROOT,
        scenes,
        target: targetOf,
        createSandbox: (from) => sandboxes.request(from),
        deleteSandbox: (id, t) => sandboxes.remove(id, t),
        leaveSandboxLine: (client) => sandboxes.leaveLine(client),
      }),
    );
    app.use('/gateway', gatewayProxy(() => current().gatewayUrl()));
    app.use('/sandbox-gateway/:id', sandboxGatewayProxy((id) => sandboxes.touch(id)?.gatewayUrl));
    const clientDir = resolve(PROJECT_ROOT, config.clientDir);
    if (existsSync(join(clientDir, 'index.html'))) {
      app.use(staticAssets(clientDir));
    } else {
      app.get('/', (_req, res) => res.status(503).type('text/plain').send(`The deck's client is not built: run "npm run build" (looked in ${clientDir}).`));
    }
    app.use(inputErrorHandler);

    const server = http.createServer(app);
    server.headersTimeout = 20_000;
    server.requestTimeout = 120_000;
    const hub = (hubRef = new WebSocketHub(server, {
      allowedHosts,
      authorize: (_req, url) => {
        const sandboxId = url.searchParams.get('sandbox');
        const given = url.searchParams.get('token');
        if (sandboxId) {
          const t = sandboxes.touch(sandboxId);
          if (!t) return { error: 'no such sandbox', status: 404 };
          if (!tokenMatches(given, t.token)) return { error: 'wrong sandbox token', status: 403 };
          return { role: 'presenter', source: t.session };
        }
        if (given && !tokenMatches(given, token)) return { error: 'wrong presenter token', status: 403 };
        return { role: given ? 'presenter' : 'audience', source: current().session };
      },
    }));
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(config.port, config.host, () => res());
    });
    stops.push(() => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }));
    // Upgraded sockets keep the HTTP server open: end them first (stops run in reverse).
    stops.push(() => hub.close());
    const { port } = server.address() as AddressInfo;
    const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
    const url = `http://${hostForUrl}:${port}/`;
    const presenterUrl = `${url}?token=${token}`;

    let kubeconfigPath: string | undefined;
    if (embedded) {
      kubeconfigPath = writeStateFiles(config.stateDir, embedded.kubeconfig, {
        deck: url,
        presenter: presenterUrl,
        apiServer: embedded.apiServerUrl,
        gateway: embedded.gatewayUrl,
        jaeger: embedded.jaegerUrl,
      }).kubeconfigPath;
    }
    return { url, presenterUrl, token, mode, embedded, kubeconfigPath, hub, session: main.session, failover, sandboxes, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The config's sandbox budgets; the CPU window is short enough to catch a burst, and fits the eviction delay. */
function sandboxBudget(config: DeckConfig): SandboxBudget {
  const evictMs = config.sandboxCpuEvictSeconds * 1000;
  return {
    memoryMb: config.sandboxMemoryMb,
    cpuLimit: config.sandboxCpuPercent / 100,
    cpuWindowMs: Math.min(5000, Math.max(250, evictMs / 6)),
    cpuEvictAfterMs: evictMs,
  };
}
