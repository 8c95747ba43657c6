/**
 * Jaeger's v1 query HTTP API (the one the classic Jaeger UI reads) over a SpanStore, without
 * sockets: same paths, parameters, envelope and error texts as jaeger-query on port 16686.
 * The Node listener (jaeger-api.ts) serves it; an in-process reader (the traces panel in a
 * worker) calls `handle` with a Request, or `respond` with a method and request target.
 */
import type { SpanQuery, SpanStore } from './span-store.ts';
import { computeDependencies, toJaegerTrace, type JaegerError, type JaegerResponse, type JaegerTrace } from './jaeger-json.ts';
import { RenderedTraces } from './rendered-traces.ts';
import { parseGoDuration } from '../../go-duration.ts';
import { parseGoInt, parseGoInt32, parseTraceID } from './go-parse.ts';

export interface JaegerQueryCoreOptions {
  spans: SpanStore;
  /**
   * The UI's and API's prefix, as `QUERY_BASE_PATH` sets it (Istio's tracing add-on: `/jaeger`).
   * The root paths answer too, for clients that were given the bare address.
   */
  basePath?: string;
  /** Simulated epoch ms for default time windows; without it the newest span's time (or the wall clock, if later) stands in. */
  now?: () => number;
}

/** An answer as jaeger-query writes it: headers in the order they go out, the body as UTF-8 bytes. */
export interface JaegerHttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Absent for HEAD: the headers still give the length a GET would have read. */
  body?: Uint8Array<ArrayBuffer>;
}

/** Longest request target accepted, bytes; the UI's longest searches are well under it. */
export const MAX_URL_BYTES = 8 * 1024;
/** traceID parameters accepted in one search. */
const MAX_TRACE_IDS = 200;
const DEFAULT_LIMIT = 100;
const DEFAULT_TRACE_LOOKBACK_US = 48 * 3600 * 1e6;
const DEFAULT_DEPENDENCY_LOOKBACK_MS = 24 * 3600 * 1000;

/** Where Istio's tracing add-on serves Jaeger (its QUERY_BASE_PATH). */
export const DEFAULT_BASE_PATH = '/jaeger';

const utf8 = new TextEncoder();

class BadRequest extends Error {}

/** `pathname` under the base path with the base path removed; any other path as it is. */
function withoutBase(pathname: string, basePath: string): string {
  if (!basePath) return pathname;
  if (pathname === basePath) return '/';
  return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : pathname;
}

export class JaegerQuery {
  private readonly spans: SpanStore;
  private readonly basePath: string;
  private readonly rendered: RenderedTraces;
  private readonly nowUs: () => number;

  constructor(opts: JaegerQueryCoreOptions) {
    const { spans } = opts;
    this.spans = spans;
    this.basePath = (opts.basePath ?? DEFAULT_BASE_PATH).replace(/\/+$/, '');
    this.rendered = new RenderedTraces(spans);
    this.nowUs = () => (opts.now ? opts.now() * 1000 : Math.max(Date.now() * 1000, spans.newestStartUs + 1));
  }

