/**
 * Kubernetes version priority, which orders a group's versions in discovery and picks the
 * preferred one: GA before beta before alpha, higher numbers first within each, then any
 * other name alphabetically (v1 > v1beta2 > v1beta1 > v1alpha3 > foo).
 */
const VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

function rank(version: string): [number, number, number] | undefined {
  const m = VERSION.exec(version);
  if (!m) return undefined;
  const stability = m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0;
  return [stability, Number(m[1]), m[3] === undefined ? 0 : Number(m[3])];
}

/** Negative when `a` comes first. */
export function compareVersions(a: string, b: string): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra && rb) return rb[0] - ra[0] || rb[1] - ra[1] || rb[2] - ra[2];
  if (ra) return -1;
  if (rb) return 1;
  return a.localeCompare(b);
}

export const byVersionPriority = (versions: readonly string[]) => [...versions].sort(compareVersions);
