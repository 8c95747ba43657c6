import jsonpatch, { type Operation } from 'fast-json-patch';
import { ApiError, badRequest } from './errors.ts';
import { SCALAR_SET, isPlainObject, listStrategy } from './merge-keys.ts';
import type { KubeObject, ResourceType } from './types.ts';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export const unsupportedPatchType = () =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
  );

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902 JSON patch; a failing operation becomes a 422 naming the operation. */
export function applyJsonPatch(target: KubeObject, ops: unknown): KubeObject {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  const doc = structuredClone(target);
  try {
    return jsonpatch.applyPatch(doc, ops as Operation[], true, true).newDocument;
  } catch (err: any) {
    const op = err?.operation;
    const what = op ? `jsonpatch ${op.op} operation at ${op.path} (operation ${err.index})` : 'jsonpatch';
    const reason = String(err?.message ?? err).split('\n')[0];
    throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${what}: ${reason}`);
  }
}

/**
 * Strategic merge patch for built-in kinds: lists with a merge key merge by that key,
 * and kubectl's directives ($patch, $retainKeys, $setElementOrder, $deleteFromPrimitiveList)
 * are honoured and never stored.
 */
export function strategicMergePatch(type: ResourceType, target: KubeObject, patch: unknown): KubeObject {
  if (!isPlainObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
  return mergeMap(type, target, patch, []) as KubeObject;
}

function mergeMap(type: ResourceType, original: unknown, patch: Record<string, any>, path: string[]): Record<string, any> | undefined {
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') return stripDirectives(type, patch, path);
  const out: Record<string, any> = isPlainObject(original) ? { ...original } : {};
  if (Array.isArray(patch.$retainKeys)) {
    for (const k of Object.keys(out)) if (!patch.$retainKeys.includes(k)) delete out[k];
  }
  const orders: Array<[string, unknown[]]> = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) {
      if (Array.isArray(value)) orders.push([key.slice('$setElementOrder/'.length), value]);
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(value)) out[field] = out[field].filter((v: unknown) => !value.includes(v));
      continue;
    }
    if (value === null) delete out[key];
    else if (Array.isArray(value)) out[key] = mergeList(type, out[key], value, [...path, key]);
    else if (isPlainObject(value)) {
      const merged = mergeMap(type, out[key], value, [...path, key]);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else out[key] = value;
  }
  for (const [field, order] of orders) {
    if (Array.isArray(out[field])) out[field] = applyOrder(type, out[field], order, [...path, field]);
  }
  return out;
}

function mergeList(type: ResourceType, original: unknown, patch: unknown[], path: string[]): unknown[] {
  const strategy = listStrategy(type, path);
  const orig = Array.isArray(original) ? original : [];
  if (strategy === SCALAR_SET) {
    const out = [...orig];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  if (strategy === undefined || patch.some((p) => isPlainObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isPlainObject(p) && p.$patch === 'replace')).map((p) => (isPlainObject(p) ? stripDirectives(type, p, path) : p));
  }
  const key = strategy;
  const out = [...orig];
  for (const item of patch) {
    if (!isPlainObject(item)) {
      out.push(item);
      continue;
    }
    const idx = out.findIndex((o) => isPlainObject(o) && o[key] === item[key]);
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    const merged = mergeMap(type, idx >= 0 ? out[idx] : undefined, item, path);
    if (idx >= 0) out[idx] = merged;
    else out.push(merged);
  }
  return out;
}

/** Reorders a merged list as `$setElementOrder` says; items it doesn't name keep their place at the end. */
function applyOrder(type: ResourceType, list: unknown[], order: unknown[], path: string[]): unknown[] {
  const strategy = listStrategy(type, path);
  const keyOf = (v: unknown) => (typeof strategy === 'string' && isPlainObject(v) ? v[strategy] : v);
  const wanted = order.map(keyOf);
  const ordered: unknown[] = [];
  for (const k of wanted) {
    const found = list.find((v) => keyOf(v) === k);
    if (found !== undefined) ordered.push(found);
  }
  for (const v of list) if (!wanted.includes(keyOf(v))) ordered.push(v);
  return ordered;
}

function stripDirectives(type: ResourceType, patch: Record<string, any>, path: string[]): Record<string, any> {
  const merged = mergeMap(type, undefined, { ...patch, $patch: undefined }, path) ?? {};
  delete merged.$patch;
  return merged;
}
