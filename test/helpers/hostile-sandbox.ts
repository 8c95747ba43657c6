/**
 * Issue 11's class 1: the requests that each stalled the whole deck, made as an attendee in
 * their own sandbox, and a probe of the presenter's /api/health while they run. Shared by
 * test/integration/sandbox-isolation.test.ts and bench/hostile-sandbox.ts (no vitest here).
 */
import https from 'node:https';
import { parse } from 'yaml';
import type { SandboxPool } from '../../server/sandboxes.ts';

export interface SandboxAccess {
  base: string;
  id: string;
  token: string;
  /** The sandbox cluster's API, as kubectl with its kubeconfig reaches it. */
  kube: KubeRequest;
}

export type KubeRequest = (method: string, path: string, body?: unknown, contentType?: string) => Promise<{ status: number; text: string }>;

/** Requests to the API server of a kubeconfig (CA and bearer token), like kubectl's. */
export function kubeRequester(kubeconfig: string): KubeRequest {
  const config = parse(kubeconfig);
  const server = new URL(config.clusters[0].cluster.server);
  const ca = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64');
  const token = config.users[0].user.token as string;
  const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 16 });
  return (method, path, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = https.request({ host: server.hostname, port: server.port, path, method, agent, headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/json' } }, (res) => {
        // Only the start of an answer is kept: this client runs in the deck's process, and
        // gathering a huge answer would be its own cost, not the deck's.
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept < 1024 * 1024) chunks.push(c);
          kept += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
}

/** Headers an attendee's page sends to act on its sandbox. */
export const sandboxHeaders = (s: Pick<SandboxAccess, 'id' | 'token'>) => ({ 'x-deck-sandbox': s.id, authorization: `Bearer ${s.token}` });

/** A new sandbox on the deck at `base`, as an attendee starts one. */
export async function createSandbox(base: string, pool: SandboxPool): Promise<SandboxAccess> {
  const res = await fetch(`${base}/api/sandbox`, { method: 'POST' });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`could not create a sandbox: ${res.status} ${JSON.stringify(body)}`);
  return { base, id: body.id, token: body.token, kube: kubeRequester(pool.kubeconfigOf(body.id)!) };
}

/** POSTs YAML to the deck's API for the sandbox; the status and body. */
export async function deckPost(s: SandboxAccess, path: string, body: string, type = 'application/yaml', signal?: AbortSignal): Promise<{ status: number; text: string }> {
  const res = await fetch(`${s.base}${path}`, { method: 'POST', body, headers: { ...sandboxHeaders(s), 'content-type': type }, signal });
  return { status: res.status, text: await res.text() };
}

