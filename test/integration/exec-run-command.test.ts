import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/until.ts';
import { defaultChangePolicy } from '../../server/api/apply.ts';
import { runTalkCommand } from '../../server/api/run-command.ts';
import { ScaledClock } from '../../server/clock.ts';
import { ClusterConnection } from '../../server/cluster/connection.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../server/embedded/cluster.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** The Run button on the circuit-breaking and mTLS slides: the slides' exact commands, through client-node. */
describe('Run button: kubectl exec on the embedded cluster', () => {
  let cluster: EmbeddedCluster;
  let connection: ClusterConnection;
  const policy = defaultChangePolicy(['default']);
  const run = (command: string) => runTalkCommand(connection, policy, ROOT, command);

  async function ok(command: string): Promise<string> {
    const r = await run(command);
    if (r.exitCode !== 0) throw new Error(`${command} failed (${r.exitCode}):\n${r.output}`);
    return r.output;
  }

  async function waitForReady(deployments: string[], ms = 30_000): Promise<void> {
    await until(async () => {
      const list = await connection.apps.listNamespacedDeployment({ namespace: 'default' });
      const ready = new Set(list.items.filter((d) => (d.status?.readyReplicas ?? 0) >= 1).map((d) => d.metadata!.name));
      return deployments.every((d) => ready.has(d));
    }, `deployments ${deployments.join(', ')} ready within ${ms} ms`, ms);
  }

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ clock: new ScaledClock(0.1) });
    connection = new ClusterConnection({ mode: 'embedded', kubeconfigText: cluster.kubeconfig });
    await ok('kubectl label namespace default istio-injection=enabled');
    await ok('kubectl apply -f manifests/bookinfo/bookinfo.yaml -f manifests/httpbin/httpbin.yaml -f manifests/httpbin/fortio.yaml -f manifests/sleep/sleep.yaml -f manifests/sleep/sleep-legacy.yaml');
    await waitForReady(['productpage-v1', 'details-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3', 'ratings-v1', 'httpbin', 'fortio-deploy', 'sleep', 'sleep-legacy']);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('slide 27: fortio load through the circuit breaker shows 503s, and the sidecar counts the overflow', async () => {
    await ok('kubectl apply -f manifests/httpbin/destination-rule-httpbin-cb.yaml');
    const c2 = await ok('kubectl exec deploy/fortio-deploy -c fortio -- /usr/bin/fortio load -c 2 -qps 0 -n 20 -loglevel Warning http://httpbin:8000/get');
    expect(c2).toMatch(/^Fortio \S+ running at 0 queries per second, .* for 20 calls: http:\/\/httpbin:8000\/get$/m);
    expect(c2).toContain('Starting at max qps with 2 thread(s) [gomax 2] for exactly 20 calls (10 per thread + 0)');
    const codes2 = codeLines(c2);
    expect(codes2[200]).toBeGreaterThan(0);
    expect(Object.values(codes2).reduce((a, b) => a + b, 0)).toBe(20);
    expect(c2).toMatch(/^All done 20 calls \(plus 0 warmup\) [\d.]+ ms avg, [\d.]+ qps$/m);

    const c3 = await ok('kubectl exec deploy/fortio-deploy -c fortio -- /usr/bin/fortio load -c 3 -qps 0 -n 30 -loglevel Warning http://httpbin:8000/get');
    const codes3 = codeLines(c3);
    expect(codes3[503]).toBeGreaterThan(0);
    expect(codes3[200] + codes3[503]).toBe(30);
    // Each 503 is logged as a warning at -loglevel Warning, like fortio does.
    expect(c3.match(/ W http_client\.go:\d+> Non ok http code 503/g)?.length).toBe(codes3[503]);
    expect(c3).toMatch(new RegExp(`^Code 503 : ${codes3[503]} \\(${((100 * codes3[503]) / 30).toFixed(1)} %\\)$`, 'm'));

    const stats = await run('kubectl exec deploy/fortio-deploy -c istio-proxy -- pilot-agent request GET stats | grep httpbin | grep pending');
    expect(stats.exitCode).toBe(0);
    const lines = stats.output.split('\n');
    expect(lines.every((l) => l.startsWith('cluster.outbound|8000||httpbin.default.svc.cluster.local;.') && l.includes('pending'))).toBe(true);
    const overflow = Number(/upstream_rq_pending_overflow: (\d+)$/m.exec(stats.output)?.[1]);
    expect(overflow).toBeGreaterThanOrEqual(codes3[503]);
    expect(stats.output).toMatch(/upstream_rq_pending_total: \d+$/m);
  }, 60_000);

  it('fortio curl shows the sidecar\'s answer; fortio load -t runs for a simulated duration at the asked rate', async () => {
    const single = await ok('kubectl exec deploy/fortio-deploy -c fortio -- /usr/bin/fortio curl -quiet http://httpbin:8000/get');
    expect(single).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(single).toMatch(/^server: envoy\r$/m);
    const timed = await ok('kubectl exec deploy/fortio-deploy -c fortio -- fortio load -c 1 -qps 50 -t 2s -loglevel Error http://httpbin:8000/status/418');
    expect(timed).toContain('Starting at 50 qps with 1 thread(s) [gomax 2] for 2s');
    const calls = Number(/^Ended after [\d.]+ms : (\d+) calls\./m.exec(timed)?.[1]);
    // 50 qps for 2 simulated seconds: never more than 100 calls (unpaced, it would be hundreds); a
    // stalled event loop can only lose some of them, so the lower bound is loose.
    expect(calls).toBeGreaterThanOrEqual(20);
    expect(calls).toBeLessThanOrEqual(100);
    expect(codeLines(timed)).toEqual({ 418: calls });
    expect(timed).not.toContain('Non ok http code');
  }, 60_000);

  it('slide 28: under STRICT mTLS the sleep pod with a sidecar gets 200, sleep-legacy has its connection reset', async () => {
    await ok('kubectl apply -f manifests/security/peer-authentication-strict.yaml');
    const withSidecar = await run('kubectl exec deploy/sleep -c sleep -- curl -sS -o /dev/null -w "%{http_code}" http://productpage:9080/productpage');
    expect(withSidecar).toEqual({ output: '200', exitCode: 0 });
    const legacy = await run('kubectl exec deploy/sleep-legacy -- curl -sS -o /dev/null -w "%{http_code}" http://productpage:9080/productpage');
    expect(legacy.exitCode).toBe(56);
    expect(legacy.output).toBe('curl: (56) Recv failure: Connection reset by peer\n000\ncommand terminated with exit code 56');

    await ok('kubectl apply -f manifests/security/peer-authentication-permissive.yaml');
    expect(await run('kubectl exec deploy/sleep-legacy -- curl -sS -o /dev/null -w "%{http_code}" http://productpage:9080/productpage')).toEqual({ output: '200', exitCode: 0 });
  }, 60_000);

  it('defaults the container like kubectl, and says what is wrong with a bad target, container or command', async () => {
    // The injector's kubectl.kubernetes.io/default-container annotation picks "sleep" without a note.
    expect(await run('kubectl exec deploy/sleep -- curl -s http://httpbin:8000/status/418')).toEqual({ output: "I'm a teapot!", exitCode: 0 });
    expect(await run('kubectl exec deploy/nope -- curl -s http://httpbin:8000/get')).toEqual({ output: 'Error from server (NotFound): deployments.apps "nope" not found', exitCode: 1 });
    const badContainer = await run('kubectl exec deploy/sleep -c nope -- curl -s http://httpbin:8000/get');
    expect(badContainer.output).toMatch(/^Error from server \(BadRequest\): container nope is not valid for pod sleep-/);
    const missing = await run('kubectl exec deploy/sleep -c sleep -- bash -c "echo hi"');
    expect(missing.exitCode).toBe(126);
    expect(missing.output).toContain('exec: "bash": executable file not found in $PATH');
    expect(missing.output).toMatch(/command terminated with exit code 126$/);
    expect((await run('kubectl exec -it deploy/sleep -- curl http://httpbin:8000/get')).output).toMatch(/needs a terminal/);
    expect(await run('kubectl exec deploy/sleep -c sleep -- curl -s http://httpbin:8000/get | grep nothing-like-this')).toEqual({ output: '', exitCode: 1 });
    expect((await run('kubectl exec deploy/sleep -c sleep -- curl -s http://httpbin:8000/get | sort')).output).toMatch(/only "\| grep PATTERN"/);
  }, 60_000);

  it('grep -E "(a+)+$" over 40 a’s answers at once, with grep’s status through the pipeline', async () => {
    // A backtracking grep would need 2^40 steps on the url line; the test would time out.
    const as = 'a'.repeat(40);
    const get = `kubectl exec deploy/sleep -c sleep -- curl -s "http://httpbin:8000/get?x=${as}!"`;
    expect(await run(`${get} | grep -E '(a+)+$'`)).toEqual({ output: '', exitCode: 1 });
    const found = await run(`${get} | grep -oE '(a+)+!' | grep -c a`);
    expect(found).toEqual({ output: '2', exitCode: 0 });
    const bad = await run(`${get} | grep -E '(a)\\1'`);
    expect(bad.exitCode).toBe(2);
    expect(bad.output).toMatch(/^grep: back-references \(\\1\) need a backtracking matcher/);
    // The status is the last command's (grep found nothing on kubectl's empty stdout); kubectl's error still shows.
    expect(await run('kubectl get pods nope | grep nope')).toEqual({ output: 'Error from server (NotFound): pods "nope" not found', exitCode: 1 });
    const pods = await run('kubectl get pods | grep -c productpage');
    expect(pods).toEqual({ output: '1', exitCode: 0 });
  }, 60_000);

  it('returns kubectl’s exit status: 1 for NotFound, unknown flags and refused changes', async () => {
    expect(await run('kubectl get deployment nope')).toEqual({ output: 'Error from server (NotFound): deployments.apps "nope" not found', exitCode: 1 });
    expect(await run('kubectl get virtualservice nope -o yaml')).toEqual({ output: 'Error from server (NotFound): virtualservices.networking.istio.io "nope" not found', exitCode: 1 });
    expect(await run('kubectl exec pod/nope -- curl -s http://httpbin:8000/get')).toEqual({ output: 'Error from server (NotFound): pods "nope" not found', exitCode: 1 });
    expect(await run('kubectl get pods --bogus')).toEqual({ output: "error: unknown flag: --bogus\nSee 'kubectl get --help' for usage.", exitCode: 1 });
    expect(await run('kubectl get pods -z')).toEqual({ output: "error: unknown shorthand flag: 'z' in -z\nSee 'kubectl get --help' for usage.", exitCode: 1 });
    expect(await run('kubectl frobnicate pods')).toEqual({ output: 'error: unknown command "frobnicate" for "kubectl"', exitCode: 1 });
    expect(await run('kubectl apply -f manifests/nope.yaml')).toEqual({ output: 'error: the path "manifests/nope.yaml" does not exist', exitCode: 1 });
    expect(await run('kubectl label namespace default istio-injection=disabled')).toEqual({ output: "error: 'istio-injection' already has a value (enabled), and --overwrite is false", exitCode: 1 });
    expect(await run('kubectl label namespace default istio-injection=enabled')).toEqual({ output: 'namespace/default not labeled', exitCode: 0 });
    expect(await run('kubectl label namespace default a=b=c')).toEqual({ output: 'error: invalid label spec: a=b=c', exitCode: 1 });
    // A `&&` stops at the first failure and reports its status, as a shell does.
    const chained = await run('kubectl get pods nope && kubectl get svc');
    expect(chained.exitCode).toBe(1);
    expect(chained.output).not.toContain('productpage');
    // What kubectl has but the deck does not run is the deck's refusal (2), not kubectl's.
    expect((await run('kubectl get pods --watch')).exitCode).toBe(2);
    expect((await run('kubectl describe pods')).exitCode).toBe(2);
  }, 60_000);
});

/** `Code 200 : 17 (85.0 %)` lines → {200: 17}. */
function codeLines(output: string): Record<number, number> {
  const codes: Record<number, number> = {};
  for (const m of output.matchAll(/^Code (-?\d+) : (\d+) \([\d.]+ %\)$/gm)) codes[Number(m[1])] = Number(m[2]);
  return codes;
}
