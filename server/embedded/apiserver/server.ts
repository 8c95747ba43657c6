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
  openApiGroupVersion,
  openApiRoot,
} from './discovery.ts';
import { JSON_TYPE, checkBodyType, mediaType, parseBody, readBody } from './body.ts';
import { ApiError, badRequest } from './errors.ts';
import { recordUpdate, serverSideApply } from './managed-fields.ts';
import { rfc3339 } from './object-meta.ts';
import { PATCH_TYPES, applyJsonPatch, checkListBounds, mergePatch, strategicMergePatch, unsupportedPatchType } from './patch.ts';
import type { PodRuntime } from './pod-runtime.ts';
import { apiVersionOf } from './registry.ts';
import { formatLabelSelector, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { ObjectStore } from './store.ts';
import { StreamingHandler, streamingTarget } from './streaming.ts';
import { TABLE_CONTENT_TYPE, toTable } from './tables.ts';
import type { KubeObject, ResourceType } from './types.ts';
import { WatchHub } from './watch.ts';

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

/** Where a resource request points. */
interface Target {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Starts the embedded cluster's Kubernetes API over HTTPS, bearer token required. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const hub = new WatchHub(opts.store, opts.heartbeatMs ?? 20_000);
  const api = new ApiHandler(opts.store, hub, opts.token);
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
  server.keepAliveTimeout = 5_000;
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

function sendJson(res: ServerResponse, code: number, body: unknown, contentType = JSON_TYPE): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

/** Items serialised per turn of the event loop: a list of thousands of pods is written in slices. */
const LIST_SLICE = 250;

/** A List body, its items written a slice at a time so a big list never holds the loop. */
async function sendList(res: ServerResponse, head: Record<string, unknown>, items: unknown[]): Promise<void> {
  if (items.length <= LIST_SLICE) return sendJson(res, 200, { ...head, items });
  res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-cache, private' });
  res.write(JSON.stringify(head).slice(0, -1) + ',"items":[');
  for (let i = 0; i < items.length; i += LIST_SLICE) {
    if (res.destroyed) return;
    const slice = items.slice(i, i + LIST_SLICE).map((o) => JSON.stringify(o)).join(',');
    res.write((i ? ',' : '') + slice);
    await yieldToLoop();
  }
  res.end(']}');
}

function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof ApiError) return sendJson(res, err.code, err.toStatus());
  console.error('embedded apiserver: internal error', err);
  const internal = new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
  sendJson(res, 500, internal.toStatus());
}

const methodNotAllowed = () => new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
const pathNotFound = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Lets other requests run between the phases of a big one (parse, merge, store, reply). */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function nowTimestamp(store: ObjectStore): string {
  return rfc3339(store.clock.now());
}

class ApiHandler {
  serverAddress = '127.0.0.1:0';

