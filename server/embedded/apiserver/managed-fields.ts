import { ApiError } from './errors.ts';
import { SCALAR_SET, isPlainObject, listStrategy } from './merge-keys.ts';
import type { KubeObject, ResourceType } from './types.ts';

/**
 * Field ownership for server-side apply. A path is a list of tokens in the FieldsV1
 * vocabulary: `f:name` for a field, `k:{"name":"app"}` for a keyed list item, `v:"x"` for a
 * set member, and `.` for the list item itself.
 */
type Path = string[];

interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  paths: Set<string>;
  subresource?: string;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const SKIPPED_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'managedFields', 'selfLink', 'generateName']);
const enc = (p: Path) => JSON.stringify(p);
const dec = (s: string): Path => JSON.parse(s);

/**
 * Every owned leaf of an object (the fields a manager that set it would own); given `old`,
 * only the leaves whose value differs from it, found in the same single walk.
 */
export function leafPaths(type: ResourceType, obj: Record<string, any>, old?: Record<string, any>): Set<string> {
  const out = new Set<string>();
  const compare = old !== undefined;
  const child = (parent: unknown, k: string) => (isPlainObject(parent) && k in parent ? parent[k] : MISSING);
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata' && isPlainObject(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (SKIPPED_METADATA.has(mk) || mv === undefined) continue;
        walk(type, mv, ext(ext('', 'f:metadata'), `f:${mk}`), ['metadata', mk], out, compare, child(child(old, 'metadata'), mk));
      }
      continue;
    }
    walk(type, v, ext('', `f:${k}`), [k], out, compare, child(old, k));
  }
  return out;
}

/**
 * A path being built, as its encoding without the brackets (`"f:spec","f:x"`): extending it
 * costs one token, not a copy and re-encoding of the whole path.
 */
type PathText = string;
const ext = (prefix: PathText, token: string): PathText => (prefix ? `${prefix},${JSON.stringify(token)}` : JSON.stringify(token));
const close = (prefix: PathText) => `[${prefix}]`;

const childOf = (parent: unknown, k: string) => (isPlainObject(parent) && k in parent ? parent[k] : MISSING);

/** Adds the path unless, comparing, its value is the one it had. */
function keepChanged(out: Set<string>, compare: boolean, p: PathText, now: unknown, was: unknown): void {
  if (!compare || was === MISSING || !sameValue(was, now)) out.add(close(p));
}

function walk(type: ResourceType, v: unknown, path: PathText, names: string[], out: Set<string>, compare: boolean, old: unknown): void {
  if (v === undefined) return;
  const keep = (p: PathText, now: unknown, was: unknown) => keepChanged(out, compare, p, now, was);
  if (isPlainObject(v) && Object.keys(v).length > 0) {
    for (const [k, c] of Object.entries(v)) walk(type, c, ext(path, `f:${k}`), [...names, k], out, compare, compare ? childOf(old, k) : MISSING);
    return;
  }
  if (Array.isArray(v) && v.length > 0) {
    const strategy = listStrategy(type, names);
    if (strategy === SCALAR_SET) {
      const had = compare && Array.isArray(old) ? old : [];
      for (const item of v) keep(ext(path, `v:${JSON.stringify(item)}`), item, hasMember(had, item) ? item : MISSING);
      return;
    }
    if (typeof strategy === 'string' && v.every((item) => isPlainObject(item) && item[strategy] !== undefined)) {
      const oldItems = compare && Array.isArray(old) ? old : [];
      for (const item of v) {
        const itemPath = ext(path, `k:${JSON.stringify({ [strategy]: item[strategy] })}`);
        const was = itemByKey(oldItems, strategy, item[strategy]) ?? MISSING;
        keep(ext(itemPath, '.'), item, was);
        for (const [k, c] of Object.entries(item)) walk(type, c, ext(itemPath, `f:${k}`), [...names, k], out, compare, compare ? childOf(was, k) : MISSING);
      }
      return;
    }
  }
  keep(path, v, old);
}

const MISSING = Symbol('missing');

/**
 * Per list, its items by merge-key value (`field\0json`) and its scalar members, built once:
 * looking every path's item up by searching the list would be quadratic in the list's length.
 */
const keyedItems = new WeakMap<unknown[], Map<string, unknown>>();
const scalarMembers = new WeakMap<unknown[], Set<unknown>>();

function itemByKey(list: unknown[], field: string, want: unknown): unknown {
  let index = keyedItems.get(list);
  if (!index) {
    index = new Map();
    for (const item of list) {
      if (!isPlainObject(item)) continue;
      for (const [k, v] of Object.entries(item)) {
        const id = `${k}\0${JSON.stringify(v)}`;
        if ((typeof v !== 'object' || v === null) && !index.has(id)) index.set(id, item);
      }
    }
    keyedItems.set(list, index);
  }
  return index.get(`${field}\0${JSON.stringify(want)}`);
}

