/**
 * The `fieldValidation` query parameter of writes, as the kube-apiserver applies it: with
 * `Strict` a body with unknown or duplicate fields is refused, with `Warn` (the default when
 * absent) it is accepted and each problem comes back as a `Warning` header (kubectl prints
 * `Warning: unknown field "spec.replica"`), with `Ignore` nothing is said. Built-in kinds are
 * checked against their built-in schemas, CRD kinds against their version's schema. Istio's
 * kinds are left to istiod's webhook, which refuses unknown fields whatever the parameter says.
 */
import { ISTIO_KIND_LIST } from '../../kinds.ts';
import { JSON_TYPE, bodyText, mediaType } from './body.ts';
import { ApiError, badRequest } from './errors.ts';
import { goQuote } from './go-format.ts';
import { kindSchema } from './openapi/documents.ts';
import { pruneUnknownFields, strictDecodingProblems, unknownFieldPaths } from './openapi/strict-fields.ts';
import { PATCH_TYPES } from './patch.ts';
import type { ResourceType } from './types.ts';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

const DIRECTIVES: readonly string[] = ['Ignore', 'Strict', 'Warn'];
const ISTIO_GROUPS = new Set(ISTIO_KIND_LIST.map((k) => k.group));

/**
 * The request's directive; an unknown value is refused as the apiserver refuses it, naming
 * the options kind of the verb (CreateOptions, UpdateOptions, PatchOptions).
 */
export function fieldValidationOf(query: URLSearchParams, options: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): FieldValidation {
  const value = query.get('fieldValidation') ?? '';
  if (value === '') return 'Warn';
  if (DIRECTIVES.includes(value)) return value as FieldValidation;
  const supported = ['', ...DIRECTIVES].map((v) => JSON.stringify(v)).join(', ');
  const message = `Unsupported value: ${goQuote(value)}: supported values: ${supported}`;
  throw new ApiError(422, 'Invalid', `${options}.meta.k8s.io "" is invalid: fieldValidation: ${message}`, {
    group: 'meta.k8s.io',
    kind: options,
    causes: [{ reason: 'FieldValueNotSupported', message, field: 'fieldValidation' }],
  });
}

/** Unknown and duplicate fields of a JSON text for this kind, or none when the kind is not checked here. */
function strictFieldProblems(type: ResourceType, version: string, json: string, parsed: unknown): string[] {
  if (ISTIO_GROUPS.has(type.group)) return [];
  const found = kindSchema(type, version);
  if (!found) return strictDecodingProblems(json, parsed, undefined);
  return strictDecodingProblems(json, parsed, found.schema, found.definitions);
}

/** The undeclared fields of a decoded object of this kind, as the decoder names them. */
function unknownFields(type: ResourceType, version: string, obj: unknown): string[] {
  const found = ISTIO_GROUPS.has(type.group) ? undefined : kindSchema(type, version);
  return found ? unknownFieldPaths(obj, found.schema, found.definitions, 'decode').map((p) => `unknown field ${JSON.stringify(p)}`) : [];
}

/** Adds `299 - "<text>"` Warning values, as the apiserver reports what it let through. */
export function addWarnings(warnings: string[], texts: string[]): void {
  // A patch retried after a concurrent write reports its problems once.
  for (const t of texts) {
    const warning = `299 - ${goQuote(t)}`;
    if (!warnings.includes(warning)) warnings.push(warning);
  }
}

const strictError = (problems: string[]) => `strict decoding error: ${problems.join(', ')}`;

/** Drops, in place, the fields the kind's schema does not declare, as decoding does. */
function dropUnknownFields(type: ResourceType, version: string, obj: unknown): void {
  if (ISTIO_GROUPS.has(type.group)) return;
  const found = kindSchema(type, version);
  if (found) pruneUnknownFields(obj, found.schema, found.definitions);
}

