import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AGGREGATED_DISCOVERY_TYPE,
  VERSION_INFO,
  aggregatedDiscovery,
  apiResourceList,
  legacyApiGroup,
  legacyApiGroupList,
  legacyApiVersions,
} from './discovery.ts';
import { healthAnswer, isHealthPath } from './health.ts';
import { JSON_TYPE, checkBodyType, mediaType, parseBody, readBody } from './body.ts';
import { LIST_SLICE, sendError, sendJson, sendList, sendObject, wantsTable, yieldToLoop } from './codec.ts';
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
  targetApiVersion,
  timeoutSeconds,
  type Target,
} from './request.ts';
import { queryBool } from './query.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { ObjectStore } from './store.ts';
import { StreamingHandler, streamingTarget } from './streaming.ts';
import { servePodLog } from './pod-logs.ts';
import { serveSubresource } from './subresources.ts';
import { TABLE_CONTENT_TYPE, toTable } from './tables.ts';
import type { KubeObject } from './types.ts';
import { WatchHub } from './watch.ts';
import { isBuiltinGroup } from './builtin-groups.ts';

export interface ApiServerOptions {
  store: ObjectStore;
  token: string;
  tls: { certPem: string; keyPem: string };
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** How often an idle watch gets a "\n" (client-node drops a watch after 30 s of silence). */
  heartbeatMs?: number;
  /** Runs exec commands and says where forwarded ports go; without it both are refused. */
  runtime?: PodRuntime;
}

export interface ApiServerHandle {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Stops listening and ends every open watch. */
  close(): Promise<void>;
}

export { MAX_BODY_BYTES } from './body.ts';