  /** Fetch-style: the Request's path and query are the request target, whatever its origin. */
  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const out = this.respond(request.method, url.pathname + url.search);
    return new Response(out.body ?? null, { status: out.status, headers: out.headers });
  }

  /** The answer to `method` on `target` (path and query, as in the request line). */
  respond(method: string | undefined, target: string): JaegerHttpResponse {
    const head = method === 'HEAD';
    const out = this.answer(method, target);
    const body = utf8.encode(out.text);
    return {
      status: out.status,
      headers: { 'content-type': out.type, 'content-length': String(body.byteLength), ...out.headers },
      body: head ? undefined : body,
    };
  }

  private answer(method: string | undefined, rawUrl: string): Answer {
    const { spans, rendered, nowUs } = this;
    if (utf8.encode(rawUrl).byteLength > MAX_URL_BYTES) {
      return json(414, envelope(null, [{ code: 414, msg: `request URL is longer than ${MAX_URL_BYTES} bytes` }]), false);
    }
    let url: URL;
    try {
      url = new URL(rawUrl, 'http://jaeger.local');
    } catch {
      return json(400, envelope(null, [{ code: 400, msg: 'malformed request URL' }]), false);
    }
    const q = url.searchParams;
    const pretty = q.get('prettyPrint') === 'true';
    const path = withoutBase(url.pathname, this.basePath).replace(/\/+$/, '') || '/';
    const route = matchRoute(path);
    if (!route) return plainText(404, '404 page not found\n');
    if (method !== 'GET' && method !== 'HEAD') return plainText(405, 'Method Not Allowed\n', { allow: 'GET' });

    try {
      switch (route.name) {
        case 'services': {
          const data = spans.services();
          return json(200, envelope(data, null, data.length), pretty);
        }
        case 'service-operations': {
          const names = [...new Set(spans.operationsOf(route.param).map((o) => o.name))];
          return json(200, envelope(names, null, names.length), pretty);
        }
        case 'operations': {
          const service = q.get('service') ?? '';
          if (!service) throw new BadRequest("parameter 'service' is required");
          const data = spans.operationsOf(service, q.get('spanKind') || undefined).map((o) => ({ name: o.name, spanKind: o.spanKind }));
          return json(200, envelope(data, null, data.length), pretty);
        }
        case 'trace': {
          let id: string;
          try {
            id = parseTraceID(route.param);
          } catch (err) {
            throw new BadRequest((err as Error).message);
          }
          const trace = spans.getTrace(id);
          if (!trace) return json(404, envelope(null, [{ code: 404, msg: 'trace not found' }]), pretty);
          return json(200, envelope([toJaegerTrace(trace)]), pretty);
        }
        case 'traces': {
          const { query, traceIDs } = parseTraceSearch(q, nowUs());
          if (traceIDs.length) {
            const data: JaegerTrace[] = [];
            const errors: JaegerError[] = [];
            for (const id of traceIDs) {
              const t = spans.getTrace(id);
              if (t) data.push(toJaegerTrace(t));
              else errors.push({ msg: 'trace not found', traceID: id });
            }
            return json(200, envelope(data, errors.length ? errors : null), pretty);
          }
          if (pretty) return json(200, envelope(spans.findTraces(query).map(toJaegerTrace)), pretty);
          return jsonText(`{"data":[${spans.findTraceIDs(query).map((id) => rendered.json(id)!).join(',')}]${ENVELOPE_TAIL}`);
        }
        case 'dependencies': {
          const endMs = q.get('endTs') ? goParam('endTs', () => parseGoInt(q.get('endTs')!)) : nowUs() / 1000;
          const lookbackMs = q.get('lookback') ? goParam('lookback', () => parseGoInt(q.get('lookback')!)) : DEFAULT_DEPENDENCY_LOOKBACK_MS;
          const data = computeDependencies(spans.allTraces(), {
            startUs: (endMs - lookbackMs) * 1000,
            endUs: endMs * 1000,
            service: q.get('service') || undefined,
          });
          return json(200, envelope(data), pretty);
        }
      }
    } catch (err) {
      if (err instanceof BadRequest) return json(400, envelope(null, [{ code: 400, msg: err.message }]), pretty);
      return json(500, envelope(null, [{ code: 500, msg: (err as Error).message }]), pretty);
    }
  }
}

interface Answer {
  status: number;
  type: string;
  text: string;
  headers?: Record<string, string>;
}

function json(status: number, body: unknown, pretty: boolean): Answer {
  return jsonText(pretty ? JSON.stringify(body, null, '    ') : JSON.stringify(body), status);
}

function jsonText(text: string, status = 200): Answer {
  return { status, type: 'application/json', text };
}

function plainText(status: number, text: string, headers: Record<string, string> = {}): Answer {
  return { status, type: 'text/plain; charset=utf-8', text, headers };
}

type Route =
  | { name: 'services' | 'operations' | 'traces' | 'dependencies'; param: '' }
  | { name: 'service-operations' | 'trace'; param: string };