/** Bookinfo behind the gateway (the "gateway" scene) and the sleep pod, ready for the cases. */
export async function prepareSandbox(s: SandboxAccess, sleepYaml: string): Promise<void> {
  const scene = await deckPost(s, '/api/scene/gateway', JSON.stringify({ mode: 'reset' }), 'application/json');
  if (scene.status !== 200) throw new Error(`scene gateway: ${scene.status} ${scene.text.slice(0, 300)}`);
  const sleep = await deckPost(s, '/api/apply', sleepYaml);
  if (sleep.status !== 200) throw new Error(`sleep: ${sleep.status} ${sleep.text.slice(0, 300)}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await deckPost(s, '/api/run', JSON.stringify({ command: 'kubectl exec deploy/sleep -c sleep -- curl -sS -o /dev/null -w "%{http_code}" http://productpage:9080/productpage' }), 'application/json');
    if (r.status === 200 && JSON.parse(r.text).output.trim() === '200') return;
    if (Date.now() > deadline) throw new Error(`the sandbox's sleep pod never reached productpage: ${r.text.slice(0, 300)}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

const configMap = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });
const deployment = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: main, image: docker.io/curlimages/curl:8.16.0}]
`;

export interface HostileCase {
  name: string;
  /** True when the case needs a sandbox of its own (it may leave it unusable). */
  ownSandbox?: boolean;
  run(s: SandboxAccess, signal: AbortSignal): Promise<unknown>;
}

export const HOSTILE_CASES: HostileCase[] = [
  {
    name: "Run `grep -E '(a+)+$'` on 26 a's",
    run: (s, signal) =>
      deckPost(s, '/api/run', JSON.stringify({ command: `kubectl exec deploy/sleep -c sleep -- curl -sS -o /dev/null -w "${'a'.repeat(26)}!" http://productpage:9080/productpage | grep -E '(a+)+$'` }), 'application/json', signal),
  },
  {
    name: 'a VirtualService matching uri regex "/(a+)+", then a request of 27 a\'s through the sandbox gateway',
    run: async (s, signal) => {
      const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: regex-bomb}
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http:
  - match: [{uri: {regex: "/(a+)+"}}]
    route: [{destination: {host: productpage, port: {number: 9080}}}]
`;
      await deckPost(s, '/api/apply', vs, 'application/yaml', signal);
      const res = await fetch(`${s.base}/sandbox-gateway/${s.id}/${'a'.repeat(27)}!`, { signal });
      return { status: res.status, text: await res.text() };
    },
  },
  {
    name: 'a dry run of a 20,000-key ConfigMap',
    run: (s, signal) => {
      const data = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key-${i}`, `value-${i}`]));
      return deckPost(s, '/api/dry-run', JSON.stringify(configMap('many-keys', data)), 'application/yaml', signal);
    },
  },
  {
    name: 'a dry run of 10,000 small ConfigMap documents',
    run: (s, signal) => {
      const docs = Array.from({ length: 10_000 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}}\ndata: {k: v}\n`);
      return deckPost(s, '/api/dry-run', docs.join('---\n'), 'application/yaml', signal);
    },
  },
  {
    name: 'a strategic merge patch with 25,000 list items',
    run: (s) => {
      const env = Array.from({ length: 25_000 }, (_, i) => ({ name: `E${i}`, value: 'x' }));
      const patch = { spec: { template: { spec: { containers: [{ name: 'sleep', env }] } } } };
      return s.kube('PATCH', '/apis/apps/v1/namespaces/default/deployments/sleep?dryRun=All', patch, 'application/strategic-merge-patch+json');
    },
  },
  {
    name: "18 JSON-patch `copy` operations doubling an object",
    run: async (s) => {
      await s.kube('POST', '/api/v1/namespaces/default/configmaps', configMap('doubling', { a: 'b' }));
      const ops = [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }, ...Array.from({ length: 18 }, (_, i) => ({ op: 'copy', from: '/metadata/labels', path: `/metadata/labels/c${i}` }))];
      return s.kube('PATCH', '/api/v1/namespaces/default/configmaps/doubling?dryRun=All', ops, 'application/json-patch+json');
    },
  },
  { name: 'a Deployment with replicas 10000', ownSandbox: true, run: (s, signal) => deckPost(s, '/api/apply', deployment('ten-thousand', 10_000), 'application/yaml', signal) },
  { name: 'a Deployment with replicas 99999999999', ownSandbox: true, run: (s, signal) => deckPost(s, '/api/apply', deployment('too-many', 99_999_999_999), 'application/yaml', signal) },
];

export interface ProbeResult {
  /** Each /api/health round trip on the presenter's deck, ms. */
  probes: number[];
  worstMs: number;
  /** What the case's own request came to (status, or why it did not answer in time). */
  outcome: string;
}

/**
 * Runs `work` and, meanwhile and for at least `minMs` (the cluster keeps working after it
 * answers: pods, informers), asks the presenter's /api/health one request after another.
 * Gives up on `work` after `maxMs`: a stalled case must not stall the probe's report too.
 * It starts once the deck answers quickly again, so a case is not blamed for the one before.
 */
export async function probeHealthWhile(base: string, work: (signal: AbortSignal) => Promise<unknown>, opts: { minMs?: number; maxMs?: number } = {}): Promise<ProbeResult> {
  const { minMs = 2000, maxMs = 20_000 } = opts;
  await untilQuiet(base);
  const abort = new AbortController();
  let outcome = 'no answer in time';
  let done = false;
  const running = work(abort.signal).then(
    (r) => (outcome = describe(r)),
    (err) => (outcome = `failed: ${err instanceof Error ? err.message : String(err)}`),
  ).finally(() => (done = true));
  const probes: number[] = [];
  const start = performance.now();
  while ((!done || performance.now() - start < minMs) && performance.now() - start < maxMs) {
    const t = performance.now();
    await health(base);
    probes.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 25));
  }
  abort.abort();
  await Promise.race([running, new Promise((r) => setTimeout(r, 1000))]);
  return { probes, worstMs: Math.max(...probes), outcome };
}

/**
 * One GET /api/health. A kept-alive connection the server closes as the request goes out
 * fails with ECONNRESET before reaching it: that one is sent again, and timed as a whole.
 */
async function health(base: string): Promise<void> {
  try {
    await (await fetch(`${base}/api/health`)).text();
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw err;
    await (await fetch(`${base}/api/health`)).text();
  }
}

/** Waits (60 s at most) until three health probes in a row answer within 50 ms. */
export async function untilQuiet(base: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  for (let fast = 0; fast < 3 && performance.now() < deadline; ) {
    const t = performance.now();
    const ok = await fetch(`${base}/api/health`).then((r) => r.text(), () => undefined);
    fast = ok !== undefined && performance.now() - t < 50 ? fast + 1 : 0;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function describe(r: unknown): string {
  const x = r as { status?: number; text?: string } | undefined;
  return x?.status !== undefined ? `HTTP ${x.status}${x.text ? `: ${x.text.slice(0, 160)}` : ''}` : 'done';
}
