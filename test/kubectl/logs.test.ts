import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { until } from '../helpers/until.ts';

const m = (p: string) => join(resolve(import.meta.dirname, '../..'), 'manifests', p);

/** Istio's default access-log line, field by field (the values this cluster can vary are patterns). */
const ACCESS_LINE =
  /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\] "(\S+) (\S+) HTTP\/1\.1" (\d{3}) (\S+) (\S+) - "-" (\d+) (\d+) (\d+) (\S+) "([^"]*)" "([^"]*)" "([0-9a-f-]{36})" "([^"]+)" "([^"]+)" (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)$/;

/** The real kubectl's `logs` against the embedded cluster: the apps' and proxies' lines, and each flag. */
describe('kubectl logs on the embedded cluster', () => {
  const fixture = clusterWithKubectl(0.05);
  let dir: string;
  const kubectl = (args: string[]) => fixture.kubectl.run(args);
  const inCurl = (...args: string[]) => fixture.kubectl.run(['exec', 'deploy/curl', '-c', 'curl', '--', 'curl', ...args]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logs-test-'));
    writeFileSync(join(dir, 'kubeconfig'), fixture.cluster.kubeconfig, { mode: 0o600 });
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    await fixture.kubectl.ok(['apply', '-f', m('bookinfo/bookinfo.yaml'), '-f', m('curl/curl.yaml'), '-f', m('httpbin/httpbin.yaml'), '-f', m('networking/bookinfo-gateway.yaml')]);
    await fixture.kubectl.ok(['wait', '--for=condition=Available', 'deployment', '--all', '--timeout=60s'], { timeoutMs: 70_000 });
  }, 90_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("access-log task: the curl sample's and httpbin's proxies each log the request, with the same request id", async () => {
    const r = await inCurl('-sS', '-v', 'httpbin:8000/status/418');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('> GET /status/418 HTTP/1.1\n> Host: httpbin:8000\n> User-Agent: curl/8.16.0\n> Accept: */*\n');
    expect(r.stderr).toContain('< HTTP/1.1 418');
    const client = (await fixture.kubectl.ok(['logs', '-l', 'app=curl', '-c', 'istio-proxy'])).trim().split('\n').filter((l) => l.includes('/status/418'));
    const server = (await fixture.kubectl.ok(['logs', '-l', 'app=httpbin', '-c', 'istio-proxy'])).trim().split('\n').filter((l) => l.includes('/status/418'));
    expect(client).toHaveLength(1);
    expect(server).toHaveLength(1);
    const c = ACCESS_LINE.exec(client[0])!;
    const s = ACCESS_LINE.exec(server[0])!;
    expect(c, client[0]).not.toBeNull();
    expect(s, server[0]).not.toBeNull();
    expect([c[2], c[3], c[4], c[5], c[6]]).toEqual(['GET', '/status/418', '418', '-', 'via_upstream']);
    expect([c[12], c[14], c[16]]).toEqual(['curl/8.16.0', 'httpbin:8000', 'outbound|8000||httpbin.default.svc.cluster.local']);
    expect(c[20]).toBe('-');
    expect(c[21]).toBe('default');
    expect([s[16], s[20], s[21]]).toEqual(['inbound|8080||', 'outbound_.8000_._.httpbin.default.svc.cluster.local', 'default']);
    expect(s[17]).toMatch(/^127\.0\.0\.6:\d+$/);
    expect(s[13]).toBe(c[13]);
    // The client's source address is the server's peer.
    expect(s[19]).toBe(c[17]);
    // httpbin's own log has the request too.
    expect(await fixture.kubectl.ok(['logs', 'deploy/httpbin'])).toMatch(/msg="418 GET \/status\/418 [\d.]+ms" status=418 method=GET uri=\/status\/418 .* user_agent=curl\/8\.16\.0 client_ip=127\.0\.0\.6/);
  });

  it('access logging follows meshConfig.accessLogFile in the istio ConfigMap, and its JSON encoding', async () => {
    const mesh = await fixture.kubectl.ok(['-n', 'istio-system', 'get', 'configmap', 'istio', '-o', 'jsonpath={.data.mesh}']);
    expect(mesh).toContain('accessLogFile: /dev/stdout');
    const setMesh = (text: string) => fixture.kubectl.ok(['-n', 'istio-system', 'patch', 'configmap', 'istio', '--type', 'merge', '-p', JSON.stringify({ data: { mesh: text } })]);
    const proxyLines = async (path: string) => (await fixture.kubectl.ok(['logs', 'deploy/httpbin', '-c', 'istio-proxy'])).split('\n').filter((l) => l.includes(path));
    try {
      await setMesh(mesh.replace('accessLogFile: /dev/stdout', 'accessLogFile: ""'));
      await inCurl('-s', 'httpbin:8000/status/201');
      expect(await proxyLines('/status/201')).toEqual([]);
      await setMesh(`${mesh}\naccessLogEncoding: JSON`);
      await inCurl('-s', 'httpbin:8000/status/202');
      const [json] = await proxyLines('/status/202');
      expect(JSON.parse(json)).toMatchObject({ method: 'GET', path: '/status/202', response_code: 202, response_flags: null, upstream_cluster: 'inbound|8080||', authority: 'httpbin:8000', user_agent: 'curl/8.16.0' });
    } finally {
      await setMesh(mesh);
    }
  });

  it("Bookinfo's apps log what they serve as the real images do", async () => {
    await inCurl('-s', '-o', '/dev/null', 'http://productpage:9080/productpage');
    await inCurl('-s', 'http://ratings:9080/ratings/7');
    const productpage = await fixture.kubectl.ok(['logs', 'deploy/productpage-v1']);
    expect(productpage).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\] \[1\] \[INFO\] Listening at: http:\/\/\[::\]:9080 \(1\)$/m);
    expect(productpage.match(/\[INFO\] Booting worker with pid: \d+/g)).toHaveLength(8);
    expect(productpage).toContain('DEBUG:urllib3.connectionpool:http://details:9080 "GET /details/0 HTTP/1.1" 200 178');
    const details = await fixture.kubectl.ok(['logs', 'deploy/details-v1']);
    expect(details).toMatch(/^\[[\d-]+ [\d:]+\] INFO  WEBrick::HTTPServer#start: pid=1 port=9080$/m);
    expect(details).toMatch(/^127\.0\.0\.6 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d UTC\] "GET \/details\/0 HTTP\/1\.1" 200 178\n- -> \/details\/0$/m);
    expect(await fixture.kubectl.ok(['logs', 'deploy/ratings-v1'])).toMatch(/^Server listening on: http:\/\/0\.0\.0\.0:9080\n(GET \/ratings\/\d+\n)*GET \/ratings\/7\n/);
    // -l fans out over the three reviews pods (kubectl reads the last 10 lines of each).
    const reviews = await fixture.kubectl.ok(['logs', '-l', 'app=reviews']);
    expect(reviews.match(/CWWKF0011I: The defaultServer server is ready to run a smarter planet\./g)).toHaveLength(3);
  });

  it('the ingress gateway logs each request of the distributed-tracing loop, and productpage\'s sidecar the same ids', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${fixture.cluster.gatewayUrl}/productpage`, { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
      await res.text();
    }
    const gateway = (await fixture.kubectl.ok(['logs', '-n', 'istio-system', 'deploy/istio-ingressgateway', '--tail=10'])).trim().split('\n');
    expect(gateway).toHaveLength(10);
    const ids = gateway.map((line) => {
      const f = ACCESS_LINE.exec(line)!;
      expect(f, line).not.toBeNull();
      expect([f[3], f[4], f[16], f[21]]).toEqual(['/productpage', '200', 'outbound|9080||productpage.default.svc.cluster.local', '-']);
      return f[13];
    });
    const sidecar = await fixture.kubectl.ok(['logs', 'deploy/productpage-v1', '-c', 'istio-proxy']);
    for (const id of ids) expect(sidecar).toMatch(new RegExp(`"GET /productpage HTTP/1.1" 200 - via_upstream .*"${id}".* inbound\\|9080\\|\\| `));
  });

  it('--tail, --timestamps, --since, --since-time and --limit-bytes cut the log as the kubelet does', async () => {
    const all = (await fixture.kubectl.ok(['logs', 'deploy/details-v1'])).split('\n').filter(Boolean);
    expect((await fixture.kubectl.ok(['logs', 'deploy/details-v1', '--tail=2'])).split('\n').filter(Boolean)).toEqual(all.slice(-2));
    expect(await fixture.kubectl.ok(['logs', 'deploy/details-v1', '--tail=0'])).toBe('');
    const stamped = (await fixture.kubectl.ok(['logs', 'deploy/details-v1', '--timestamps'])).split('\n').filter(Boolean);
    expect(stamped.map((l) => l.replace(/^\S+ /, ''))).toEqual(all);
    for (const l of stamped) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /);
    const last = Date.parse(stamped.at(-1)!.split(' ')[0]);
    expect(Math.abs(last - fixture.cluster.clock.now())).toBeLessThan(24 * 3600_000);
    expect(await fixture.kubectl.ok(['logs', 'deploy/details-v1', '--since=1000h'])).toBe(`${all.join('\n')}\n`);
    expect(await fixture.kubectl.ok(['logs', 'deploy/details-v1', `--since-time=${new Date(last + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z')}`])).toBe('');
    expect(await fixture.kubectl.ok(['logs', 'deploy/details-v1', `--since-time=${new Date(Date.parse(stamped[0].split(' ')[0]) - 1000).toISOString().replace(/\.\d+Z$/, 'Z')}`])).toBe(`${all.join('\n')}\n`);
    expect(await fixture.kubectl.ok(['logs', 'deploy/details-v1', '--limit-bytes=12'])).toBe(`${all.join('\n')}\n`.slice(0, 12));
  });

  it('-c, --all-containers with --prefix, --previous and a wrong container answer as on a cluster', async () => {
    const both = await fixture.kubectl.ok(['logs', 'deploy/ratings-v1', '--all-containers', '--prefix']);
    const pod = /\[pod\/(ratings-v1-\S+)\/ratings\] Server listening on/.exec(both)?.[1];
    expect(pod).toBeDefined();
    expect(both).toContain(`[pod/${pod}/istio-proxy] `);
    expect(both).toMatch(/\tinfo\tEnvoy proxy is ready/);
    expect(await fixture.kubectl.ok(['logs', pod!, '-c', 'istio-init', '--tail=-1'])).toMatch(/^\S+Z\tinfo\tIstio iptables environment:\n[\s\S]*^-A ISTIO_OUTPUT -j ISTIO_REDIRECT\nCOMMIT$/m);
    const previous = await kubectl(['logs', 'deploy/ratings-v1', '--previous']);
    expect(previous.code).toBe(1);
    expect(previous.stderr).toBe(`Error from server (BadRequest): previous terminated container "ratings" in pod "${pod}" not found\n`);
    const wrong = await kubectl(['logs', pod!, '-c', 'nope']);
    // kubectl checks the container itself (the API server's own answer is in the unit tests).
    expect(wrong.stderr).toBe(`error: container nope is not valid for pod ${pod}\n`);
    const missing = await kubectl(['logs', 'no-such-pod']);
    expect(missing.stderr).toBe('error: error from server (NotFound): pods "no-such-pod" not found in namespace "default"\n');
  });

  it("request-routing's sign-in: curl's cookie jar keeps jason's session between two kubectl exec calls", async () => {
    const login = await inCurl('-s', '-o', '/dev/null', '-w', '%{http_code}', '-c', '/tmp/cookies.txt', 'http://productpage:9080/login', '--data', 'username=jason&passwd=password');
    expect(login).toEqual({ code: 0, stdout: '302', stderr: '' });
    const page = await inCurl('-s', '-b', '/tmp/cookies.txt', 'http://productpage:9080/productpage');
    expect(page.stdout).toContain('jason');
    // The jar as curl wrote it (`-c -` prints it).
    const jar = await inCurl('-s', '-o', '/dev/null', '-b', '/tmp/cookies.txt', '-c', '-', 'http://productpage:9080/productpage');
    expect(jar.stdout).toMatch(/^# Netscape HTTP Cookie File\n[\s\S]*^#HttpOnly_productpage\tFALSE\t\/\tFALSE\t0\tsession\t\S+$/m);
    const other = await fixture.kubectl.run(['exec', 'deploy/curl', '-c', 'curl', '--', 'curl', '-s', '-b', '/tmp/none.txt', 'http://productpage:9080/productpage']);
    expect(other.stdout).not.toContain('jason');
  });

  it('-f streams new lines until kubectl is stopped', async () => {
    const child = spawn('kubectl', ['logs', '-f', 'deploy/ratings-v1', '--tail=1'], { env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache'), HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      await until(() => out.length > 0, 'kubectl logs -f printed the last line');
      await inCurl('-s', 'http://ratings:9080/ratings/42');
      await until(() => out.includes('GET /ratings/42\n'), 'kubectl logs -f printed the new request');
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
