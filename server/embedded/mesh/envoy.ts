import type { MeshResponse } from '../app-runtime/types.ts';
import { utf8ByteLength } from '../portable/bytes.ts';

/**
 * The bodies Envoy writes itself when it answers instead of the upstream (overflow, no
 * healthy host, timeout, fault abort, RBAC), word for word, so what curl and fortio print in
 * the deck is what they print against a real mesh.
 */
export const ENVOY = {
  overflow: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
  connectionTermination: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
  connectionFailure: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
  noHealthyUpstream: 'no healthy upstream',
  timeout: 'upstream request timeout',
  faultAbort: 'fault filter abort',
  rbacDenied: 'RBAC: access denied',
} as const;

/**
 * The reason phrase Envoy's HTTP/1 codec writes in a status line: its own table of standard
 * codes, `Unknown` for any other (418 included), whatever phrase the upstream app sent.
 */
export function envoyReasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? 'Unknown';
}

const REASON_PHRASES: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content', 205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Payload Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed', 421: 'Misdirected Request', 422: 'Unprocessable Entity', 423: 'Locked', 424: 'Failed Dependency', 426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout', 505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates', 507: 'Insufficient Storage', 508: 'Loop Detected', 510: 'Not Extended', 511: 'Network Authentication Required',
};

/** A response Envoy generates itself (no upstream answered). */
export function localReply(status: number, body: string, extra: Record<string, string> = {}): MeshResponse {
  const headers: Record<string, string> = {
    ...(body ? { 'content-length': String(utf8ByteLength(body)), 'content-type': 'text/plain' } : { 'content-length': '0' }),
    date: new Date().toUTCString(),
    server: 'istio-envoy',
    ...extra,
  };
  return { status, headers, body };
}

/** Why an in-flight request was cut, carried as the AbortSignal's reason. */
export class CutReason extends Error {
  constructor(readonly kind: 'downstream' | 'route-timeout' | 'per-try-timeout' | 'app-timeout' | 'shutdown') {
    super(kind === 'app-timeout' ? 'request timed out' : `request aborted (${kind})`);
    this.name = kind === 'app-timeout' ? 'TimeoutError' : 'AbortError';
  }
}

export function cutKind(signal: AbortSignal | undefined): CutReason['kind'] | undefined {
  if (!signal?.aborted) return undefined;
  return signal.reason instanceof CutReason ? signal.reason.kind : 'downstream';
}

/** A child controller that aborts with its parent's reason; dispose() detaches it. */
export function linkedController(...parents: Array<AbortSignal | undefined>): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  const detach: Array<() => void> = [];
  for (const p of parents) {
    if (!p) continue;
    if (p.aborted) {
      controller.abort(p.reason);
      break;
    }
    const on = () => controller.abort(p.reason);
    p.addEventListener('abort', on, { once: true });
    detach.push(() => p.removeEventListener('abort', on));
  }
  return { controller, dispose: () => detach.forEach((d) => d()) };
}