/** Starts the embedded cluster's Kubernetes API over HTTPS, bearer token required. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const hub = new WatchHub(opts.store, opts.heartbeatMs ?? 20_000);
  const api = new ApiHandler(opts.store, hub, opts.token, opts.runtime);
  const streaming = new StreamingHandler(opts.store, (req) => tokenMatches(req.headers.authorization, opts.token), opts.runtime);
  let closing = false;
  const server: Server = createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, (req, res) => {
    // A connection that slipped in while closing would otherwise hold a watch open forever.
    if (closing) return void req.socket.destroy();
    api.handle(req, res).catch((err) => sendError(res, err));
  });
  server.on('upgrade', (req, socket, head) => {
    if (closing) return void socket.destroy();
    void streaming.upgrade(req, socket, head);
  });
  // Longer than clients keep an idle connection (the deck: 4 s), so a client never reuses one this side is closing.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  api.serverAddress = `${host}:${port}`;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `https://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        hub.dispose();
        streaming.closeAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

class ApiHandler {
  serverAddress = '127.0.0.1:0';
  private readonly openApi: OpenApiDocuments;

  constructor(
    private readonly store: ObjectStore,
    private readonly hub: WatchHub,
    private readonly token: string,
    private readonly runtime?: PodRuntime,
  ) {
    this.openApi = new OpenApiDocuments(() => store.registry.all, VERSION_INFO.gitVersion);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!tokenMatches(req.headers.authorization, this.token)) {
      return sendJson(res, 401, new ApiError(401, 'Unauthorized', 'Unauthorized').toStatus());
    }
    const url = new URL(req.url ?? '/', 'https://localhost');
    const segs = pathSegments(url.pathname);
    const method = req.method ?? 'GET';
    const accept = String(req.headers.accept ?? '');
    if (streamingTarget(url.pathname)) throw badRequest('Upgrade request required');

    if (method === 'GET' || method === 'HEAD') {
      if (segs[0] === 'openapi' && segs[1] === 'v3') {
        if (serveOpenApi(res, this.openApi, segs, url.searchParams)) return;
        throw pathNotFound();
      }
      const answer = this.nonResource(segs, accept);
      if (answer) return sendJson(res, 200, answer.body, answer.contentType);
    }
    const q = url.searchParams;
    if (isHealthPath(segs) && (method === 'GET' || method === 'HEAD')) {
      const text = healthAnswer(segs, q);
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      return void res.end(text);
    }
    const target = resolveTarget(this.store.registry, segs);
    if (!target) throw pathNotFound();
    const dryRun = parseDryRun(q);
    const isCollection = target.name === undefined;

    if (target.subresource === 'log') return servePodLog(this.store, this.runtime?.logs, req, res, target, q);
    if (target.subresource) return serveSubresource(this.store, req, res, target, q, dryRun);
    switch (method) {
      case 'GET':
        if (isCollection) {
          if (queryBool(q, 'watch')) return this.watch(res, target, q, accept);
          return this.list(res, target, q, accept);
        }
        return this.get(res, target, accept);
      case 'POST':
        if (!isCollection) throw methodNotAllowed();
        return this.create(req, res, target, q, dryRun);
      case 'PUT':
        if (isCollection) throw methodNotAllowed();
        return this.replace(req, res, target, q, dryRun);
      case 'PATCH':
        if (isCollection) throw methodNotAllowed();
        return this.patch(req, res, target, q, dryRun);
      case 'DELETE': {
        // kubectl puts dryRun in the DeleteOptions body rather than the query.
        const body = deleteOptions(req, await readBody(req));
        const dry = dryRun || (Array.isArray(body.dryRun) && body.dryRun.includes('All'));
        if (isCollection) return this.deleteCollection(res, target, q, dry);
        return this.remove(res, target, dry);
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

  private reply(res: ServerResponse, code: number, t: Target, obj: KubeObject, accept?: string): void {
    sendObject(res, code, t.type, present(t, obj), this.store.clock.now(), accept);
  }

  private selected(t: Target, q: URLSearchParams): KubeObject[] {
    const labels = parseLabelSelector(q.get('labelSelector'));
    const fields = parseFieldSelector(q.get('fieldSelector'), t.type.kind);
    return this.store
      .list(t.type, t.namespace)
      .filter((o) => labels(o) && fields(o))
      .sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
  }

  private async list(res: ServerResponse, t: Target, q: URLSearchParams, accept: string): Promise<void> {
    const items = this.selected(t, q);
    const rv = String(this.store.resourceVersion);
    if (wantsTable(accept)) return sendJson(res, 200, toTable(t.type, items, rv, this.store.clock.now()), TABLE_CONTENT_TYPE);
    await sendList(res, { kind: `${t.type.kind}List`, apiVersion: targetApiVersion(t), metadata: { resourceVersion: rv } }, items.map((o) => present(t, o)));
  }

  private watch(res: ServerResponse, t: Target, q: URLSearchParams, accept: string): void {
    const table = wantsTable(accept);
    const timeout = timeoutSeconds(q);
    this.hub.serve(
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
      res,
      table ? TABLE_CONTENT_TYPE : JSON_TYPE,
    );
  }

  private get(res: ServerResponse, t: Target, accept: string): void {
    this.reply(res, 200, t, this.store.mustGet(t.type, t.namespace, t.name!), accept);
  }

  private async create(req: IncomingMessage, res: ServerResponse, t: Target, q: URLSearchParams, dryRun: boolean): Promise<void> {
    checkBodyType(req);
    const directive = fieldValidationOf(q, 'CreateOptions');
    const body = await readBody(req);
    await yieldToLoop();
    const parsed = parseBody(req, body);
    checkBodyFields(res, t.type, t.version, directive, req, body, parsed);
    const obj = conform(t, parsed);
    checkListBounds(t.type, obj.metadata.name ?? '', obj);
    await yieldToLoop();
    delete obj.metadata.resourceVersion;
    delete obj.metadata.managedFields;
    recordUpdate(t.type, undefined, obj, fieldManager(req, q), targetApiVersion(t), rfc3339(this.store.clock.now()));
    await yieldToLoop();
    const saved = this.store.create(t.type, obj, { dryRun });
    await yieldToLoop();
    this.reply(res, 201, t, saved);
  }

  private async replace(req: IncomingMessage, res: ServerResponse, t: Target, q: URLSearchParams, dryRun: boolean): Promise<void> {
    checkBodyType(req);
    const directive = fieldValidationOf(q, 'UpdateOptions');
    this.store.mustGet(t.type, t.namespace, t.name!);
    const body = await readBody(req);
    await yieldToLoop();
    const parsed = parseBody(req, body);
    checkBodyFields(res, t.type, t.version, directive, req, body, parsed);
    const obj = conform(t, parsed, { name: t.name });
    checkListBounds(t.type, t.name!, obj);
    await yieldToLoop();
    // Read again after each pause: another request may have changed it meanwhile.
    const old = this.store.mustGet(t.type, t.namespace, t.name!);
    obj.metadata.managedFields = old.metadata.managedFields;
    recordUpdate(t.type, old, obj, fieldManager(req, q), targetApiVersion(t), rfc3339(this.store.clock.now()));
    await yieldToLoop();
    this.reply(res, 200, t, this.store.update(t.type, obj, { dryRun }));
  }

  private async patch(req: IncomingMessage, res: ServerResponse, t: Target, q: URLSearchParams, dryRun: boolean): Promise<void> {
    checkBodyType(req);
    const directive = fieldValidationOf(q, 'PatchOptions');
    const body = await readBody(req);
    await yieldToLoop();
    if (mediaType(req) === PATCH_TYPES.apply) return this.apply(req, res, t, q, dryRun, body);
    const latest = () => this.store.mustGet(t.type, t.namespace, t.name!);
    const merge = (old: KubeObject) => applyPatchBody(req, t.type, present(t, old), body);
    const own = (old: KubeObject, result: KubeObject) => {
      checkListBounds(t.type, t.name!, result);
      const obj = conform(t, checkPatchedFields(res, t.type, t.version, directive, req, body, result), { name: t.name });
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
    this.reply(res, 200, t, saved);
  }

  /** Server-side apply: 201 when it creates the object, 409 on another manager's field unless force. */
  private async apply(req: IncomingMessage, res: ServerResponse, t: Target, q: URLSearchParams, dryRun: boolean, body: Buffer): Promise<void> {
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
      return this.reply(res, 201, t, created);
    }
    result.metadata.resourceVersion = live.metadata.resourceVersion;
    const saved = this.store.update(t.type, result, { dryRun });
    await yieldToLoop();
    this.reply(res, 200, t, saved);
  }

  private remove(res: ServerResponse, t: Target, dryRun: boolean): void {
    this.reply(res, 200, t, this.store.delete(t.type, t.namespace, t.name!, { dryRun }));
  }

  private async deleteCollection(res: ServerResponse, t: Target, q: URLSearchParams, dryRun: boolean): Promise<void> {
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
    await sendList(res, { kind: `${t.type.kind}List`, apiVersion: targetApiVersion(t), metadata: { resourceVersion: String(this.store.resourceVersion) } }, gone.map((o) => present(t, o)));
  }
}

function wrap(body: unknown): { body: unknown } | undefined {
  if (body === undefined) throw pathNotFound();
  return { body };
}
