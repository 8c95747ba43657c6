import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanStore } from '../../server/embedded/tracing/span-store.ts';
import { startJaegerQuery, type JaegerQueryServer } from '../../server/embedded/tracing/jaeger-api.ts';
import { sampleBookinfoTrace } from '../helpers/sample-spans.ts';
import type { JaegerResponse, JaegerTrace } from '../../server/embedded/tracing/jaeger-json.ts';

const T0 = 1_750_000_000_000_000; // µs
const store = new SpanStore();
let jaeger: JaegerQueryServer;

// 3 traces per version, one second apart; the v3 ones fail at ratings, jason sends the v2 ones.
const traces = (['v1', 'v2', 'v3'] as const).flatMap((v, vi) =>
  [0, 1, 2].map((i) =>
    sampleBookinfoTrace({
      startUs: T0 + (vi * 3 + i) * 1_000_000,
      reviewsVersion: v,
      ratingsStatus: v === 'v3' ? 500 : 200,
      user: v === 'v2' ? 'jason' : undefined,
    }),
  ),
);

beforeAll(async () => {
  for (const t of traces) for (const s of t) store.record(s);
  jaeger = await startJaegerQuery({ spans: store, now: () => T0 / 1000 + 60_000 });
});
afterAll(() => jaeger.close());

async function get<T = unknown>(path: string): Promise<{ status: number; type: string | null; body: JaegerResponse<T>; text: string }> {
  const res = await fetch(jaeger.url + path);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: JSON.parse(text), text };
}

