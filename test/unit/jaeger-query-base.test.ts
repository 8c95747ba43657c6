import { describe, expect, it } from 'vitest';
import { JaegerClientError, jaegerQueryBase } from '../../server/embedded/tracing/jaeger-client.ts';
import { SpanStore } from '../../server/embedded/tracing/span-store.ts';
import { JaegerQuery } from '../../server/embedded/tracing/jaeger-query.ts';

/** A Jaeger that answers only under `prefix`, as one started with QUERY_BASE_PATH does; elsewhere `elsewhere` answers. */
function jaegerUnder(prefix: string, elsewhere: () => Response): typeof fetch {
  const query = new JaegerQuery({ spans: new SpanStore() });
  return (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    if (!url.pathname.startsWith(`${prefix}/api/`)) return elsewhere();
    return query.handle(new Request(`http://jaeger${url.pathname.slice(prefix.length)}${url.search}`));
  }) as typeof fetch;
}

describe("where Jaeger's query API answers at a discovered address", () => {
  it("reads Istio's tracing add-on under /jaeger when the root is a 404", async () => {
    const fetchImpl = jaegerUnder('/jaeger', () => new Response('404 page not found\n', { status: 404, headers: { 'content-type': 'text/plain' } }));
    expect(await jaegerQueryBase('http://10.0.0.7:80', { fetchImpl })).toBe('http://10.0.0.7:80/jaeger');
  });

  it("reads under /jaeger when the root answers the UI's HTML page", async () => {
    const fetchImpl = jaegerUnder('/jaeger', () => new Response('<!doctype html><title>Jaeger UI</title>', { status: 200, headers: { 'content-type': 'text/html' } }));
    expect(await jaegerQueryBase('http://127.0.0.1:16686/', { fetchImpl })).toBe('http://127.0.0.1:16686/jaeger');
  });

  it('keeps the root where the API answers there (a Jaeger with no base path)', async () => {
    const fetchImpl = jaegerUnder('', () => new Response('no', { status: 404 }));
    expect(await jaegerQueryBase('http://127.0.0.1:16686', { fetchImpl })).toBe('http://127.0.0.1:16686');
  });

  it('keeps the address as found where neither path is Jaeger, so the feeds name it', async () => {
    const fetchImpl = (async () => new Response('not jaeger', { status: 404 })) as unknown as typeof fetch;
    expect(await jaegerQueryBase('http://127.0.0.1:9', { fetchImpl })).toBe('http://127.0.0.1:9');
  });

  it('rejects with an unreachable error where nothing answers, so it is looked for again', async () => {
    const fetchImpl = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    await expect(jaegerQueryBase('http://127.0.0.1:9', { fetchImpl })).rejects.toThrow(JaegerClientError);
    await expect(jaegerQueryBase('http://127.0.0.1:9', { fetchImpl })).rejects.toThrow(/unreachable/);
  });
});
