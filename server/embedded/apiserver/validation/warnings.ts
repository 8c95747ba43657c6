/**
 * What istiod's webhook accepts but warns about (kubectl prints these as `Warning: …`):
 * deprecated fields, an abort with no error type, and HTTP rules that can never match.
 */
import type { StatusCause } from '../types.ts';
import { FieldPath } from './causes.ts';

const isObj = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** JSON with sorted keys and the match's name left out, so equal matches compare equal. */
function matchKey(m: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (isObj(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, norm(v[k])]));
    return v;
  };
  const { name: _name, ...rest } = isObj(m) ? m : {};
  return JSON.stringify(norm(rest));
}

const routeName = (r: any, i: number) => (isObj(r) && r.name ? `"${r.name}"` : `#${i}`);
const matchName = (m: any, i: number) => (isObj(m) && m.name ? `"${m.name}"` : `#${i}`);

function unreachableRules(routes: unknown[], path: FieldPath, out: StatusCause[]): void {
  const seen = new Map<string, number>();
  let catchAll = -1;
  routes.forEach((r, i) => {
    const matches = isObj(r) ? list(r.match) : [];
    if (!matches.length) {
      if (catchAll >= 0) out.push({ field: path.index(i).text, message: `virtualService rule ${routeName(r, i)} not used (only the last rule can have no matches)` });
      catchAll = i;
      return;
    }
    let duplicates = 0;
    matches.forEach((m, j) => {
      const key = matchKey(m);
      const before = seen.get(key);
      if (before !== undefined) {
        out.push({ field: path.index(i).child('match').index(j).text, message: `virtualService rule ${routeName(r, i)} match ${matchName(m, j)} is not used (duplicate/overlapping match in rule ${routeName(routes[before], before)})` });
        duplicates++;
      } else seen.set(key, i);
    });
    if (duplicates === matches.length) out.push({ field: path.index(i).text, message: `virtualService rule ${routeName(r, i)} not used (all matches used by prior rules)` });
  });
}

export function istioWarnings(kind: string, obj: unknown): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = isObj(obj) && isObj(obj.spec) ? obj.spec : {};
  const path = new FieldPath('spec');
  if (kind === 'VirtualService') {
    list(spec.http).forEach((r, i) => {
      if (!isObj(r)) return;
      const p = path.child('http').index(i);
      if (r.mirrorPercent !== undefined) out.push({ field: p.child('mirrorPercent').text, message: 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead' });
      const abort = isObj(r.fault) ? r.fault.abort : undefined;
      if (isObj(abort) && abort.httpStatus === undefined && abort.grpcStatus === undefined && abort.http2Error === undefined) {
        out.push({ field: p.child('fault').child('abort').text, message: 'abort configured, but error type not set' });
      }
    });
    unreachableRules(list(spec.http), path.child('http'), out);
    unreachableRules(list(spec.tcp), path.child('tcp'), out);
    unreachableRules(list(spec.tls), path.child('tls'), out);
  }
  if (kind === 'DestinationRule') {
    const policies: Array<[FieldPath, any]> = [[path.child('trafficPolicy'), spec.trafficPolicy]];
    list(spec.subsets).forEach((s, i) => policies.push([path.child('subsets').index(i).child('trafficPolicy'), isObj(s) ? s.trafficPolicy : undefined]));
    for (const [p, tp] of policies) {
      if (!isObj(tp)) continue;
      if (isObj(tp.outlierDetection) && tp.outlierDetection.consecutiveErrors) {
        out.push({ field: p.child('outlierDetection').child('consecutiveErrors').text, message: 'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead' });
      }
      const ch = isObj(tp.loadBalancer) ? tp.loadBalancer.consistentHash : undefined;
      if (isObj(ch) && ch.minimumRingSize) {
        out.push({ field: p.child('loadBalancer').child('consistentHash').child('minimumRingSize').text, message: "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead" });
      }
    }
  }
  const selector = isObj(spec.workloadSelector) ? spec.workloadSelector : isObj(spec.selector) && kind !== 'Gateway' ? spec.selector : undefined;
  if (selector && !Object.keys(selector.matchLabels ?? selector.labels ?? {}).length) {
    out.push({ field: path.child(spec.workloadSelector ? 'workloadSelector' : 'selector').text, message: 'workload selector specified without labels' });
  }
  return out;
}
