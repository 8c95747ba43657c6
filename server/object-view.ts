/**
 * An object as people compare and read it, without the server's bookkeeping (managed fields,
 * resource version, uid, timestamps, status, kubectl's last-applied annotation). The apply
 * diffs, the Run button's `-o yaml` and the browser's resource panels all show this view.
 */

const BOOKKEEPING_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function withoutBookkeeping<T extends { metadata?: unknown }>(o: T): T;
export function withoutBookkeeping<T extends { metadata?: unknown }>(o: T | undefined): T | undefined;
export function withoutBookkeeping<T extends { metadata?: unknown }>(o: T | undefined): T | undefined {
  if (!o) return undefined;
  const { status, ...rest } = o as T & { status?: unknown };
  void status;
  if (!o.metadata || typeof o.metadata !== 'object') return rest as T;
  const metadata: Record<string, unknown> = { ...(o.metadata as Record<string, unknown>) };
  for (const k of BOOKKEEPING_METADATA) delete metadata[k];
  const annotations = { ...((metadata.annotations as Record<string, string> | undefined) ?? {}) };
  delete annotations[LAST_APPLIED];
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { ...rest, metadata } as T;
}
