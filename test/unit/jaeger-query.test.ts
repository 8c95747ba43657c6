import { describe, expect, it } from 'vitest';
import { SpanStore } from '../../server/embedded/tracing/span-store.ts';
import { JaegerQuery } from '../../server/embedded/tracing/jaeger-query.ts';
import { searchTraces } from '../../server/embedded/tracing/jaeger-client.ts';
import type { JaegerResponse, JaegerTrace } from '../../server/embedded/tracing/jaeger-json.ts';
import { sampleBookinfoTrace } from '../helpers/sample-spans.ts';

// Jaeger's query API called in process, as the traces panel will in a worker: no listener, no socket.
const T0 = 1_750_000_000_000_000; // µs
const spans = new SpanStore();
const traces = (['v1', 'v2', 'v3'] as const).map((v, i) => sampleBookinfoTrace({ startUs: T0 + i * 1_000_000, reviewsVersion: v }));
for (const t of traces) for (const s of t) spans.record(s);
const jaeger = new JaegerQuery({ spans, now: () => T0 / 1000 + 60_000 });

async function get<T>(path: string, method = 'GET'): Promise<{ res: Response; body: JaegerResponse<T> }> {
  const res = await jaeger.handle(new Request(`http://jaeger.local${path}`, { method }));
  return { res, body: (await res.clone().json()) as JaegerResponse<T> };
}

describe('the Jaeger query core', () => {
  it('answers a trace search for productpage.default with traces in Jaeger’s JSON shape, newest first', async () => {
    const { res, body } = await get<JaegerTrace[]>('/api/traces?service=productpage.default');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(Object.keys(body)).toEqual(['data', 'total', 'limit', 'offset', 'errors']);
    expect(body.errors).toBeNull();
    expect(body.data.map((t) => t.traceID)).toEqual([traces[2][0].traceID, traces[1][0].traceID, traces[0][0].traceID]);
    for (const trace of body.data) {
      expect(Object.keys(trace).sort()).toEqual(['processes', 'spans', 'traceID', 'warnings']);
      expect(Object.values(trace.processes).map((p) => p.serviceName)).toContain('productpage.default');
      for (const span of trace.spans) expect(trace.processes[span.processID]).toBeDefined();
    }
    expect(Number(res.headers.get('content-length'))).toBe((await res.arrayBuffer()).byteLength);
  });

  it('serves the same API under the tracing add-on’s /jaeger prefix', async () => {
    const { res, body } = await get<string[]>('/jaeger/api/services');
    expect(res.status).toBe(200);
    expect(body.data).toContain('productpage.default');
    expect(body.total).toBe(body.data.length);
  });

  it('answers a bad search with Jaeger’s error envelope', async () => {
    const missing = await get('/api/traces');
    expect(missing.res.status).toBe(400);
    expect(await missing.res.text()).toBe(`{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":400,"msg":"parameter 'service' is required"}]}`);
    const badLimit = await get('/api/traces?service=productpage.default&limit=ten');
    expect(badLimit.res.status).toBe(400);
    expect(badLimit.body.errors).toEqual([{ code: 400, msg: 'strconv.ParseInt: parsing "ten": invalid syntax' }]);
  });

  it('answers an unknown path with Go’s 404 text and a write with 405', async () => {
    const nope = await jaeger.handle(new Request('http://jaeger.local/api/nothing'));
    expect(nope.status).toBe(404);
    expect(await nope.text()).toBe('404 page not found\n');
    const post = await jaeger.handle(new Request('http://jaeger.local/api/services', { method: 'POST' }));
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('answers HEAD with the length GET reads and no body', () => {
    const getOut = jaeger.respond('GET', '/api/traces?service=reviews.default');
    const headOut = jaeger.respond('HEAD', '/api/traces?service=reviews.default');
    expect(getOut.body?.byteLength).toBeGreaterThan(0);
    expect(headOut.status).toBe(200);
    expect(headOut.body).toBeUndefined();
    expect(headOut.headers['content-length']).toBe(String(getOut.body?.byteLength));
  });

  it('feeds the deck’s Jaeger reader through fetchImpl, with no HTTP between them', async () => {
    const fetchImpl = ((input: RequestInfo | URL, init?: RequestInit) => jaeger.handle(new Request(input, init))) as typeof fetch;
    const found = await searchTraces('http://jaeger.local/jaeger', { service: 'reviews.default', limit: 2 }, { fetchImpl });
    expect(found.map((t) => t.traceID)).toEqual([traces[2][0].traceID, traces[1][0].traceID]);
    await expect(searchTraces('http://jaeger.local', { service: 'reviews.default', limit: 'ten' }, { fetchImpl })).rejects.toThrow(
      'Jaeger trace search answered 400: strconv.ParseInt: parsing "ten": invalid syntax',
    );
  });
});
