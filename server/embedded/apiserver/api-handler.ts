/**
 * The embedded Kubernetes API as a fetch-style handler: a WHATWG Request in, a Response out,
 * watches and followed logs as streamed bodies. It uses only what Node and browsers both
 * have, so the Node edition serves it over HTTPS (node-adapter.ts) and a worker can call it.
 */
import {
  AGGREGATED_DISCOVERY_TYPE,
  VERSION_INFO,
  aggregatedDiscovery,
  apiResourceList,
  legacyApiGroup,
  legacyApiGroupList,
  legacyApiVersions,
} from './discovery.ts';
import { tokenMatches } from './bearer-token.ts';
import { healthAnswer, isHealthPath } from './health.ts';
import { JSON_TYPE, checkBodyType, mediaType, parseBody, readBody } from './body.ts';
import { LIST_SLICE, bytesResponse, errorResponse, jsonResponse, listResponse, objectResponse, textResponse, wantsTable, yieldToLoop } from './codec.ts';
import { ApiError, badRequest } from './errors.ts';
import { checkAppliedFields, checkBodyFields, checkPatchedFields, fieldValidationOf } from './field-validation.ts';
import { recordUpdate, serverSideApply } from './managed-fields.ts';
import { rfc3339 } from './object-meta.ts';
import { OpenApiDocuments } from './openapi/documents.ts';
import { serveOpenApi } from './openapi/handler.ts';
import { PATCH_TYPES, checkListBounds, mergePatch, strategicMergePatch } from './patch.ts';
import type { PodRuntime } from './pod-runtime.ts';
import {
  applyPatchBody,
  conform,
  deleteOptions,
  fieldManager,
  methodNotAllowed,
  parseDryRun,
  pathNotFound,
  pathSegments,
  present,
  resolveTarget,
  streamingTarget,
  targetApiVersion,
  timeoutSeconds,
  type Target,
} from './request.ts';
import { queryBool } from './query.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { ObjectStore } from './store.ts';
import { servePodLog } from './pod-logs.ts';
import { serveSubresource } from './subresources.ts';
import { TABLE_CONTENT_TYPE, toTable } from './tables.ts';
import type { KubeObject } from './types.ts';
import { WatchHub } from './watch.ts';
import { isBuiltinGroup } from './builtin-groups.ts';

const encoder = new TextEncoder();

export interface ApiHandlerOptions {
  store: ObjectStore;
  /** The bearer token every request must carry. */
  token: string;
  /** How often an idle watch gets a "\n" (client-node drops a watch after 30 s of silence). */
  heartbeatMs?: number;
  /** Runs exec commands and serves logs; without it logs read empty. */
  runtime?: PodRuntime;
  /** host:port named by legacy discovery (the listening address, where there is one). */
  serverAddress?: string;
}

export class ApiHandler {
  /** host:port the legacy discovery names as the server's address. */
  serverAddress: string;
  /** Every open watch this handler serves. */
  readonly watches: WatchHub;
  private readonly store: ObjectStore;
  private readonly token: string;
  private readonly runtime?: PodRuntime;
  private readonly openApi: OpenApiDocuments;

  constructor(opts: ApiHandlerOptions) {
    this.store = opts.store;
    this.token = opts.token;
    this.runtime = opts.runtime;
    this.serverAddress = opts.serverAddress ?? '127.0.0.1:0';
    this.watches = new WatchHub(opts.store, opts.heartbeatMs ?? 20_000);
    this.openApi = new OpenApiDocuments(() => opts.store.registry.all, VERSION_INFO.gitVersion);
  }

  /** Ends every open watch and stops following the store; later watches are refused. */
  close(): void {
    this.watches.dispose();
  }

  /** One request in, its answer out; a refusal is a Status body, never a thrown error. */
  async handle(req: Request): Promise<Response> {
    const warnings: string[] = [];
    let res: Response;
    try {
      res = await this.route(req, warnings);
    } catch (err) {
      res = errorResponse(err);
    }
    // Warnings stand on the answer whatever it is, as a refusal after a warned-about body carries them too.
    if (res.type !== 'error') for (const w of warnings) res.headers.append('Warning', w);
    return res;
  }

