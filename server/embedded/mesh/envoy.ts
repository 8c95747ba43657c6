import type { MeshResponse } from '../app-runtime/types.ts';

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

/** A response Envoy generates itself (no upstream answered). */
export function localReply(status: number, body: string, extra: Record<string, string> = {}): MeshResponse {
  const headers: Record<string, string> = {
    ...(body ? { 'content-length': String(Buffer.byteLength(body)), 'content-type': 'text/plain' } : { 'content-length': '0' }),
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
