/**
 * The pieces behind `kubectl logs`: the query options as the API server reads and refuses
 * them, the kubelet's bounded log per container, and the line formats users recognise.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../server/embedded/apiserver/errors.ts';
import { logTimestamp, podLogOptions, selectLines } from '../../server/embedded/apiserver/pod-logs.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';
import { logFormatFor } from '../../server/embedded/apps/logs.ts';
import { accessLogEntry, formatAccessLogJson, formatAccessLogText } from '../../server/embedded/mesh/access-log.ts';
import type { SpanRecord } from '../../server/embedded/tracing/types.ts';
import { LogStore } from '../../server/embedded/workloads/log-store.ts';

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'ratings-v1-abc', namespace: 'default', uid: 'u1' },
  spec: { initContainers: [{ name: 'istio-init' }], containers: [{ name: 'ratings' }, { name: 'istio-proxy' }] },
};
const q = (s: string) => new URLSearchParams(s);
const refusal = (fn: () => unknown): { code: number; message: string } => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('not refused');
};

describe('pods/log query options', () => {
  it('reads follow, timestamps and previous as the API server does, whatever case the client spells them in', () => {
    const cases: Array<[string, boolean]> = [['', false], ['follow=False', false], ['follow=0', false], ['follow=True', true], ['follow=', true], ['follow=false&follow=true', false]];
    for (const [query, want] of cases) expect(podLogOptions(pod, q(`container=ratings&${query}`), 0).follow, query).toBe(want);
    // What the Python client sends.
    const opts = podLogOptions(pod, q('container=ratings&follow=True&timestamps=False&previous=False'), 0);
    expect([opts.follow, opts.timestamps, opts.previous]).toEqual([true, false, false]);
  });

  it('refuses bad values with the API server\'s words', () => {
    expect(refusal(() => podLogOptions(pod, q('container=ratings&tailLines=-1'), 0))).toEqual({ code: 422, message: 'PodLogOptions "ratings-v1-abc" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0' });
    expect(refusal(() => podLogOptions(pod, q('container=ratings&limitBytes=0'), 0)).message).toBe('PodLogOptions "ratings-v1-abc" is invalid: limitBytes: Invalid value: 0: must be greater than 0');
    expect(refusal(() => podLogOptions(pod, q('container=ratings&sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z'), 0)).message).toContain('at most one of `sinceTime` or `sinceSeconds` may be specified');
    expect(refusal(() => podLogOptions(pod, q('container=ratings&tailLines=ten'), 0))).toEqual({ code: 400, message: 'tailLines: Invalid value: "ten": must be an integer' });
    expect(refusal(() => podLogOptions(pod, q(''), 0))).toEqual({ code: 400, message: 'a container name must be specified for pod ratings-v1-abc, choose one of: [ratings istio-proxy] or one of the init containers: [istio-init]' });
    expect(refusal(() => podLogOptions(pod, q('container=nope'), 0))).toEqual({ code: 400, message: 'container nope is not valid for pod ratings-v1-abc' });
    expect(podLogOptions(pod, q('container=istio-init'), 0).container).toBe('istio-init');
  });

  it('since and tail select the kept lines; timestamps have nine fraction digits', () => {
    const lines = [1000, 2000, 3000, 4000].map((timeMs, i) => ({ timeMs, line: `line ${i}` }));
    expect(selectLines(lines, { tailLines: 2 }).map((l) => l.line)).toEqual(['line 2', 'line 3']);
    expect(selectLines(lines, { sinceMs: 2500 }).map((l) => l.line)).toEqual(['line 2', 'line 3']);
    expect(podLogOptions(pod, q('container=ratings&sinceSeconds=10'), 60_000).sinceMs).toBe(50_000);
    expect(logTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5, 6) + 0.789)).toBe('2026-01-02T03:04:05.006789000Z');
    expect(logTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02T03:04:05.000000000Z');
  });
});

describe('the kubelet-side log store', () => {
  it('keeps each container under its byte cap, dropping the oldest lines, as log rotation does', () => {
    const store = new LogStore(10_000);
    for (let i = 0; i < 1000; i++) store.write('u1', 'ratings', `${String(i).padStart(4, '0')} ${'x'.repeat(95)}`, i);
    const kept = store.read('u1', 'ratings');
    expect(kept.reduce((n, e) => n + e.line.length + 1, 0)).toBeLessThanOrEqual(10_000);
    expect(kept.length).toBeGreaterThan(90);
    expect(kept.at(-1)!.line.startsWith('0999 ')).toBe(true);
    expect(kept[0].line.startsWith(String(1000 - kept.length).padStart(4, '0'))).toBe(true);
  });

  it('followers get each new line, and reach the end when the pod goes', () => {
    const store = new LogStore();
    const seen: string[] = [];
    let ended = false;
    store.follow('u1', 'ratings', (e) => seen.push(e.line), () => (ended = true));
    store.write('u1', 'ratings', 'GET /ratings/0\nGET /ratings/1\n', 1);
    store.write('u2', 'ratings', 'another pod', 1);
    store.removePod('u1');
    expect(seen).toEqual(['GET /ratings/0', 'GET /ratings/1']);
    expect(ended).toBe(true);
    expect(store.read('u1', 'ratings')).toEqual([]);
    expect(store.read('u2', 'ratings')).toHaveLength(1);
  });
});

describe('log line formats', () => {
  const span = (kind: 'client' | 'server', tags: Record<string, string>): SpanRecord => ({
    traceID: 'a'.repeat(32),
    spanID: kind === 'client' ? '1111111111111111' : '2222222222222222',
    parentSpanID: kind === 'server' ? '1111111111111111' : undefined,
    operationName: 'httpbin.foo.svc.cluster.local:8000/*',
    serviceName: 'x',
    startTime: Date.UTC(2020, 10, 25, 21, 26, 18, 409) * 1000,
    duration: 4000,
    tags: Object.entries({ 'span.kind': kind, 'guid:x-request-id': '84961386-6d84-929d-98bd-c5aee93b5c88', 'http.method': 'GET', 'http.protocol': 'HTTP/1.1', user_agent: 'curl/7.73.0-DEV', request_size: '0', response_size: '135', response_flags: '-', 'http.status_code': '418', ...tags }).map(([key, value]) => ({ key, type: 'string' as const, value })),
  });
  const client = span('client', { node_id: 'sidecar~10.44.1.23~curl-1.foo~foo.svc.cluster.local', 'http.url': 'http://httpbin:8000/status/418', upstream_cluster: 'outbound|8000||httpbin.foo.svc.cluster.local', upstream_address: '10.44.1.27:80', 'peer.address': '10.44.1.23' });
  const server = span('server', { node_id: 'sidecar~10.44.1.27~httpbin-1.foo~foo.svc.cluster.local', 'http.url': 'http://httpbin:8000/status/418', upstream_cluster: 'inbound|80||', upstream_address: '10.44.1.27:80', 'peer.address': '10.44.1.23' });

  it("an access-log line has Istio's default format on both sides of a call", () => {
    const c = formatAccessLogText(accessLogEntry(client, { serviceIp: '10.0.45.184' }));
    expect(c).toMatch(/^\[2020-11-25T21:26:18\.409Z\] "GET \/status\/418 HTTP\/1\.1" 418 - via_upstream - "-" 0 135 4 3 "-" "curl\/7\.73\.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10\.44\.1\.27:80" outbound\|8000\|\|httpbin\.foo\.svc\.cluster\.local 10\.44\.1\.23:(\d+) 10\.0\.45\.184:8000 10\.44\.1\.23:\d+ - default$/);
    const s = formatAccessLogText(accessLogEntry(server));
    expect(s).toMatch(/^\[2020-11-25T21:26:18\.409Z\] "GET \/status\/418 HTTP\/1\.1" 418 - via_upstream - "-" 0 135 4 4 "-" "curl\/7\.73\.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10\.44\.1\.27:80" inbound\|80\|\| 127\.0\.0\.6:\d+ 10\.44\.1\.27:80 10\.44\.1\.23:(\d+) outbound_\.8000_\._\.httpbin\.foo\.svc\.cluster\.local default$/);
    // The client's source port is the port the server sees the call from.
    expect(c.split(' ').at(-5)).toBe(s.split(' ').at(-3));
  });

  it('response flags and details follow what the proxy did', () => {
    const abort = span('client', { node_id: 'sidecar~10.0.0.1~a.b~b.svc.cluster.local', 'http.url': 'http://ratings:9080/ratings/0', upstream_cluster: 'outbound|9080||ratings.b.svc.cluster.local', response_flags: 'FI', 'http.status_code': '500' });
    const e = accessLogEntry(abort);
    expect([e.response_code, e.response_flags, e.response_code_details, e.upstream_host, e.upstream_service_time]).toEqual([500, 'FI', 'fault_filter_abort', undefined, undefined]);
    expect(formatAccessLogText(e)).toContain('" 500 FI fault_filter_abort - "-" 0 135 4 - "-"');
    const json = JSON.parse(formatAccessLogJson(e));
    expect(json).toMatchObject({ response_code: 500, response_flags: 'FI', upstream_host: null, path: '/ratings/0', request_id: '84961386-6d84-929d-98bd-c5aee93b5c88' });
    expect(Object.keys(json)).toContain('upstream_transport_failure_reason');
  });

  it("each image's lines: WEBrick's access log, ratings' request line, gunicorn's boot", () => {
    const served = { method: 'GET', path: '/details/0', headers: {}, status: 200, bytes: 178, peerIp: '127.0.0.6', startMs: Date.UTC(2025, 3, 16, 10, 0, 5), endMs: Date.UTC(2025, 3, 16, 10, 0, 5) };
    expect(logFormatFor('docker.io/istio/examples-bookinfo-details-v1:1.20.3').served!(served)).toEqual(['127.0.0.6 - - [16/Apr/2025:10:00:05 UTC] "GET /details/0 HTTP/1.1" 200 178', '- -> /details/0']);
    expect(logFormatFor('docker.io/istio/examples-bookinfo-ratings-v2:1.20.3').served!({ ...served, path: '/ratings/0' })).toEqual(['GET /ratings/0']);
    const boot = logFormatFor('docker.io/istio/examples-bookinfo-productpage-v1:1.20.3').startup({ pod: 'p', namespace: 'default', podIp: '10.0.0.1', container: 'productpage', image: '', labels: {}, startedAtMs: Date.UTC(2025, 11, 22, 14, 27, 12) });
    expect(boot.map((l) => l.line)).toContain('[2025-12-22 14:27:12 +0000] [1] [INFO] Listening at: http://[::]:9080 (1)');
    expect(boot.filter((l) => l.line.includes('Booting worker'))).toHaveLength(8);
    expect(logFormatFor('docker.io/curlimages/curl:8.16.0').startup({ pod: 'p', namespace: 'default', podIp: '', container: 'curl', image: '', labels: {}, startedAtMs: 0 })).toEqual([]);
  });
});