  private async route(req: Request, warnings: string[]): Promise<Response> {
    if (!tokenMatches(req.headers.get('authorization'), this.token)) {
      return jsonResponse(401, new ApiError(401, 'Unauthorized', 'Unauthorized').toStatus());
    }
    const url = new URL(req.url);
    const segs = pathSegments(url.pathname);
    const method = req.method;
    const accept = req.headers.get('accept') ?? '';
    if (streamingTarget(url.pathname)) throw badRequest('Upgrade request required');

    if (method === 'GET' || method === 'HEAD') {
      if (segs[0] === 'openapi' && segs[1] === 'v3') {
        const document = await serveOpenApi(this.openApi, segs, url.searchParams);
        if (document) return bytesResponse(document.status, encoder.encode(document.body), document.headers);
        throw pathNotFound();
      }
      const answer = this.nonResource(segs, accept);
      if (answer) return jsonResponse(200, answer.body, answer.contentType);
    }
    const q = url.searchParams;
    if (isHealthPath(segs) && (method === 'GET' || method === 'HEAD')) {
      return textResponse(healthAnswer(segs, q));
    }
    const target = resolveTarget(this.store.registry, segs);
    if (!target) throw pathNotFound();
    const dryRun = parseDryRun(q);
    const isCollection = target.name === undefined;

    if (target.subresource === 'log') return servePodLog(this.store, this.runtime?.logs, req, target, q);
    if (target.subresource) return serveSubresource(this.store, req, target, q, dryRun);
    switch (method) {
      case 'GET':
        if (isCollection) {
          if (queryBool(q, 'watch')) return this.watch(target, q, accept);
          return this.list(target, q, accept);
        }
        return this.get(target, accept);
      case 'POST':
        if (!isCollection) throw methodNotAllowed();
        return this.create(req, warnings, target, q, dryRun);
      case 'PUT':
        if (isCollection) throw methodNotAllowed();
        return this.replace(req, warnings, target, q, dryRun);
      case 'PATCH':
        if (isCollection) throw methodNotAllowed();
        return this.patch(req, warnings, target, q, dryRun);
      case 'DELETE': {
        // kubectl puts dryRun in the DeleteOptions body rather than the query.
        const body = deleteOptions(req, await readBody(req));
        const dry = dryRun || (Array.isArray(body.dryRun) && body.dryRun.includes('All'));
        if (isCollection) return this.deleteCollection(target, q, dry);
        return this.remove(target, dry);
      }
    }
    throw methodNotAllowed();
  }