describe('Jaeger v1 query API', () => {
  it('lists services in the envelope with total set', async () => {
    const r = await get<string[]>('/api/services');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json');
    expect(Object.keys(r.body)).toEqual(['data', 'total', 'limit', 'offset', 'errors']);
    expect(r.body.data).toEqual(['details.default', 'istio-ingressgateway.istio-system', 'productpage.default', 'ratings.default', 'reviews.default']);
    expect(r.body.total).toBe(5);
    expect(r.body.limit).toBe(0);
    expect(r.body.offset).toBe(0);
    expect(r.body.errors).toBeNull();
  });

  it('lists unique operation names of a service', async () => {
    const r = await get<string[]>('/api/services/productpage.default/operations');
    expect(r.body.data.sort()).toEqual([
      'details.default.svc.cluster.local:9080/*',
      'productpage.default.svc.cluster.local:9080/*',
      'reviews.default.svc.cluster.local:9080/*',
    ]);
    expect(r.body.total).toBe(3);
  });

  it('answers /api/operations with name and spanKind, filtered by spanKind', async () => {
    const r = await get<{ name: string; spanKind: string }[]>('/api/operations?service=reviews.default&spanKind=server');
    expect(r.body.data).toEqual([{ name: 'reviews.default.svc.cluster.local:9080/*', spanKind: 'server' }]);
    const all = await get<{ name: string; spanKind: string }[]>('/api/operations?service=reviews.default');
    expect(all.body.data).toContainEqual({ name: 'ratings.default.svc.cluster.local:9080/*', spanKind: 'client' });
    const missing = await get('/api/operations');
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([{ code: 400, msg: "parameter 'service' is required" }]);
  });

  it('returns a trace with the fields of Jaeger trace JSON', async () => {
    const id = traces[3][0].traceID;
    const r = await get<JaegerTrace[]>(`/api/traces/${id}`);
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(0);
    expect(r.body.data).toHaveLength(1);
    const trace = r.body.data[0];
    expect(Object.keys(trace).sort()).toEqual(['processes', 'spans', 'traceID', 'warnings']);
    expect(trace.traceID).toBe(id);
    expect(trace.warnings).toBeNull();
    expect(trace.spans).toHaveLength(8); // reviews v2: gateway, productpage, details×2, reviews×2, ratings×2
    for (const span of trace.spans) {
      expect(Object.keys(span).sort()).toEqual(['duration', 'flags', 'logs', 'operationName', 'processID', 'references', 'spanID', 'startTime', 'tags', 'traceID', 'warnings']);
      expect(span.spanID).toMatch(/^[0-9a-f]{16}$/);
      expect(span.traceID).toMatch(/^[0-9a-f]{32}$/);
      expect(trace.processes[span.processID]).toBeDefined();
      expect(span).not.toHaveProperty('parentSpanID');
      for (const ref of span.references) {
        expect(ref.refType).toBe('CHILD_OF');
        expect(ref.traceID).toBe(id);
        expect(trace.spans.some((s) => s.spanID === ref.spanID)).toBe(true);
      }
      for (const kv of span.tags) expect(Object.keys(kv)).toEqual(['key', 'type', 'value']);
    }
    const roots = trace.spans.filter((s) => s.references.length === 0);
    expect(roots).toHaveLength(1);
    expect(trace.processes[roots[0].processID].serviceName).toBe('istio-ingressgateway.istio-system');
    // Processes are keyed p1, p2, … and each distinct process appears once.
    const keys = Object.keys(trace.processes);
    expect(keys).toEqual(keys.map((_, i) => `p${i + 1}`));
    const identities = Object.values(trace.processes).map((p) => JSON.stringify(p));
    expect(new Set(identities).size).toBe(identities.length);
    for (const p of Object.values(trace.processes)) expect(Object.keys(p).sort()).toEqual(['serviceName', 'tags']);
  });

  it('answers an unknown trace with 404 and Jaeger’s body', async () => {
    const r = await get('/api/traces/0123456789abcdef0123456789abcdef');
    expect(r.status).toBe(404);
    expect(r.text).toBe('{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]}');
    const bad = await get('/api/traces/not-hex');
    expect(bad.status).toBe(400);
    expect(bad.body.errors![0].msg).toContain('strconv.ParseUint: parsing "not-hex": invalid syntax');
  });

  it('searches by service, newest first, with the default limit of 100', async () => {
    const r = await get<JaegerTrace[]>('/api/traces?service=productpage.default&lookback=1h');
    expect(r.body.data).toHaveLength(9);
    const starts = r.body.data.map((t) => Math.min(...t.spans.map((s) => s.startTime)));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    const ratings = await get<JaegerTrace[]>('/api/traces?service=ratings.default');
    expect(ratings.body.data).toHaveLength(6);
  });

  it('filters by operation, tags (JSON and tag=k:v), duration, time window and limit', async () => {
    const op = encodeURIComponent('ratings.default.svc.cluster.local:9080/*');
    expect((await get<JaegerTrace[]>(`/api/traces?service=reviews.default&operation=${op}`)).body.data).toHaveLength(6);

    const errors = await get<JaegerTrace[]>(`/api/traces?service=ratings.default&tags=${encodeURIComponent('{"error":"true"}')}`);
    expect(errors.body.data).toHaveLength(3);
    const v3Ids = traces.slice(6).map((t) => t[0].traceID).sort();
    expect(errors.body.data.map((t) => t.traceID).sort()).toEqual(v3Ids);

    const jason = await get<JaegerTrace[]>('/api/traces?service=productpage.default&tag=end-user:jason&tag=http.status_code:200');
    expect(jason.body.data.map((t) => t.traceID).sort()).toEqual(traces.slice(3, 6).map((t) => t[0].traceID).sort());

    // v1 pages take ~9.1 ms at the gateway, v2 ~12.3 ms: a 10ms floor keeps v2/v3 only.
    const slow = await get<JaegerTrace[]>('/api/traces?service=istio-ingressgateway.istio-system&minDuration=10ms');
    expect(slow.body.data).toHaveLength(6);
    const fast = await get<JaegerTrace[]>('/api/traces?service=istio-ingressgateway.istio-system&maxDuration=0.01s');
    expect(fast.body.data).toHaveLength(3);

    const window = await get<JaegerTrace[]>(`/api/traces?service=istio-ingressgateway.istio-system&start=${T0 + 2_000_000}&end=${T0 + 4_000_000}`);
    expect(window.body.data.map((t) => t.traceID).sort()).toEqual([traces[2], traces[3], traces[4]].map((t) => t[0].traceID).sort());

    const limited = await get<JaegerTrace[]>('/api/traces?service=istio-ingressgateway.istio-system&limit=2');
    expect(limited.body.data.map((t) => t.traceID)).toEqual([traces[8][0].traceID, traces[7][0].traceID]);
  });

  it('fetches several traces by traceID and reports the missing ones', async () => {
    const missing = 'ffffffffffffffffffffffffffffffff';
    const r = await get<JaegerTrace[]>(`/api/traces?traceID=${traces[0][0].traceID}&traceID=${traces[1][0].traceID}&traceID=${missing}`);
    expect(r.status).toBe(200);
    expect(r.body.data.map((t) => t.traceID)).toEqual([traces[0][0].traceID, traces[1][0].traceID]);
    expect(r.body.errors).toEqual([{ msg: 'trace not found', traceID: missing }]);
  });

  it('rejects bad search parameters with Jaeger’s messages', async () => {
    const cases: [string, string][] = [
      ['/api/traces', "parameter 'service' is required"],
      ['/api/traces?service=x&minDuration=abc', `unable to parse param 'minDuration': time: invalid duration "abc"`],
      ['/api/traces?service=x&minDuration=10', `unable to parse param 'minDuration': time: missing unit in duration "10"`],
      ['/api/traces?service=x&maxDuration=3d', `unable to parse param 'maxDuration': time: unknown unit "d" in duration "3d"`],
      ['/api/traces?service=x&minDuration=2s&maxDuration=1s', "'maxDuration' should be greater than 'minDuration'"],
      ['/api/traces?service=x&start=yesterday', `unable to parse param 'start': strconv.ParseInt: parsing "yesterday": invalid syntax`],
      ['/api/traces?service=x&limit=ten', 'strconv.ParseInt: parsing "ten": invalid syntax'],
      ['/api/traces?service=x&tag=novalue', "malformed 'tag' parameter, expecting key:value, received: novalue"],
      ['/api/traces?service=x&traceID=xyz', 'cannot parse traceID param: strconv.ParseUint: parsing "xyz": invalid syntax'],
      ['/api/dependencies?endTs=now', `unable to parse param 'endTs': strconv.ParseInt: parsing "now": invalid syntax`],
    ];
    for (const [path, msg] of cases) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body.data, path).toBeNull();
      expect(r.body.errors, path).toEqual([{ code: 400, msg }]);
    }
    const badJson = await get(`/api/traces?service=x&tags=${encodeURIComponent('{oops')}`);
    expect(badJson.status).toBe(400);
    expect(badJson.body.errors![0].msg).toMatch(/^malformed 'tags' parameter, cannot unmarshal JSON: /);
  });

  it('computes dependencies from parent/child spans of different services', async () => {
    const r = await get<{ parent: string; child: string; callCount: number }[]>(`/api/dependencies?endTs=${T0 / 1000 + 60_000}&lookback=3600000`);
    const byPair = Object.fromEntries(r.body.data.map((d) => [`${d.parent} -> ${d.child}`, d.callCount]));
    expect(byPair).toEqual({
      'istio-ingressgateway.istio-system -> productpage.default': 9,
      'productpage.default -> details.default': 9,
      'productpage.default -> reviews.default': 9,
      'reviews.default -> ratings.default': 6,
    });
    for (const d of r.body.data) expect(Object.keys(d)).toEqual(['parent', 'child', 'callCount']);
    // A window before the traffic is empty; a service filter keeps its own links.
    expect((await get<unknown[]>(`/api/dependencies?endTs=${T0 / 1000 - 1}&lookback=1000`)).body.data).toEqual([]);
    const ratings = await get<{ parent: string; child: string }[]>(`/api/dependencies?endTs=${T0 / 1000 + 60_000}&service=ratings.default`);
    expect(ratings.body.data).toEqual([{ parent: 'reviews.default', child: 'ratings.default', callCount: 6 }]);
  });

  it('indents with prettyPrint=true', async () => {
    const r = await get('/api/services?prettyPrint=true');
    expect(r.text.startsWith('{\n    "data": [\n')).toBe(true);
  });

  it('refuses over-long query strings and unknown paths', async () => {
    const long = await fetch(`${jaeger.url}/api/traces?service=${'x'.repeat(9000)}`);
    expect(long.status).toBe(414);
    expect((await long.json()).errors[0].msg).toMatch(/longer than/);
    const unknown = await fetch(`${jaeger.url}/api/nope`);
    expect(unknown.status).toBe(404);
    const post = await fetch(`${jaeger.url}/api/services`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});

describe('a trace searched again after it gained a span', () => {
  it('is answered with the new span, and the same as a search without the cache (pretty output)', async () => {
    const search = '/api/traces?service=productpage.default&limit=1';
    const before = (await get<JaegerTrace[]>(search)).body.data[0];
    const late = { ...traces[8][1], spanID: 'feedfacecafe0001', operationName: 'late-span' };
    store.record(late);
    const after = (await get<JaegerTrace[]>(search)).body.data[0];
    expect(after.traceID).toBe(before.traceID);
    expect(after.spans.length).toBe(before.spans.length + 1);
    expect(after.spans.map((s) => s.operationName)).toContain('late-span');
    const pretty = (await get<JaegerTrace[]>(`${search}&prettyPrint=true`)).body;
    expect(pretty).toEqual((await get(search)).body);
  });
});
