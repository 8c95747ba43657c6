/**
 * HTTP calls to the deck server. Change requests carry the presenter token; an attendee
 * with a sandbox sends every call to it, with the sandbox's own token.
 */
import type { ApiErrorBody } from '../../server/protocol.ts';
import { presenterToken } from './env.ts';
import { activeSandbox, sandboxGone, sandboxHeaders, sandboxStore } from './sandbox.ts';

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.error);
  }
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const sandbox = activeSandbox();
  const token = presenterToken();
  if (sandbox) for (const [k, v] of Object.entries(sandboxHeaders(sandbox))) headers.set(k, v);
  else if (token) headers.set('Authorization', `Bearer ${token}`);
  const res = await fetch(path, { ...init, headers });
  const text = await res.text();
  if (!res.ok) {
    let body: ApiErrorBody;
    try {
      body = JSON.parse(text);
      if (typeof body?.error !== 'string') throw new Error();
    } catch {
      body = { error: `${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}` };
    }
    if (sandbox && res.status === 404 && /no such sandbox/.test(body.error)) sandboxStore().lost(sandbox.id, sandboxGone((body as { evicted?: unknown }).evicted));
    throw new ApiRequestError(res.status, body);
  }
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? JSON.parse(text) : text) as T;
}

export const postYaml = <T>(path: string, yaml: string) =>
  api<T>(path, { method: 'POST', headers: { 'Content-Type': 'application/yaml' }, body: yaml });

export const postJson = <T>(path: string, body: unknown) =>
  api<T>(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

export function errorText(e: unknown): string {
  if (e instanceof ApiRequestError) {
    const b = e.body;
    const where = [b.document !== undefined ? `document ${b.document + 1}` : '', b.line ? `line ${b.line}` : '', b.field ? `field ${b.field}` : '']
      .filter(Boolean)
      .join(', ');
    return where ? `${b.error} (${where})` : b.error;
  }
  return e instanceof Error ? e.message : String(e);
}
