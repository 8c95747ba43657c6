/**
 * The sample pods' curl, run as `kubectl exec … -- curl …` would: what it prints on each
 * stream, the files it leaves in the container, and its exit codes, against the simulated mesh.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { createMesh, type Mesh } from '../../server/embedded/mesh/index.ts';
import { ContainerFs } from '../../server/embedded/workloads/container-fs.ts';
import { curlCommand } from '../../server/embedded/workloads/curl-cli.ts';
import { SpanCollector, apply, bookinfoStore, manifest, podsFor } from '../helpers/mesh-fixtures.ts';

let mesh: Mesh;
let fs: ContainerFs;
beforeEach(() => {
  const clock = new ScaledClock(0.01);
  const store = bookinfoStore(clock);
  const samples = [...manifest('curl/curl.yaml'), ...manifest('httpbin/httpbin.yaml')];
  apply(store, samples.filter((o) => o.kind !== 'Deployment'));
  podsFor(store, samples);
  mesh = createMesh({ store, clock, spans: new SpanCollector() });
  fs = new ContainerFs();
});
afterEach(() => mesh.stop());

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (d: string | Buffer) => void (stdout += d), stderr: (d: string | Buffer) => void (stderr += d), signal: new AbortController().signal };
  const code = await curlCommand(mesh, { workload: 'curl' }, argv, io, fs);
  return { code, stdout, stderr };
}

describe('curl in the curl sample', () => {
  it('signs in with a cookie jar (-c), sends it back (-b), and the jar is the Netscape file curl writes', async () => {
    const login = await run('-s', '-c', 'cookies.txt', 'http://productpage:9080/login', '--data', 'username=jason&passwd=password');
    expect(login.code).toBe(0);
    const jar = fs.read('/home/curl_user/cookies.txt');
    expect(jar.startsWith('# Netscape HTTP Cookie File\n')).toBe(true);
    expect(jar).toMatch(/^#HttpOnly_productpage\tFALSE\t\/\tFALSE\t0\tsession\t\S+$/m);
    const page = await run('-s', '-b', 'cookies.txt', 'http://productpage:9080/productpage');
    expect(page.stdout).toContain('jason');
    expect((await run('-s', 'http://productpage:9080/productpage')).stdout).not.toContain('jason');
    // Logging out expires the session cookie: curl drops it from the jar.
    await run('-s', '-b', 'cookies.txt', '-c', 'cookies.txt', 'http://productpage:9080/logout');
    expect(fs.read('cookies.txt')).not.toContain('session');
  });

  it('-w prints the variables, -o writes the body to a file or nowhere, -I and -i print the headers', async () => {
    const w = await run('-s', '-o', '/dev/null', '-w', '%{http_code} %{method} %{size_download} %{content_type} %{url_effective}\\n', 'httpbin:8000/status/418');
    expect(w).toEqual({ code: 0, stdout: '418 GET 13 text/plain http://httpbin:8000/status/418\n', stderr: '' });
    await run('-s', '-o', '/tmp/headers.json', 'http://httpbin:8000/headers');
    expect(JSON.parse(fs.read('/tmp/headers.json')).headers['User-Agent']).toEqual(['curl/8.16.0']);
    const head = await run('-sI', 'http://httpbin:8000/status/200');
    expect(head.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n(.+\r\n)+\r\n$/);
    expect(head.stdout).toContain('server: envoy\r\n');
    const include = await run('-si', 'http://details:9080/details/0');
    expect(include.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"id":0/);
  });

  it('-X, -H, -u and -A reach the server as sent', async () => {
    const r = await run('-s', '-X', 'PUT', '-H', 'X-Test: yes', '-H', 'Accept:', '-u', 'user:passwd', '-A', 'tester/1', 'http://httpbin:8000/put');
    const echoed = JSON.parse(r.stdout);
    expect(echoed.method).toBe('PUT');
    expect(echoed.headers['X-Test']).toEqual(['yes']);
    expect(echoed.headers.Accept).toBeUndefined();
    expect(echoed.headers['User-Agent']).toEqual(['tester/1']);
    expect(echoed.headers.Authorization).toEqual([`Basic ${Buffer.from('user:passwd').toString('base64')}`]);
  });

  it('-v shows the request and response lines on stderr', async () => {
    const r = await run('-sS', '-v', 'httpbin:8000/status/418');
    expect(r.stderr).toContain('> GET /status/418 HTTP/1.1\n> Host: httpbin:8000\n> User-Agent: curl/8.16.0\n> Accept: */*\n> \n');
    // The client's sidecar writes the status line with Envoy's phrases: it has none for 418.
    expect(r.stderr).toMatch(/\n< HTTP\/1\.1 418 Unknown\n(< .+\n)+< \n/);
    expect(r.stderr).toContain('\n< server: envoy\n');
  });

  it('-L follows redirects (and counts them for -w), -f fails on an error status', async () => {
    const plain = await run('-s', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', 'http://productpage:9080/logout');
    expect(plain.stdout).toBe('302 http://productpage:9080/productpage');
    // The login POST becomes a GET of the page it redirects to, as curl does after a 302.
    const r = await run('-s', '-L', '-w', '\\n%{http_code} %{num_redirects} %{method}', '-d', 'username=jason&passwd=password', 'http://productpage:9080/login');
    expect(r.stdout).toMatch(/<\/html>\s*\n200 1 GET$/);
    const fail = await run('-sSf', 'http://httpbin:8000/status/404');
    expect(fail).toEqual({ code: 22, stdout: '', stderr: 'curl: (22) The requested URL returned error: 404\n' });
  });

  it("exits as curl does: 6 for an unknown host, 3 for a bad URL, 2 for an unknown option, 26 for a missing -d file", async () => {
    expect(await run('-sS', 'http://nowhere:9080/')).toEqual({ code: 6, stdout: '', stderr: 'curl: (6) Could not resolve host: nowhere\n' });
    expect((await run('-s', 'http://nowhere:9080/')).stderr).toBe('');
    expect((await run('-sS', 'http://[bad')).code).toBe(3);
    const unknown = await run('--frobnicate', 'http://httpbin:8000/');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("curl: option --frobnicate: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n");
    expect((await run('-sS', '-d', '@missing.txt', 'http://httpbin:8000/post')).code).toBe(26);
    expect((await run('-sS', '-o', '/etc/out', 'http://httpbin:8000/get')).code).toBe(23);
  });

  it('--retry tries a 503 again with curl\'s backoff and its warning, then gives the last answer', async () => {
    const r = await run('-S', '-o', '/dev/null', '-w', '%{http_code}', '--retry', '2', 'http://httpbin:8000/status/503');
    expect(r.stdout).toBe('503');
    expect(r.stderr).toContain('Warning: Problem : HTTP error. Will retry in 1 second. 2 retries left.\n');
    expect(r.stderr).toContain('Warning: Problem : HTTP error. Will retry in 2 seconds. 1 retry left.\n');
    // A refused connection is retried only with --retry-connrefused.
    expect((await run('-S', '--retry', '1', 'http://httpbin:9999/')).stderr).not.toContain('Will retry');
    expect((await run('-S', '--retry', '1', '--retry-connrefused', 'http://httpbin:9999/')).stderr).toContain('Warning: Problem : connection refused. Will retry in 1 second. 1 retry left.');
  });

  it('-m gives up with exit 28 and the time it waited', async () => {
    const r = await run('-sS', '-m', '0.5', '-w', '%{http_code}', 'http://httpbin:8000/delay/3');
    expect(r.code).toBe(28);
    expect(r.stdout).toBe('000');
    expect(r.stderr).toBe('curl: (28) Operation timed out after 500 milliseconds with 0 bytes received\n');
  });
});
