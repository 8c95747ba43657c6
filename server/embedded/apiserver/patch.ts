import jsonpatch, { type Operation } from 'fast-json-patch';
import { ApiError, badRequest, invalid } from './errors.ts';
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

/** The apiserver's bound on operations in one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;
/** How much `copy` operations may add to an object in all, as the apiserver bounds it (its body limit). */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;
/**
 * Items one list may have after a strategic merge or apply. A 3 MiB body can carry about a
 * million tiny items; each costs a field-ownership path, so the bound keeps one request's work
 * to a fraction of a second while staying far above any real object's lists.
 */
export const MAX_LIST_ITEMS = 50_000;

/** RFC 6902 JSON patch; a failing operation becomes a 422 naming the operation. */
export function applyJsonPatch(target: KubeObject, ops: unknown): KubeObject {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(422, 'RequestEntityTooLarge', `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  let doc: unknown = structuredClone(target);
  let copied = 0;
  ops.forEach((op, index) => {
    try {
      // Copies are the one way a small patch makes a big object: count what each adds, stop at the bound.
      if (isPlainObject(op) && op.op === 'copy' && typeof op.from === 'string') {
        copied += JSON.stringify(jsonpatch.getValueByPointer(doc, op.from) ?? null).length;
        if (copied > MAX_JSON_PATCH_COPY_BYTES) {
          throw new ApiError(
            422,
            'RequestEntityTooLarge',
            `the server rejected our request due to an error in our request: jsonpatch copy operation at ${op.path} (operation ${index}): the copies add ${copied} bytes in all, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`,
          );
        }
      }
      doc = jsonpatch.applyOperation(doc, op as Operation, true, true, true, index).newDocument;
    } catch (err: any) {
      if (err instanceof ApiError) throw err;
      const failed = err?.operation ?? op;
      const what = isPlainObject(failed) ? `jsonpatch ${failed.op} operation at ${failed.path} (operation ${index})` : `jsonpatch operation ${index}`;
      const reason = String(err?.message ?? err).split('\n')[0];
      throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${what}: ${reason}`);
    }
  });
  return doc as KubeObject;
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
    const retained = new Set(patch.$retainKeys);
    for (const k of Object.keys(out)) if (!retained.has(k)) delete out[k];
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
      if (Array.isArray(out[field]) && Array.isArray(value)) {
        const removed = new Set(value);
        out[field] = out[field].filter((v: unknown) => !removed.has(v));
      }
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

/**
 * 422 when a list in `obj` (a body, or the result of merging one) has more than MAX_LIST_ITEMS
 * items. Walks with its own stack: the object may be as deep as the body limit allows.
 */
export function checkListBounds(type: ResourceType, name: string, obj: unknown): void {
  const stack: Array<[unknown, string]> = [[obj, '']];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (Array.isArray(value)) {
      if (value.length > MAX_LIST_ITEMS) {
        throw invalid(type, name, [{ reason: 'FieldValueTooMany', field: path, message: `Too many: ${value.length}: must have at most ${MAX_LIST_ITEMS} items` }]);
      }
      value.forEach((v, i) => typeof v === 'object' && v !== null && stack.push([v, `${path}[${i}]`]));
    } else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) if (typeof v === 'object' && v !== null) stack.push([v, path ? `${path}.${k}` : k]);
    }
  }
}

/** Merges in one pass: items are found by merge key through a map, never by searching the list. */
function mergeList(type: ResourceType, original: unknown, patch: unknown[], path: string[]): unknown[] {
  const strategy = listStrategy(type, path);
  const orig = Array.isArray(original) ? original : [];
  if (strategy === SCALAR_SET) {
    const out = [...orig];
    const seen = new Set(orig);
    for (const v of patch) {
      if (seen.has(v)) continue;
      seen.add(v);
      out.push(v);
    }
    return out;
  }
  if (strategy === undefined || patch.some((p) => isPlainObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isPlainObject(p) && p.$patch === 'replace')).map((p) => (isPlainObject(p) ? stripDirectives(type, p, path) : p));
  }
  const key = strategy;
  // Deleted items leave a hole (DELETED) that is dropped at the end, so indexes stay valid.
  const out: unknown[] = [...orig];
  const indexByKey = new Map<unknown, number>();
  out.forEach((o, i) => {
    if (isPlainObject(o) && !indexByKey.has(o[key])) indexByKey.set(o[key], i);
  });
  for (const item of patch) {
    if (!isPlainObject(item)) {
      out.push(item);
      continue;
    }
    const idx = indexByKey.get(item[key]);
    if (item.$patch === 'delete') {
      if (idx !== undefined) {
        out[idx] = DELETED;
        indexByKey.delete(item[key]);
      }
      continue;
    }
    const merged = mergeMap(type, idx !== undefined ? out[idx] : undefined, item, path);
    if (idx !== undefined) out[idx] = merged;
    else {
      indexByKey.set(item[key], out.length);
      out.push(merged);
    }
  }
  return out.includes(DELETED) ? out.filter((o) => o !== DELETED) : out;
}

const DELETED = Symbol('deleted');

/** Reorders a merged list as `$setElementOrder` says; items it doesn't name keep their place at the end. */
function applyOrder(type: ResourceType, list: unknown[], order: unknown[], path: string[]): unknown[] {
  const strategy = listStrategy(type, path);
  const keyOf = (v: unknown) => (typeof strategy === 'string' && isPlainObject(v) ? v[strategy] : v);
  const wanted = new Set(order.map(keyOf));
  const byKey = new Map<unknown, unknown>();
  for (const v of list) if (!byKey.has(keyOf(v))) byKey.set(keyOf(v), v);
  const ordered: unknown[] = [];
  for (const k of wanted) if (byKey.has(k)) ordered.push(byKey.get(k));
  for (const v of list) if (!wanted.has(keyOf(v))) ordered.push(v);
  return ordered;
}

function stripDirectives(type: ResourceType, patch: Record<string, any>, path: string[]): Record<string, any> {
  const merged = mergeMap(type, undefined, { ...patch, $patch: undefined }, path) ?? {};
  delete merged.$patch;
  return merged;
}