function hasMember(list: unknown[], want: unknown): boolean {
  let members = scalarMembers.get(list);
  if (!members) scalarMembers.set(list, (members = new Set(list)));
  return members.has(want);
}

/** A list changed in place: its lookups are rebuilt on next use. */
function forget(list: unknown[]): void {
  keyedItems.delete(list);
  scalarMembers.delete(list);
}

/** The value at a path, or MISSING. */
function valueAt(obj: unknown, path: Path): unknown {
  let cur: any = obj;
  for (const tok of path) {
    if (tok === '.') return cur;
    if (tok.startsWith('f:')) {
      if (!isPlainObject(cur) || !(tok.slice(2) in cur)) return MISSING;
      cur = cur[tok.slice(2)];
    } else if (tok.startsWith('k:')) {
      const key = JSON.parse(tok.slice(2));
      const [k, want] = Object.entries(key)[0];
      if (!Array.isArray(cur)) return MISSING;
      cur = itemByKey(cur, k, want);
      if (cur === undefined) return MISSING;
    } else if (tok.startsWith('v:')) {
      const want = JSON.parse(tok.slice(2));
      return Array.isArray(cur) && hasMember(cur, want) ? want : MISSING;
    }
  }
  return cur;
}

/** Removes the field at a path (in place, on a private copy). */
function removeAt(obj: any, path: Path): void {
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  if (last === '.') return removeAt(obj, parentPath);
  const parent = valueAt(obj, parentPath) as any;
  if (parent === MISSING || parent === undefined) return;
  if (last.startsWith('f:') && isPlainObject(parent)) delete parent[last.slice(2)];
  else if (last.startsWith('k:') && Array.isArray(parent)) {
    const [k, want] = Object.entries(JSON.parse(last.slice(2)))[0];
    const idx = parent.findIndex((item) => isPlainObject(item) && item[k] === want);
    if (idx >= 0) parent.splice(idx, 1);
    forget(parent);
  } else if (last.startsWith('v:') && Array.isArray(parent)) {
    const idx = parent.indexOf(JSON.parse(last.slice(2)));
    if (idx >= 0) parent.splice(idx, 1);
    forget(parent);
  }
}

/** `.spec.template.spec.containers[name="app"].image`, as real conflict messages print paths. */
export function formatPath(path: Path): string {
  let s = '';
  for (const tok of path) {
    if (tok === '.') continue;
    if (tok.startsWith('f:')) s += '.' + tok.slice(2);
    else if (tok.startsWith('k:')) {
      s += '[' + Object.entries(JSON.parse(tok.slice(2))).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',') + ']';
    } else if (tok.startsWith('v:')) s += `[${tok.slice(2)}]`;
  }
  return s;
}

function toFieldsV1(paths: Set<string>): Record<string, any> {
  const root: Record<string, any> = {};
  for (const p of [...paths].sort()) {
    let node = root;
    for (const tok of dec(p)) node = node[tok] ??= {};
  }
  return root;
}

function fromFieldsV1(tree: unknown, prefix: Path = [], out = new Set<string>()): Set<string> {
  if (!isPlainObject(tree)) return out;
  const keys = Object.keys(tree);
  if (keys.length === 0 && prefix.length) out.add(enc(prefix));
  for (const k of keys) fromFieldsV1(tree[k], [...prefix, k], out);
  return out;
}

function readEntries(obj: KubeObject | undefined): ManagerEntry[] {
  const raw = (obj?.metadata?.managedFields ?? []) as any[];
  return raw
    .filter((e) => e && typeof e.manager === 'string')
    .map((e) => ({
      manager: e.manager,
      operation: e.operation === 'Apply' ? 'Apply' : 'Update',
      apiVersion: e.apiVersion,
      time: e.time,
      subresource: e.subresource,
      paths: fromFieldsV1(e.fieldsV1),
    }));
}

function writeEntries(obj: KubeObject, entries: ManagerEntry[]): void {
  const kept = entries.filter((e) => e.paths.size > 0);
  obj.metadata.managedFields = kept.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(e.paths),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
  if (!kept.length) delete obj.metadata.managedFields;
}