function matchRoute(path: string): Route | undefined {
  switch (path) {
    case '/api/services':
      return { name: 'services', param: '' };
    case '/api/operations':
      return { name: 'operations', param: '' };
    case '/api/traces':
      return { name: 'traces', param: '' };
    case '/api/dependencies':
      return { name: 'dependencies', param: '' };
  }
  let m = /^\/api\/services\/([^/]+)\/operations$/.exec(path);
  if (m) return { name: 'service-operations', param: safeDecode(m[1]) };
  m = /^\/api\/traces\/([^/]+)$/.exec(path);
  if (m) return { name: 'trace', param: safeDecode(m[1]) };
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Jaeger's parseTraceQueryParams, in order, with its error texts. */
function parseTraceSearch(q: URLSearchParams, nowUs: number): { query: SpanQuery; traceIDs: string[] } {
  const service = q.get('service') ?? '';
  const operation = q.get('operation') ?? '';
  const endUs = q.get('end') ? goParam('end', () => parseGoInt(q.get('end')!)) : nowUs;
  const startUs = q.get('start') ? goParam('start', () => parseGoInt(q.get('start')!)) : nowUs - DEFAULT_TRACE_LOOKBACK_US;

  const tags: Record<string, string> = {};
  for (const tag of q.getAll('tag')) {
    const i = tag.indexOf(':');
    if (i < 0) throw new BadRequest(`malformed 'tag' parameter, expecting key:value, received: ${tag}`);
    tags[tag.slice(0, i)] = tag.slice(i + 1);
  }
  for (const json of q.getAll('tags')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new BadRequest(`malformed 'tags' parameter, cannot unmarshal JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new BadRequest(`malformed 'tags' parameter, cannot unmarshal JSON: json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed} into Go value of type map[string]string`);
    }
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v !== 'string') throw new BadRequest(`malformed 'tags' parameter, cannot unmarshal JSON: json: cannot unmarshal ${typeof v} into Go value of type string`);
      tags[k] = v;
    }
  }

  let limit = DEFAULT_LIMIT;
  if (q.get('limit')) {
    try {
      limit = parseGoInt32(q.get('limit')!);
    } catch (err) {
      throw new BadRequest((err as Error).message);
    }
  }
  const minNs = q.get('minDuration') ? goParam('minDuration', () => parseGoDuration(q.get('minDuration')!)) : 0;
  const maxNs = q.get('maxDuration') ? goParam('maxDuration', () => parseGoDuration(q.get('maxDuration')!)) : 0;

  const rawIds = q.getAll('traceID');
  if (rawIds.length > MAX_TRACE_IDS) throw new BadRequest(`too many 'traceID' parameters: ${rawIds.length}, at most ${MAX_TRACE_IDS}`);
  const traceIDs = rawIds.map((id) => {
    try {
      return parseTraceID(id);
    } catch (err) {
      throw new BadRequest(`cannot parse traceID param: ${(err as Error).message}`);
    }
  });

  if (!traceIDs.length && !service) throw new BadRequest("parameter 'service' is required");
  if (minNs !== 0 && maxNs !== 0 && maxNs < minNs) throw new BadRequest("'maxDuration' should be greater than 'minDuration'");

  return {
    query: {
      service,
      operation: operation || undefined,
      tags: Object.keys(tags).length ? tags : undefined,
      startMinUs: startUs,
      startMaxUs: endUs,
      durationMinUs: minNs ? minNs / 1000 : undefined,
      durationMaxUs: maxNs ? maxNs / 1000 : undefined,
      limit: limit > 0 ? limit : DEFAULT_LIMIT,
    },
    traceIDs,
  };
}

function goParam<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new BadRequest(`unable to parse param '${name}': ${(err as Error).message}`);
  }
}

function envelope<T>(data: T, errors: JaegerError[] | null = null, total = 0): JaegerResponse<T> {
  return { data, total, limit: 0, offset: 0, errors };
}

/** What follows the data in an envelope without errors: `,"total":0,…}`. */
const ENVELOPE_TAIL = JSON.stringify(envelope([])).slice('{"data":[]'.length);