/**
 * A create or replace body (`parsed`, decoded from `body`): refused (400) under Strict when
 * it has unknown or duplicate fields, warned about under Warn; the unknown fields are then
 * dropped from `parsed`, whatever the directive, since the kind's types cannot hold them.
 */
export function checkBodyFields(warnings: string[], type: ResourceType, version: string, directive: FieldValidation, req: Request, body: Uint8Array, parsed: unknown): void {
  if (directive !== 'Ignore') {
    const problems = strictFieldProblems(type, version, bodyJsonText(req, body, parsed), parsed);
    if (problems.length && directive === 'Strict') {
      throw badRequest(`${type.kind} in version ${JSON.stringify(version)} cannot be handled as a ${type.kind}: ${strictError(problems)}`);
    }
    addWarnings(warnings, problems);
  }
  dropUnknownFields(type, version, parsed);
}

/** The body as JSON text: as sent when it is JSON, else the decoded object written out. */
function bodyJsonText(req: Request, body: Uint8Array, parsed: unknown): string {
  return mediaType(req) === JSON_TYPE ? bodyText(body) : JSON.stringify(parsed);
}

/**
 * A non-apply patch and the object it gives: under Strict, fields given twice in the patch
 * or undeclared in the result are refused (422, `The request is invalid: patch: Invalid value:
 * …`, quoting the patch for a strategic merge patch, else the patched object); under Warn
 * they are warned about. Returns the object to store: `patched`, or a copy without the
 * undeclared fields (the patched object may share parts with the stored one).
 */
export function checkPatchedFields<T>(warnings: string[], type: ResourceType, version: string, directive: FieldValidation, req: Request, body: Uint8Array, patched: T): T {
  if (ISTIO_GROUPS.has(type.group)) return patched;
  const unknown = unknownFields(type, version, patched);
  if (directive !== 'Ignore') {
    const patchText = bodyText(body);
    const duplicates = mediaType(req) === PATCH_TYPES.json ? [] : strictDecodingProblems(patchText, JSON.parse(patchText), undefined);
    const problems = [...duplicates, ...unknown];
    if (problems.length && directive === 'Strict') {
      const shown = mediaType(req) === PATCH_TYPES.strategic ? goValueText(JSON.parse(patchText)) : sortedJson(patched);
      const message = `Invalid value: ${goQuote(shown)}: ${strictError(problems)}`;
      throw new ApiError(422, 'Invalid', ` "" is invalid: patch: ${message}`, { causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }] });
    }
    addWarnings(warnings, problems);
  }
  if (!unknown.length) return patched;
  const copy = structuredClone(patched);
  dropUnknownFields(type, version, copy);
  return copy;
}

/**
 * A server-side apply configuration must fit the kind's schema whatever the directive: the
 * apiserver cannot type it otherwise and answers 400 `failed to create typed patch object`.
 */
export function checkAppliedFields(type: ResourceType, version: string, applied: { metadata?: { name?: unknown; namespace?: unknown } }): void {
  if (ISTIO_GROUPS.has(type.group)) return;
  const found = kindSchema(type, version);
  if (!found) return;
  const errors = unknownFieldPaths(applied, found.schema, found.definitions, 'apply').map((path) => `${path}: field not declared in schema`);
  if (!errors.length) return;
  const object = `${applied.metadata?.namespace ?? ''}/${applied.metadata?.name ?? ''}; ${type.group}/${version}, Kind=${type.kind}`;
  const detail = errors.length === 1 ? errors[0] : ['errors:', ...errors.map((e) => `  ${e}`)].join('\n');
  throw badRequest(`failed to create typed patch object (${object}): ${detail}`);
}

/** Go's `%+v` of a decoded JSON value, as the apiserver quotes a strategic merge patch: `map[spec:map[replicas:3]]`. */
function goValueText(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValueText).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goValueText(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** JSON with object keys sorted, as Go's encoder writes a patched object the apiserver quotes. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