  /** Discovery, version and OpenAPI documents. */
  private nonResource(segs: string[], accept: string): { body: unknown; contentType?: string } | undefined {
    const wantsAggregated = accept.includes('g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const registry = this.store.registry;
    const path = segs.join('/');
    if (path === 'version') return { body: VERSION_INFO };
    if (path === 'api') {
      return wantsAggregated
        ? { body: aggregatedDiscovery(registry, true), contentType: AGGREGATED_DISCOVERY_TYPE }
        : { body: legacyApiVersions(this.serverAddress) };
    }
    if (path === 'apis') {
      return wantsAggregated
        ? { body: aggregatedDiscovery(registry, false), contentType: AGGREGATED_DISCOVERY_TYPE }
        : { body: legacyApiGroupList(registry) };
    }
    if (segs[0] === 'api' && segs.length === 2) return wrap(apiResourceList(registry, '', segs[1]));
    if (segs[0] === 'apis' && segs.length === 2) return wrap(legacyApiGroup(registry, segs[1]));
    if (segs[0] === 'apis' && segs.length === 3) return wrap(apiResourceList(registry, segs[1], segs[2]));
    return undefined;
  }

  private reply(code: number, t: Target, obj: KubeObject, accept?: string): Response {
    return objectResponse(code, t.type, present(t, obj), this.store.clock.now(), accept);
  }

  private selected(t: Target, q: URLSearchParams): KubeObject[] {
    const labels = parseLabelSelector(q.get('labelSelector'));
    const fields = parseFieldSelector(q.get('fieldSelector'), t.type.kind);
    return this.store
      .list(t.type, t.namespace)
      .filter((o) => labels(o) && fields(o))
      .sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
  }

  private list(t: Target, q: URLSearchParams, accept: string): Response {
    const items = this.selected(t, q);
    const rv = String(this.store.resourceVersion);
    if (wantsTable(accept)) return jsonResponse(200, toTable(t.type, items, rv, this.store.clock.now()), TABLE_CONTENT_TYPE);
    return listResponse({ kind: `${t.type.kind}List`, apiVersion: targetApiVersion(t), metadata: { resourceVersion: rv } }, items.map((o) => present(t, o)));
  }

  private watch(t: Target, q: URLSearchParams, accept: string): Response {
    const table = wantsTable(accept);
    const timeout = timeoutSeconds(q);
    return this.watches.serve(
      {
        type: t.type,
        namespace: t.namespace,
        labels: parseLabelSelector(q.get('labelSelector')),
        fields: parseFieldSelector(q.get('fieldSelector'), t.type.kind),
        hasSelector: Boolean(q.get('labelSelector') || q.get('fieldSelector')),
        resourceVersion: q.get('resourceVersion') ?? '',
        allowBookmarks: queryBool(q, 'allowWatchBookmarks'),
        timeoutSeconds: timeout,
        renderKey: `${targetApiVersion(t)}|${table ? 'table' : 'json'}`,
        render: (obj) => (table ? toTable(t.type, [obj], String(obj.metadata.resourceVersion), this.store.clock.now()) : present(t, obj)),
        bookmark: (rv) => ({ kind: t.type.kind, apiVersion: targetApiVersion(t), metadata: { resourceVersion: rv } }),
      },
      table ? TABLE_CONTENT_TYPE : JSON_TYPE,
    );
  }

  private get(t: Target, accept: string): Response {
    return this.reply(200, t, this.store.mustGet(t.type, t.namespace, t.name!), accept);
  }

  private async create(req: Request, warnings: string[], t: Target, q: URLSearchParams, dryRun: boolean): Promise<Response> {
    checkBodyType(req);
    const directive = fieldValidationOf(q, 'CreateOptions');
    const body = await readBody(req);
    await yieldToLoop();
    const parsed = parseBody(req, body);
    checkBodyFields(warnings, t.type, t.version, directive, req, body, parsed);
    const obj = conform(t, parsed);
    checkListBounds(t.type, obj.metadata.name ?? '', obj);
    await yieldToLoop();
    delete obj.metadata.resourceVersion;
    delete obj.metadata.managedFields;
    recordUpdate(t.type, undefined, obj, fieldManager(req, q), targetApiVersion(t), rfc3339(this.store.clock.now()));
    await yieldToLoop();
    const saved = this.store.create(t.type, obj, { dryRun });
    await yieldToLoop();
    return this.reply(201, t, saved);
  }

  private async replace(req: Request, warnings: string[], t: Target, q: URLSearchParams, dryRun: boolean): Promise<Response> {
    checkBodyType(req);
    const directive = fieldValidationOf(q, 'UpdateOptions');
    this.store.mustGet(t.type, t.namespace, t.name!);
    const body = await readBody(req);
    await yieldToLoop();
    const parsed = parseBody(req, body);
    checkBodyFields(warnings, t.type, t.version, directive, req, body, parsed);
    const obj = conform(t, parsed, { name: t.name });
    checkListBounds(t.type, t.name!, obj);
    await yieldToLoop();
    // Read again after each pause: another request may have changed it meanwhile.
    const old = this.store.mustGet(t.type, t.namespace, t.name!);
    obj.metadata.managedFields = old.metadata.managedFields;
    recordUpdate(t.type, old, obj, fieldManager(req, q), targetApiVersion(t), rfc3339(this.store.clock.now()));
    await yieldToLoop();
    return this.reply(200, t, this.store.update(t.type, obj, { dryRun }));
  }

  private async patch(req: Request, warnings: string[], t: Target, q: URLSearchParams, dryRun: boolean): Promise<Response> {
    checkBodyType(req);
    const directive = fieldValidationOf(q, 'PatchOptions');
    const body = await readBody(req);
    await yieldToLoop();
    if (mediaType(req) === PATCH_TYPES.apply) return this.apply(req, t, q, dryRun, body);
    const latest = () => this.store.mustGet(t.type, t.namespace, t.name!);
    const merge = (old: KubeObject) => applyPatchBody(req, t.type, present(t, old), body);
    const own = (old: KubeObject, result: KubeObject) => {
      checkListBounds(t.type, t.name!, result);
      const obj = conform(t, checkPatchedFields(warnings, t.type, t.version, directive, req, body, result), { name: t.name });
      if (obj.metadata.uid && obj.metadata.uid !== old.metadata.uid) {
        throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
      }
      recordUpdate(t.type, old, obj, fieldManager(req, q), targetApiVersion(t), rfc3339(this.store.clock.now()));
      return obj;
    };
    // Merge, field ownership, store and reply each get a turn of their own; a write that
    // lands during a pause is patched again (at once), as the apiserver retries on conflict.
    let old = latest();
    let result = merge(old);
    await yieldToLoop();
    if (latest() !== old) result = merge((old = latest()));
    let obj = own(old, result);
    await yieldToLoop();
    if (latest() !== old) obj = own((old = latest()), merge(latest()));
    const saved = this.store.update(t.type, obj, { dryRun });
    await yieldToLoop();
    return this.reply(200, t, saved);
  }

  /** Server-side apply: 201 when it creates the object, 409 on another manager's field unless force. */
  private async apply(req: Request, t: Target, q: URLSearchParams, dryRun: boolean, body: Uint8Array): Promise<Response> {
    if (!q.get('fieldManager')) throw badRequest('PATCH, application/apply-patch+yaml requests require a fieldManager query parameter');
    const force = queryBool(q, 'force');
    const applied = conform(t, parseBody(req, body), { name: t.name });
    if (!applied.apiVersion || !applied.kind) throw badRequest('apiVersion and kind must be set in an apply patch');
    checkAppliedFields(t.type, t.version, applied);
    checkListBounds(t.type, t.name!, applied);
    await yieldToLoop();
    const merge = (target: KubeObject, patch: KubeObject): KubeObject =>
      isBuiltinGroup(t.type.group) ? strategicMergePatch(t.type, target, patch) : (mergePatch(target, patch) as KubeObject);
    const applyTo = (live: KubeObject | undefined) =>
      serverSideApply({
        type: t.type,
        live: live ? present(t, live) : undefined,
        applied,
        manager: q.get('fieldManager')!,
        force,
        apiVersion: targetApiVersion(t),
        time: rfc3339(this.store.clock.now()),
        merge,
      });
    let live = this.store.get(t.type, t.namespace, t.name!);
    let result = applyTo(live);
    await yieldToLoop();
    // A write that landed during the pause: apply to the new version, as the apiserver retries on conflict.
    const current = this.store.get(t.type, t.namespace, t.name!);
    if (current !== live) result = applyTo((live = current));
    checkListBounds(t.type, t.name!, result);
    result.apiVersion = targetApiVersion(t);
    result.kind = t.type.kind;
    if (!live) {
      delete result.metadata.resourceVersion;
      const created = this.store.create(t.type, result, { dryRun });
      await yieldToLoop();
      return this.reply(201, t, created);
    }
    result.metadata.resourceVersion = live.metadata.resourceVersion;
    const saved = this.store.update(t.type, result, { dryRun });
    await yieldToLoop();
    return this.reply(200, t, saved);
  }

  private remove(t: Target, dryRun: boolean): Response {
    return this.reply(200, t, this.store.delete(t.type, t.namespace, t.name!, { dryRun }));
  }

  private async deleteCollection(t: Target, q: URLSearchParams, dryRun: boolean): Promise<Response> {
    const gone: KubeObject[] = [];
    const selected = this.selected(t, q);
    for (let i = 0; i < selected.length; i += LIST_SLICE) {
      if (i) await yieldToLoop();
      for (const o of selected.slice(i, i + LIST_SLICE)) {
        // One deleted by someone else during a pause is simply gone already.
        if (!this.store.get(t.type, o.metadata.namespace, o.metadata.name)) continue;
        gone.push(this.store.delete(t.type, o.metadata.namespace, o.metadata.name, { dryRun }));
      }
    }
    return listResponse({ kind: `${t.type.kind}List`, apiVersion: targetApiVersion(t), metadata: { resourceVersion: String(this.store.resourceVersion) } }, gone.map((o) => present(t, o)));
  }
}

function wrap(body: unknown): { body: unknown } | undefined {
  if (body === undefined) throw pathNotFound();
  return { body };
}
