/**
 * Reading a Jaeger query API over HTTP (ours or a real one), with a size limit on
 * every answer. The deck's hub uses it; it never reaches into the embedded store.
 */
import { readLimited } from '../../http-body.ts';
import type { JaegerResponse, JaegerTrace } from './jaeger-json.ts';

/** Largest Jaeger answer read, bytes. */
export const MAX_JAEGER_RESPONSE_BYTES = 32 * 1024 * 1024;

export class JaegerClientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** The transport error behind it, so callers can tell "no answer" from a bad answer. */
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface JaegerFetchOptions {
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
  maxBytes?: number;
}

/** GETs `path` and returns the envelope; throws JaegerClientError for transport errors, oversize or non-JSON answers. */
export async function fetchJaeger<T>(baseUrl: string, path: string, opts: JaegerFetchOptions = {}): Promise<{ status: number; body: JaegerResponse<T> }> {
  const url = baseUrl.replace(/\/+$/, '') + path;
  let res: Response;
  try {
    res = await (opts.fetchImpl ?? fetch)(url, { signal: opts.signal, headers: { accept: 'application/json' } });
  } catch (err) {
    throw new JaegerClientError(`Jaeger query at ${baseUrl} is unreachable: ${(err as Error).message}`, undefined, { cause: err });
  }
  const { text, truncated } = await readLimited(res, opts.maxBytes ?? MAX_JAEGER_RESPONSE_BYTES);
  if (truncated) throw new JaegerClientError(`Jaeger answer from ${url} is larger than ${opts.maxBytes ?? MAX_JAEGER_RESPONSE_BYTES} bytes`, res.status);
  try {
    return { status: res.status, body: JSON.parse(text) as JaegerResponse<T> };
  } catch {
    throw new JaegerClientError(`Jaeger answer from ${url} is not JSON (HTTP ${res.status})`, res.status);
  }
}

/** Trace search; `params` are Jaeger's /api/traces query parameters. */
export async function searchTraces(baseUrl: string, params: Record<string, string | number>, opts: JaegerFetchOptions = {}): Promise<JaegerTrace[]> {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  const { status, body } = await fetchJaeger<JaegerTrace[] | null>(baseUrl, `/api/traces?${qs}`, opts);
  if (status !== 200) throw new JaegerClientError(`Jaeger trace search answered ${status}: ${body.errors?.[0]?.msg ?? 'no message'}`, status);
  return body.data ?? [];
}

/** The services Jaeger has spans from (`/api/services`). */
export async function listServices(baseUrl: string, opts: JaegerFetchOptions = {}): Promise<string[]> {
  const { status, body } = await fetchJaeger<string[] | null>(baseUrl, '/api/services', opts);
  if (status !== 200) throw new JaegerClientError(`Jaeger service list answered ${status}: ${body.errors?.[0]?.msg ?? 'no message'}`, status);
  return body.data ?? [];
}

/** Where Istio's tracing add-on serves Jaeger's UI and API (its `QUERY_BASE_PATH`). */
export const ADDON_BASE_PATH = '/jaeger';

/**
 * The base URL Jaeger's query API answers under at a discovered address: the address itself,
 * or its `/jaeger` path, where Istio's tracing add-on moves everything, so the root's
 * `/api/services` is a 404 or the UI's page there. Where neither answers as Jaeger does, the
 * address is kept as found, so the feeds' own errors name it; where nothing answers at all,
 * this rejects (JaegerClientError), so the address is looked for again on the next try.
 */
export async function jaegerQueryBase(address: string, opts: JaegerFetchOptions = {}): Promise<string> {
  const root = address.replace(/\/+$/, '');
  for (const base of [root, root + ADDON_BASE_PATH]) {
    try {
      const { status, body } = await fetchJaeger<unknown>(base, '/api/services', { ...opts, maxBytes: opts.maxBytes ?? 1024 * 1024 });
      if (status === 200 && body && typeof body === 'object' && 'data' in body) return base;
    } catch (err) {
      // No answer at all: the other path is on the same server, so it has none either.
      if (!(err instanceof JaegerClientError) || err.status === undefined) throw err;
    }
  }
  return root;
}
