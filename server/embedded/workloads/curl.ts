import type { MeshCore, RequestSource } from '../mesh/mesh-core.ts';
import { ConnectionError } from '../mesh/types.ts';

export interface CurlResult {
  /** HTTP status, or 0 (`000`) when no response arrived. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** curl's exit code: 0, 6 (resolve), 7 (connect), 28 (timeout), 56 (reset). */
  exitCode: number;
  stderr: string;
}

/** `kubectl exec <pod> -c sleep -- curl -s <url>` as the sleep/curl sample runs it; given headers replace curl's defaults. */
export async function curl(mesh: MeshCore, from: RequestSource, url: string, opts: { method?: string; headers?: Record<string, string>; body?: string; maxTimeMs?: number; signal?: AbortSignal } = {}): Promise<CurlResult> {
  const controller = new AbortController();
  const hangUp = () => controller.abort();
  opts.signal?.addEventListener('abort', hangUp, { once: true });
  const timer = opts.maxTimeMs ? mesh.clock.setTimeout(() => controller.abort(), opts.maxTimeMs) : undefined;
  try {
    const res = await mesh.request(from, { method: opts.method ?? 'GET', url, headers: opts.headers ?? { 'user-agent': 'curl/8.16.0', accept: '*/*' }, body: opts.body, signal: controller.signal });
    return { status: res.status, headers: res.headers, body: res.body, exitCode: 0, stderr: '' };
  } catch (err) {
    if (controller.signal.aborted) return fail(28, `curl: (28) Operation timed out after ${opts.maxTimeMs} milliseconds with 0 bytes received`);
    if (err instanceof ConnectionError) {
      if (err.code === 'ECONNRESET') return fail(56, 'curl: (56) Recv failure: Connection reset by peer');
      if (err.code === 'ECONNREFUSED') return fail(7, `curl: (7) ${err.message}`);
      return fail(6, `curl: (6) ${err.message}`);
    }
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', hangUp);
  }
}

const fail = (exitCode: number, stderr: string): CurlResult => ({ status: 0, headers: {}, body: '', exitCode, stderr });
