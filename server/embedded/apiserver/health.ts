/**
 * The apiserver's health endpoints: /healthz, /livez and /readyz answer `ok`; with
 * `?verbose` they list each check as `[+]name ok` and end with `<endpoint> check passed`;
 * `?exclude=name` marks a check as skipped; `/readyz/<check>` asks for one check.
 */
import { pathNotFound } from './request.ts';

const COMMON = ['ping', 'log', 'etcd'];
const HOOKS = [
  'poststarthook/start-apiserver-admission-initializer',
  'poststarthook/generic-apiserver-start-informers',
  'poststarthook/start-apiextensions-informers',
  'poststarthook/start-apiextensions-controllers',
  'poststarthook/crd-informer-synced',
  'poststarthook/bootstrap-controller',
];

/** Each endpoint's checks, in the apiserver's order (readiness adds storage, informers and shutdown). */
const CHECKS: Record<string, string[]> = {
  healthz: [...COMMON, ...HOOKS],
  livez: [...COMMON, ...HOOKS],
  readyz: [...COMMON, 'etcd-readiness', 'informer-sync', ...HOOKS, 'shutdown'],
};

export const isHealthPath = (segs: string[]) => segs.length > 0 && Object.hasOwn(CHECKS, segs[0]);

/** The text answer for a health path (every check of the embedded cluster passes while it serves). */
export function healthAnswer(segs: string[], q: URLSearchParams): string {
  const endpoint = segs[0];
  const checks = CHECKS[endpoint];
  if (segs.length > 1) {
    const one = segs.slice(1).join('/');
    if (!checks.includes(one)) throw pathNotFound();
    return 'ok';
  }
  if (!q.has('verbose')) return 'ok';
  const excluded = new Set(q.getAll('exclude').flatMap((e) => e.split(',')).filter(Boolean));
  const lines = checks.map((c) => (excluded.delete(c) ? `[+]${c} excluded: ok` : `[+]${c} ok`));
  if (excluded.size) lines.push(`warn: some health checks cannot be excluded: no matches for ${[...excluded].sort().map((e) => `"${e}"`).join(',')}`);
  return `${lines.join('\n')}\n${endpoint} check passed\n`;
}
