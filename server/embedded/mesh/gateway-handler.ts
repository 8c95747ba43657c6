/**
 * The ingress gateway's HTTP side without sockets: a request as a client sent it in, the
 * response Envoy writes back (status, headers in the order they go out, body bytes). The Node
 * listeners (gateway.ts) and an in-process caller (a worker serving the product-page frame)
 * both answer through it, so the two cannot differ in what a client reads.
 */
import type { MeshResponse } from '../app-runtime/types.ts';
import { localReply } from './envoy.ts';
import type { MeshRequest } from './types.ts';

/** Request bodies larger than this get 413, as Envoy's buffer limit would. */
export const MAX_GATEWAY_BODY_BYTES = 1024 * 1024;

/** A port of a gateway's Service, by the port number the cluster declares for it (80 for http2). */
export interface GatewayServicePort {
  namespace: string;
  service: string;
  port: number;
}

/** The pod port of istio-ingressgateway that Envoy's HTTP listener is on: what a port-forward to the pod reaches. */
export const INGRESS_GATEWAY_POD_PORT: GatewayServicePort = { namespace: 'istio-system', service: 'istio-ingressgateway', port: 80 };

/** How a request enters the data plane at a gateway Service's port (`DataPlane.gatewayIngress`, `Mesh.gatewayRequest`). */
export type GatewayIngress = (service: { namespace: string; name: string }, port: number, req: MeshRequest) => Promise<MeshResponse>;

export interface GatewayRequest {
  method?: string;
  /** The request target: path and query. */
  path: string;
  /**
   * Lower-case names as the client sent them; a repeated header is a list. HTTP/2's
   * pseudo-headers may be included (`:authority` stands in for a missing Host).
   */
  headers: Record<string, string | string[] | undefined>;
  /** The whole body, or 'too-large' when the reader stopped past MAX_GATEWAY_BODY_BYTES. */
  body: Uint8Array | 'too-large';
  /** Came in over TLS (the gateway terminated it). */
  secure: boolean;
  /** Fires when the client hangs up: the request is cut through every hop. */
  signal?: AbortSignal;
}

export interface GatewayResponse {
  status: number;
  /** Lower-case names, in the order they are written; `set-cookie` is one entry per cookie. */
  headers: Record<string, string | string[]>;
  /** Absent: nothing follows the headers (an answer to HEAD). */
  body?: Uint8Array<ArrayBuffer>;
}

const utf8 = new TextEncoder();
// ignoreBOM keeps a leading byte-order mark in the text, as reading the body as UTF-8 always has.
const utf8Text = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Answers one request arriving at `target` through the gateway's listeners and routes.
 * Undefined when the client hung up before the answer: nothing is left to write. A failure
 * with no proxy to turn it into a response rejects; gatewayFailureResponse words it.
 */
export async function handleGatewayRequest(ingress: GatewayIngress, target: GatewayServicePort, req: GatewayRequest): Promise<GatewayResponse | undefined> {
  if (req.body === 'too-large' || req.body.byteLength > MAX_GATEWAY_BODY_BYTES) {
    const r = localReply(413, 'Payload Too Large');
    return { status: r.status, headers: r.headers, body: utf8.encode(r.body) };
  }
  let out: MeshResponse;
  try {
    out = await ingress({ namespace: target.namespace, name: target.service }, target.port, {
      method: req.method,
      url: req.path,
      headers: meshHeaders(req.headers, req.secure),
      body: utf8Text.decode(req.body),
      signal: req.signal,
    });
  } catch (err) {
    if (req.signal?.aborted) return undefined;
    throw err;
  }
  // Framing is the listener's: the length is of the body as it goes out.
  const { 'content-length': _len, 'transfer-encoding': _te, connection: _conn, 'keep-alive': _ka, ...rest } = out.headers;
  const cookies = rest['set-cookie'];
  const body = utf8.encode(out.body);
  return {
    status: out.status,
    headers: { ...rest, ...(cookies ? { 'set-cookie': cookies.split('\n') } : {}), 'content-length': String(body.byteLength) },
    body: req.method === 'HEAD' ? undefined : body,
  };
}

/** The 503 Envoy answers when the request could not be carried at all (no content-length: the body ends the answer). */
export function gatewayFailureResponse(err: unknown): GatewayResponse {
  const reason = String((err as Error | undefined)?.message ?? err).slice(0, 200);
  return {
    status: 503,
    headers: { 'content-type': 'text/plain', server: 'istio-envoy' },
    body: utf8.encode(`upstream connect error or disconnect/reset before headers. reset reason: ${reason}`),
  };
}

/** One value per header as the mesh carries them: cookies joined by `; `, other repeats by `, `. */
function meshHeaders(raw: GatewayRequest['headers'], secure: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    // HTTP/2's pseudo-headers: its :authority is the Host.
    if (k === ':authority' && typeof v === 'string') headers.host ??= v;
    if (v !== undefined && !k.startsWith(':')) headers[k] = Array.isArray(v) ? v.join(k === 'cookie' ? '; ' : ', ') : v;
  }
  if (secure) headers['x-forwarded-proto'] = 'https';
  return headers;
}
