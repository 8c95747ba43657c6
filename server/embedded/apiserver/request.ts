/**
 * What a resource request says, read one way for every handler: the kind, namespace, name
 * and subresource its path points at, its body checked against that target, its patch,
 * its field manager and its options.
 */
import { bodyText, mediaType, parseBody } from './body.ts';
import { ApiError, badRequest } from './errors.ts';
import { PATCH_TYPES, applyJsonPatch, mergePatch, strategicMergePatch, unsupportedPatchType } from './patch.ts';
import { queryInt } from './query.ts';
import { apiVersionOf, type ResourceRegistry } from './registry.ts';
import type { KubeObject, ResourceType } from './types.ts';
import { isBuiltinGroup } from './builtin-groups.ts';

/** Where a resource request points. */
export interface Target {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export const methodNotAllowed = () => new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
export const pathNotFound = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

/** One path segment, percent-decoded; a malformed escape is the client's mistake (400). */
export function decodePathSegment(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw badRequest(`the request path has a malformed percent-encoding in "${seg}"`);
  }
}

/** The path's segments, percent-decoded. */
export function pathSegments(pathname: string): string[] {
  return pathname.split('/').filter(Boolean).map(decodePathSegment);
}

const STREAMING_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|portforward|attach)$/;

/** The namespace, pod and subresource of a streaming request path, if it is one (400 for a malformed escape). */
export function streamingTarget(pathname: string): { namespace: string; name: string; subresource: string } | undefined {
  const m = STREAMING_PATH.exec(pathname);
  return m ? { namespace: decodePathSegment(m[1]), name: decodePathSegment(m[2]), subresource: m[3] } : undefined;
}

/** `/api/v1/...` or `/apis/{g}/{v}/...` → kind, namespace, name, subresource. */
export function resolveTarget(registry: ResourceRegistry, segs: string[]): Target | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) [group, version, rest] = ['', segs[1], segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 4) [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  // /namespaces/{ns}/{plural}/... is namespaced; /namespaces and /namespaces/{name}[/status] are the Namespace kind.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(group === '' && rest.length === 3 && ['status', 'finalize'].includes(rest[2]))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length) return undefined;
  const type = registry.byPlural(group, plural);
  if (!type || !type.versions.includes(version)) return undefined;
  if (namespace !== undefined && !type.namespaced) return undefined;
  if (subresource && !(type.subresources ?? []).includes(subresource)) return undefined;
  return { type, version, namespace, name, subresource };
}

/** The apiVersion the request's URL names. */
export const targetApiVersion = (t: Target) => apiVersionOf(t.type, t.version);

/** The object as the URL's version shows it (a CRD's kinds are stored once; their defaults apply on read too). */
export function present(t: Target, stored: KubeObject): KubeObject {
  const apiVersion = targetApiVersion(t);
  const obj = t.type.customResource ? t.type.customResource.readBack(stored, t.version) : stored;
  return obj.apiVersion === apiVersion && obj.kind === t.type.kind ? obj : { ...obj, apiVersion, kind: t.type.kind };
}

/** Checks the body names the URL's kind, name and namespace; fills in what it leaves out. */
export function conform(t: Target, body: any, opts: { name?: string } = {}): KubeObject {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`the request body must be a ${t.type.kind} object`);
  if (body.kind && body.kind !== t.type.kind) {
    throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${t.type.kind})`);
  }
  if (body.apiVersion && !(t.type.group ? t.type.versions.map((v) => `${t.type.group}/${v}`) : t.type.versions).includes(body.apiVersion)) {
    throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${targetApiVersion(t)})`);
  }
  const obj = { ...body, apiVersion: targetApiVersion(t), kind: t.type.kind, metadata: { ...(body.metadata ?? {}) } } as KubeObject;
  if (t.type.namespaced) {
    if (obj.metadata.namespace && t.namespace && obj.metadata.namespace !== t.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = t.namespace ?? obj.metadata.namespace ?? 'default';
  }
  if (opts.name !== undefined) {
    if (obj.metadata.name && obj.metadata.name !== opts.name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${opts.name})`);
    }
    obj.metadata.name = opts.name;
  }
  return obj;
}

/** The field manager a write is recorded under: ?fieldManager, else the client's name. */
export function fieldManager(req: Request, q: URLSearchParams): string {
  const explicit = q.get('fieldManager');
  if (explicit) {
    if (explicit.length > 128) throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
    return explicit;
  }
  return (req.headers.get('user-agent') ?? 'unknown').split('/')[0] || 'unknown';
}

/** Applies a patch of any supported type to `base` (the stored object or a Scale). */
export function applyPatchBody(req: Request, type: ResourceType, base: KubeObject, body: Uint8Array): KubeObject {
  const patchType = mediaType(req);
  switch (patchType) {
    case PATCH_TYPES.json:
      return applyJsonPatch(base, parseBody(req, body));
    case PATCH_TYPES.merge:
      return mergePatch(base, parseBody(req, body)) as KubeObject;
    case PATCH_TYPES.strategic:
      if (!isBuiltinGroup(type.group)) throw unsupportedPatchType();
      return strategicMergePatch(type, base, parseBody(req, body));
  }
  throw new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${isBuiltinGroup(type.group) ? ', application/strategic-merge-patch+json' : ''}`,
  );
}

/** kubectl puts dryRun in the DeleteOptions body rather than the query. */
export function deleteOptions(req: Request, body: Uint8Array): { dryRun?: unknown } {
  if (!body.length || !bodyText(body).trim()) return {};
  const parsed = parseBody(req, body);
  return parsed && typeof parsed === 'object' ? parsed : {};
}

/** A watch's timeoutSeconds: a whole number of seconds, at most a day (timers overflow past ~24 days). */
export function timeoutSeconds(q: URLSearchParams): number | undefined {
  const n = queryInt(q, 'timeoutSeconds', { min: 0, max: 86_400 });
  return n ? n : undefined;
}

export function parseDryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}
