import { badRequest } from './errors.ts';
import type { KubeObject } from './types.ts';

/** A parsed selector: true when the object matches. */
export type Matcher = (obj: KubeObject) => boolean;

const matchAll: Matcher = () => true;

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/**
 * Parses a label selector as the API accepts it: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x)`, `a`, `!a`, joined by commas.
 */
export function parseLabelSelector(selector: string | undefined | null): Matcher {
  if (!selector || !selector.trim()) return matchAll;
  const reqs = splitTopLevel(selector).map((part) => parseLabelRequirement(part.trim(), selector));
  return (obj) => {
    const labels = obj.metadata?.labels ?? {};
    return reqs.every((r) => labelMatches(r, labels));
  };
}

function parseLabelRequirement(part: string, whole: string): Requirement {
  let m = /^([^\s=!(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
  if (m) return { op: m[2] as 'in' | 'notin', key: m[1], values: m[3].split(',').map((v) => v.trim()).filter((v) => v !== '') };
  m = /^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(part);
  if (m) return { op: m[2] === '!=' ? 'neq' : 'eq', key: m[1], value: m[3] };
  m = /^!\s*([^\s=!(),]+)$/.exec(part);
  if (m) return { op: 'notexists', key: m[1] };
  m = /^([^\s=!(),]+)$/.exec(part);
  if (m) return { op: 'exists', key: m[1] };
  throw badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt (in label selector "${whole}")`);
}

function labelMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case 'eq':
      return has && v === r.value;
    case 'neq':
      return !has || v !== r.value;
    case 'in':
      return has && r.values.includes(v);
    case 'notin':
      return !has || !r.values.includes(v);
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}

/** Commas inside `in (a,b)` do not separate requirements. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.filter((p) => p.trim() !== '');
}

/** The fields a field selector may name, per kind (as a real server allows). */
function fieldValue(obj: KubeObject, field: string): string | undefined {
  switch (field) {
    case 'metadata.name':
      return obj.metadata?.name ?? '';
    case 'metadata.namespace':
      return obj.metadata?.namespace ?? '';
    case 'status.phase':
      return obj.kind === 'Pod' || obj.kind === 'Namespace' ? obj.status?.phase ?? '' : undefined;
    case 'spec.nodeName':
      return obj.kind === 'Pod' ? obj.spec?.nodeName ?? '' : undefined;
  }
  if (field.startsWith('involvedObject.') && obj.kind === 'Event') {
    const v = obj.involvedObject?.[field.slice('involvedObject.'.length)];
    return v === undefined || v === null ? '' : String(v);
  }
  if (obj.kind === 'Event' && (field === 'reason' || field === 'type' || field === 'source')) {
    return field === 'source' ? obj.source?.component ?? '' : obj[field] ?? '';
  }
  return undefined;
}

/** Parses `metadata.name=web,status.phase!=Running` (=, == and != only, like the API). */
export function parseFieldSelector(selector: string | undefined | null, kind: string): Matcher {
  if (!selector || !selector.trim()) return matchAll;
  const reqs = selector.split(',').map((part) => {
    const m = /^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    return { field: m[1], neq: m[2] === '!=', value: m[3] };
  });
  const probe = { kind, metadata: { name: '' } } as KubeObject;
  for (const r of reqs) {
    if (fieldValue(probe, r.field) === undefined) {
      throw badRequest(`field label not supported: ${r.field}`);
    }
  }
  return (obj) =>
    reqs.every((r) => {
      const v = fieldValue({ ...obj, kind }, r.field) ?? '';
      return r.neq ? v !== r.value : v === r.value;
    });
}

/** `app=web,tier=front` from a map, keys sorted, as kubectl prints selectors. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>';
}

/** A LabelSelector (matchLabels/matchExpressions) as a string, like metav1.FormatLabelSelector. */
export function formatLabelSelector(sel: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined | null): string {
  if (!sel) return '<none>';
  const parts: string[] = [];
  for (const k of Object.keys(sel.matchLabels ?? {}).sort()) parts.push(`${k}=${sel.matchLabels![k]}`);
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === 'exists') parts.push(e.key);
    else if (op === 'doesnotexist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${op} (${(e.values ?? []).join(',')})`);
  }
  return parts.length ? parts.join(',') : '<none>';
}