/** Drops owned paths that no longer exist in the object. */
function pruneMissing(obj: KubeObject, entries: ManagerEntry[]): void {
  for (const e of entries) for (const p of [...e.paths]) if (valueAt(obj, dec(p)) === MISSING) e.paths.delete(p);
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Records a non-apply write (create, replace, patch): `manager` takes ownership of every
 * field whose value it changed; nobody else keeps those.
 */
export function recordUpdate(type: ResourceType, old: KubeObject | undefined, updated: KubeObject, manager: string, apiVersion: string, time: string, subresource?: string): void {
  const entries = readEntries(old ?? updated);
  if (!old) entries.length = 0;
  const changed = [...leafPaths(type, updated, old)];
  pruneMissing(updated, entries);
  if (changed.length) {
    for (const e of entries) for (const p of changed) e.paths.delete(p);
    let mine = entries.find((e) => e.manager === manager && e.operation === 'Update' && e.subresource === subresource);
    if (!mine) entries.push((mine = { manager, operation: 'Update', apiVersion, time, paths: new Set(), subresource }));
    for (const p of changed) mine.paths.add(p);
    mine.time = time;
    mine.apiVersion = apiVersion;
  }
  writeEntries(updated, entries);
}

/** Like structured-merge-diff's Conflicts.Error(): one line for one conflict, else grouped by manager. */
function conflictText(conflicts: Array<{ manager: string; path: string }>): string {
  if (conflicts.length === 1) return `conflict with "${conflicts[0].manager}": ${conflicts[0].path}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.path]);
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort()) {
    lines.push(`conflicts with "${manager}":`);
    for (const path of byManager.get(manager)!) lines.push(`- ${path}`);
  }
  return lines.join('\n');
}

export interface ApplyResult {
  object: KubeObject;
}

/**
 * Server-side apply: merges `applied` into `live` as `manager`, removes fields the manager
 * stopped setting (unless someone else owns them), and refuses to change another manager's
 * field unless `force`.
 */
export function serverSideApply(opts: {
  type: ResourceType;
  live: KubeObject | undefined;
  applied: KubeObject;
  manager: string;
  force: boolean;
  apiVersion: string;
  time: string;
  merge: (target: KubeObject, patch: KubeObject) => KubeObject;
}): KubeObject {
  const { type, live, applied, manager, force, apiVersion, time } = opts;
  const entries = readEntries(live);
  const newPaths = leafPaths(type, applied);
  const conflicts: Array<{ manager: string; path: string }> = [];
  for (const e of entries) {
    if (e.manager === manager && e.operation === 'Apply') continue;
    for (const p of newPaths) {
      if (!e.paths.has(p)) continue;
      const path = dec(p);
      // A keyed list item's own marker carries no value of its own; only its fields conflict.
      if (path[path.length - 1] === '.') continue;
      if (path[1] === 'f:annotations' && path[2] === `f:${LAST_APPLIED}`) continue;
      if (sameValue(valueAt(live, path), valueAt(applied, path))) continue;
      if (force) e.paths.delete(p);
      else conflicts.push({ manager: e.manager, path: formatPath(path) });
    }
  }
  if (conflicts.length) {
    const message = `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflictText(conflicts)}`;
    throw new ApiError(409, 'Conflict', message, {
      name: applied.metadata.name,
      group: type.group || undefined,
      kind: type.plural,
      causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.path })),
    });
  }
  let mine = entries.find((e) => e.manager === manager && e.operation === 'Apply');
  const base: KubeObject = live ? structuredClone(live) : { metadata: { name: applied.metadata.name } };
  if (mine) {
    // Every path other managers own, and every path leading to one (`["f:a","k:…",` form).
    const othersPaths = new Set<string>();
    const othersPrefixes = new Set<string>();
    for (const e of entries) {
      if (e === mine) continue;
      for (const p of e.paths) {
        othersPaths.add(p);
        const tokens = dec(p);
        for (let i = 1; i < tokens.length; i++) othersPrefixes.add(enc(tokens.slice(0, i)).slice(0, -1) + ',');
      }
    }
    const othersOwn = (p: string) => {
      // A list item stays while anyone else owns one of its fields.
      const prefix = p.endsWith(',"."]') ? p.slice(0, -'"."]'.length) : undefined;
      return othersPaths.has(p) || (prefix !== undefined && othersPrefixes.has(prefix));
    };
    // Shortest paths first: removing a list item makes removing its fields a no-op.
    const dropped = [...mine.paths].filter((p) => !newPaths.has(p) && !othersOwn(p)).sort((a, b) => a.length - b.length);
    for (const p of dropped) removeAt(base, dec(p));
  }
  const merged = opts.merge(base, applied);
  if (!mine) entries.push((mine = { manager, operation: 'Apply', apiVersion, time, paths: new Set() }));
  mine.paths = newPaths;
  mine.time = time;
  mine.apiVersion = apiVersion;
  pruneMissing(merged, entries);
  writeEntries(merged, entries);
  return merged;
}