  constructor(
    private readonly store: ObjectStore,
    private readonly hub: WatchHub,
    private readonly token: string,
  ) {}

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
      const answer = this.nonResource(segs, accept);
      if (answer) return sendJson(res, 200, answer.body, answer.contentType);
    }
    const target = this.resolve(segs);
    if (!target) {
      if (segs[0] === 'healthz' || segs[0] === 'readyz' || segs[0] === 'livez') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return void res.end('ok');
      }
      throw pathNotFound();
    }
    const q = url.searchParams;
    const dryRun = parseDryRun(q);
    const isCollection = target.name === undefined;

    if (target.subresource) return this.subresource(req, res, target, q, dryRun);
    switch (method) {
      case 'GET':
        if (isCollection) {
          if (q.get('watch') === 'true' || q.get('watch') === '1') return this.watch(res, target, q, accept);
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
    if (path === 'openapi/v3') return { body: openApiRoot(registry) };
    if (segs[0] === 'openapi' && segs[1] === 'v3') {
      if (segs[2] === 'api' && segs.length === 4) return wrap(openApiGroupVersion(registry, '', segs[3]));
      if (segs[2] === 'apis' && segs.length === 5) return wrap(openApiGroupVersion(registry, segs[3], segs[4]));
    }
    return undefined;
  }

  /** `/api/v1/...` or `/apis/{g}/{v}/...` → kind, namespace, name, subresource. */
  private resolve(segs: string[]): Target | undefined {
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
    const type = this.store.registry.byPlural(group, plural);
    if (!type || !type.versions.includes(version)) return undefined;
    if (namespace !== undefined && !type.namespaced) return undefined;
    if (subresource && !(type.subresources ?? []).includes(subresource)) return undefined;
    return { type, version, namespace, name, subresource };
  }

  private gv(t: Target): string {
    return apiVersionOf(t.type, t.version);
  }

  /** The object as the URL's version shows it (Istio kinds are stored once). */
  private present(t: Target, obj: KubeObject): KubeObject {
    const apiVersion = this.gv(t);
    return obj.apiVersion === apiVersion && obj.kind === t.type.kind ? obj : { ...obj, apiVersion, kind: t.type.kind };
  }

  private reply(res: ServerResponse, code: number, t: Target, obj: KubeObject, accept?: string): void {
    if (accept && wantsTable(accept)) {
      return sendJson(res, code, toTable(t.type, [obj], String(obj.metadata.resourceVersion ?? ''), this.store.clock.now()), TABLE_CONTENT_TYPE);
    }
    sendJson(res, code, this.present(t, obj));
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
    await sendList(res, { kind: `${t.type.kind}List`, apiVersion: this.gv(t), metadata: { resourceVersion: rv } }, items.map((o) => this.present(t, o)));
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
        allowBookmarks: q.get('allowWatchBookmarks') === 'true',
        timeoutSeconds: timeout,
        renderKey: `${this.gv(t)}|${table ? 'table' : 'json'}`,
        render: (obj) => (table ? toTable(t.type, [obj], String(obj.metadata.resourceVersion), this.store.clock.now()) : this.present(t, obj)),
        bookmark: (rv) => ({ kind: t.type.kind, apiVersion: this.gv(t), metadata: { resourceVersion: rv } }),
      },
      res,
      table ? TABLE_CONTENT_TYPE : JSON_TYPE,
    );
  }

  private get(res: ServerResponse, t: Target, accept: string): void {
    this.reply(res, 200, t, this.store.mustGet(t.type, t.namespace, t.name!), accept);
  }

  /** Checks the body names the URL's kind, name and namespace; fills in what it leaves out. */
  private conform(t: Target, body: any, opts: { name?: string } = {}): KubeObject {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`the request body must be a ${t.type.kind} object`);
    if (body.kind && body.kind !== t.type.kind) {
      throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${t.type.kind})`);
    }
    if (body.apiVersion && !(t.type.group ? t.type.versions.map((v) => `${t.type.group}/${v}`) : t.type.versions).includes(body.apiVersion)) {
      throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${this.gv(t)})`);
    }
    const obj = { ...body, apiVersion: this.gv(t), kind: t.type.kind, metadata: { ...(body.metadata ?? {}) } } as KubeObject;
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

  private manager(req: IncomingMessage, q: URLSearchParams): string {
    const explicit = q.get('fieldManager');
    if (explicit) {
      if (explicit.length > 128) throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
      return explicit;
    }
    return String(req.headers['user-agent'] ?? 'unknown').split('/')[0] || 'unknown';
  }

  private async create(req: IncomingMessage, res: ServerResponse, t: Target, q: URLSearchParams, dryRun: boolean): Promise<void> {
    checkBodyType(req);
    const body = await readBody(req);
    await yieldToLoop();
    const obj = this.conform(t, parseBody(req, body));
    checkListBounds(t.type, obj.metadata.name ?? '', obj);
    await yieldToLoop();
    delete obj.metadata.resourceVersion;
    delete obj.metadata.managedFields;
    recordUpdate(t.type, undefined, obj, this.manager(req, q), this.gv(t), nowTimestamp(this.store));
    await yieldToLoop();
    const saved = this.store.create(t.type, obj, { dryRun });
    await yieldToLoop();
    this.reply(res, 201, t, saved);
  }

  private async replace(req: IncomingMessage, res: ServerResponse, t: Target, q: URLSearchParams, dryRun: boolean): Promise<void> {
    checkBodyType(req);
    this.store.mustGet(t.type, t.namespace, t.name!);
    const body = await readBody(req);
    await yieldToLoop();
    const obj = this.conform(t, parseBody(req, body), { name: t.name });
    checkListBounds(t.type, t.name!, obj);
    await yieldToLoop();
    // Read again after each pause: another request may have changed it meanwhile.
    const old = this.store.mustGet(t.type, t.namespace, t.name!);
    obj.metadata.managedFields = old.metadata.managedFields;
    recordUpdate(t.type, old, obj, this.manager(req, q), this.gv(t), nowTimestamp(this.store));
    await yieldToLoop();
    this.reply(res, 200, t, this.store.update(t.type, obj, { dryRun }));
  }

  /** Applies a patch of any supported type to `base` (the stored object or a Scale). */
  private patched(req: IncomingMessage, type: ResourceType, base: KubeObject, body: Buffer): KubeObject {
    const patchType = mediaType(req);
    switch (patchType) {
      case PATCH_TYPES.json:
        return applyJsonPatch(base, parseBody(req, body));
      case PATCH_TYPES.merge:
        return mergePatch(base, parseBody(req, body)) as KubeObject;
      case PATCH_TYPES.strategic:
        if (type.group !== '' && type.group !== 'apps') throw unsupportedPatchType();
        return strategicMergePatch(type, base, parseBody(req, body));
    }
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${type.group === '' || type.group === 'apps' ? ', application/strategic-merge-patch+json' : ''}`,
    );
  }

  private async patch(req: IncomingMessage, res: ServerResponse, t: Target, q: URLSearchParams, dryRun: boolean): Promise<void> {
    checkBodyType(req);
    const body = await readBody(req);
    await yieldToLoop();
    if (mediaType(req) === PATCH_TYPES.apply) return this.apply(req, res, t, q, dryRun, body);
    const latest = () => this.store.mustGet(t.type, t.namespace, t.name!);
    const merge = (old: KubeObject) => this.patched(req, t.type, this.present(t, old), body);
    const own = (old: KubeObject, result: KubeObject) => {
      checkListBounds(t.type, t.name!, result);
      const obj = this.conform(t, result, { name: t.name });
      if (obj.metadata.uid && obj.metadata.uid !== old.metadata.uid) {
        throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
      }
        recordUpdate(t.type, old, obj, this.manager(req, q), this.gv(t), nowTimestamp(this.store));
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
    const force = q.get('force') === 'true';
    if (force === false && q.has('force') && q.get('force') !== 'false') throw badRequest('force: Invalid value: must be true or false');
    const applied = this.conform(t, parseBody(req, body), { name: t.name });
    if (!applied.apiVersion || !applied.kind) throw badRequest('apiVersion and kind must be set in an apply patch');
    checkListBounds(t.type, t.name!, applied);
    await yieldToLoop();
    const merge = (target: KubeObject, patch: KubeObject): KubeObject =>
      t.type.group === '' || t.type.group === 'apps' ? strategicMergePatch(t.type, target, patch) : (mergePatch(target, patch) as KubeObject);
    const applyTo = (live: KubeObject | undefined) =>
      serverSideApply({
        type: t.type,
        live: live ? this.present(t, live) : undefined,
        applied,
        manager: q.get('fieldManager')!,
        force,
        apiVersion: this.gv(t),
        time: nowTimestamp(this.store),
        merge,
      });
    let live = this.store.get(t.type, t.namespace, t.name!);
    let result = applyTo(live);
    await yieldToLoop();
    // A write that landed during the pause: apply to the new version, as the apiserver retries on conflict.
    const current = this.store.get(t.type, t.namespace, t.name!);
    if (current !== live) result = applyTo((live = current));
    checkListBounds(t.type, t.name!, result);
    result.apiVersion = this.gv(t);
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
    await sendList(res, { kind: `${t.type.kind}List`, apiVersion: this.gv(t), metadata: { resourceVersion: String(this.store.resourceVersion) } }, gone.map((o) => this.present(t, o)));
  }

  private async subresource(req: IncomingMessage, res: ServerResponse, t: Target, q: URLSearchParams, dryRun: boolean): Promise<void> {
    const method = req.method ?? 'GET';
    if (t.subresource === 'log') {
      if (method !== 'GET') throw methodNotAllowed();
      this.store.mustGet(t.type, t.namespace, t.name!);
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return void res.end('');
    }
    if (!['GET', 'PUT', 'PATCH'].includes(method)) throw methodNotAllowed();
    const old = this.store.mustGet(t.type, t.namespace, t.name!);
    const body = method === 'GET' ? undefined : await readBody(req);
    const manager = this.manager(req, q);
    if (t.subresource === 'scale') {
      if (method === 'GET') return sendJson(res, 200, toScale(old));
      const scale = method === 'PUT' ? parseBody(req, body!) : this.patched(req, this.store.registry.mustGet('', 'pods'), toScale(old) as KubeObject, body!);
      const replicas = scale?.spec?.replicas;
      if (!Number.isInteger(replicas) || replicas < 0) {
        throw new ApiError(422, 'Invalid', `Scale.autoscaling "${t.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
          name: t.name,
          group: 'autoscaling',
          kind: 'Scale',
          causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }],
        });
      }
      if (scale.metadata?.resourceVersion && scale.metadata.resourceVersion !== old.metadata.resourceVersion) {
        throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${t.type.plural}.${t.type.group} "${t.name}": the object has been modified; please apply your changes to the latest version and try again`);
      }
      const updated = structuredClone(old);
      updated.spec = { ...(updated.spec ?? {}), replicas };
      recordUpdate(t.type, old, updated, manager, this.gv(t), nowTimestamp(this.store), 'scale');
      return sendJson(res, 200, toScale(this.store.update(t.type, updated, { dryRun })));
    }
    // status
    if (method === 'GET') return this.reply(res, 200, t, old);
    const incoming = method === 'PUT' ? this.conform(t, parseBody(req, body!), { name: t.name }) : this.patched(req, t.type, this.present(t, old), body!);
    const updated = structuredClone(old) as KubeObject;
    updated.status = incoming.status;
    if (incoming.metadata?.resourceVersion) updated.metadata.resourceVersion = incoming.metadata.resourceVersion;
    recordUpdate(t.type, old, updated, manager, this.gv(t), nowTimestamp(this.store), 'status');
    this.reply(res, 200, t, this.store.updateStatus(t.type, updated, { dryRun }));
  }
}

function deleteOptions(req: IncomingMessage, body: Buffer): { dryRun?: unknown } {
  if (!body.length || !body.toString('utf8').trim()) return {};
  const parsed = parseBody(req, body);
  return parsed && typeof parsed === 'object' ? parsed : {};
}

/** The path's segments, percent-decoded; malformed escapes are the client's mistake (400). */
function pathSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .filter(Boolean)
    .map((seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        throw badRequest(`the request path has a malformed percent-encoding in "${seg}"`);
      }
    });
}

function wrap(body: unknown): { body: unknown } | undefined {
  if (body === undefined) throw pathNotFound();
  return { body };
}

function wantsTable(accept: string): boolean {
  return /as=Table/.test(accept);
}

/** A watch's timeoutSeconds: a whole number of seconds, at most a day (timers overflow past ~24 days). */
function timeoutSeconds(q: URLSearchParams): number | undefined {
  const raw = q.get('timeoutSeconds');
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 86_400) throw badRequest(`timeoutSeconds: Invalid value: "${raw}": must be a whole number of seconds from 0 to 86400`);
  return n > 0 ? n : undefined;
}

function parseDryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

/** autoscaling/v1 Scale for deployments/scale and replicasets/scale (what `kubectl scale` uses). */
function toScale(obj: KubeObject) {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 1 },
    status: { replicas: obj.status?.replicas ?? 0, selector: obj.spec?.selector ? formatLabelSelector(obj.spec.selector).replace(/^<none>$/, '') : '' },
  };
}

