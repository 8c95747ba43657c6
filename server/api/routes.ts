import { existsSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import express, { type Request, type Response } from 'express';
import type { ClusterConnection } from '../cluster/connection.ts';
import { apiVersionOf, findKind, KIND_LIST } from '../kinds.ts';
import type { ClusterSession } from '../hub/cluster-session.ts';
import { applyManifests, deleteManifests, type ChangePolicy } from './apply.ts';
import { bearerToken, tokenMatches } from './auth.ts';
import { inputErrorHandler, InputError, refuseDeepJson } from './input-errors.ts';
import { runTalkCommand } from './run-command.ts';
import { applyScene, preflight, SCENE_MODES, sceneApis, type Scene, type SceneMode } from './scenes.ts';
import { DocumentError } from './yaml-documents.ts';
import { parseRoutingApi, ROUTING_APIS, SANDBOX_CLIENT_HEADER } from '../protocol.ts';
import type { SandboxAnswer, SandboxRequester } from '../sandbox/request.ts';

/** One cluster the API can act on: the presenter's, or an attendee's sandbox. */
export interface ApiTarget {
  connection: ClusterConnection;
  session: ClusterSession;
  policy: ChangePolicy;
  /** The token that authorizes changes to this target. */
  token: string;
  gatewayUrl: () => Promise<string>;
  jaegerUrl: () => Promise<string>;
}

export interface ApiOptions {
  root: string;
  scenes: Scene[];
  /** Picks the target from the request (an X-Deck-Sandbox header names a sandbox). */
  target(req: Request): ApiTarget | undefined;
  createSandbox(from: SandboxRequester): Promise<SandboxAnswer>;
  deleteSandbox(id: string, token: string | undefined): boolean;
  /** The page named by its client id stops waiting for a sandbox. */
  leaveSandboxLine(client: string): void;
}

/** Request body limits: YAML for apply/dry-run/delete, JSON for the small command bodies. */
export const YAML_BODY_LIMIT = '1mb';
export const JSON_BODY_LIMIT = '16kb';
/** A Kubernetes object name (DNS-1123 subdomain), so a path such as `..` never reaches the cluster. */
/** A page's own id, as its client makes it (random, URL-safe). */
const SANDBOX_CLIENT_ID = /^[A-Za-z0-9_-]{16,64}$/;
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function apiRouter(opts: ApiOptions): express.Router {
  const r = express.Router();
  const text = express.text({ type: () => true, limit: YAML_BODY_LIMIT });
  const json = express.json({ limit: JSON_BODY_LIMIT, verify: refuseDeepJson });

  const withTarget = (handler: (t: ApiTarget, req: Request, res: Response) => Promise<unknown>, needsToken: boolean) => async (req: Request, res: Response, next: express.NextFunction) => {
    const t = opts.target(req);
    if (!t) return res.status(404).json({ error: 'no such sandbox (it may have been evicted after being idle)' });
    if (needsToken) {
      const token = bearerToken(req);
      if (!token) return res.status(401).json({ error: 'the presenter token is required for changes (Authorization: Bearer <token>)' });
      if (!tokenMatches(token, t.token)) return res.status(403).json({ error: 'the presenter token is wrong' });
    }
    try {
      await handler(t, req, res);
    } catch (err) {
      next(err);
    }
  };

  r.get('/health', withTarget(async (t, _req, res) => {
    const h = t.session.healthState;
    res.json({ ...h, gatewayUrl: await t.gatewayUrl().catch(() => undefined), jaegerUrl: await t.jaegerUrl().catch(() => undefined) });
  }, false));

  const dryRunOf = (req: Request) => req.query.dryRun === '1' || req.query.dryRun === 'true' || req.query.dryRun === 'All';
  r.post('/apply', text, withTarget(async (t, req, res) => res.json(await applyManifests(t.connection, t.policy, bodyText(req), { dryRun: dryRunOf(req) })), true));
  r.post('/dry-run', text, withTarget(async (t, req, res) => res.json(await applyManifests(t.connection, t.policy, bodyText(req), { dryRun: true })), true));
  r.post('/delete', text, withTarget(async (t, req, res) => res.json(await deleteManifests(t.connection, t.policy, bodyText(req), { dryRun: dryRunOf(req) })), true));

  r.get('/scenes', (_req, res) => res.json(opts.scenes.map((s) => ({ name: s.name, title: s.title, apis: sceneApis(s) }))));
  r.post('/scene/:name', json, withTarget(async (t, req, res) => {
    const scene = opts.scenes.find((s) => s.name === req.params.name);
    if (!scene) return res.status(404).json({ error: `no scene named "${String(req.params.name).slice(0, 60)}" (scenes: ${opts.scenes.map((s) => s.name).join(', ')})` });
    const mode = sceneModeOf(req);
    if (!mode) return res.status(400).json({ error: `mode must be one of ${SCENE_MODES.map((m) => `"${m}"`).join(', ')} (body {"mode": "reset"}); got ${JSON.stringify(req.body?.mode ?? req.query.mode).slice(0, 40)}`, field: 'mode' });
    const given: unknown = req.body?.api ?? req.query.api;
    const api = given === undefined ? t.session.routingApi : parseRoutingApi(given);
    if (!api) return res.status(400).json({ error: `api must be one of ${ROUTING_APIS.map((a) => `"${a}"`).join(', ')} (body {"api": "gateway-api"}); got ${JSON.stringify(given).slice(0, 40)}`, field: 'api' });
    const dryRun = dryRunOf(req);
    const result = await applyScene(t.connection, t.policy, opts.root, scene, { dryRun, mode, api });
    // Shared with the other replicas, so they agree on the scene; the gateway follows the API it was applied in.
    if (!dryRun) {
      t.session.setCurrentScene(scene.name);
      if (scene.gatewayApi) t.session.setRoutingApi(api);
    }
    res.json(result);
  }, true));
  r.get('/preflight', withTarget(async (t, _req, res) => res.json(await preflight(t.connection, t.policy, opts.root, opts.scenes)), true));
  r.post('/run', json, withTarget(async (t, req, res) => {
    const command = typeof req.body?.command === 'string' ? req.body.command : '';
    if (!command) return res.status(400).json({ error: 'body must be {"command": "kubectl ..."}' });
    res.json(await runTalkCommand(t.connection, t.policy, opts.root, command));
  }, true));

  r.get('/object/:kind/:namespace/:name', withTarget(async (t, req, res) => {
    const info = findKind(String(req.params.kind));
    if (!info) return res.status(400).json({ error: `unknown kind "${String(req.params.kind).slice(0, 40)}" (kinds: ${KIND_LIST.map((k) => k.id).join(', ')})`, field: 'kind' });
    if (!t.policy.namespaces.has(String(req.params.namespace)) && req.params.namespace !== 'istio-system') return res.status(403).json({ error: `namespace ${String(req.params.namespace).slice(0, 63)} is not shown by this deck` });
    if (!OBJECT_NAME.test(String(req.params.name))) return res.status(400).json({ error: `name "${String(req.params.name).slice(0, 60)}" is not a Kubernetes object name (lower-case letters, digits, "-" and ".", at most 253)`, field: 'name' });
    const obj = await t.connection.objects.read({ apiVersion: apiVersionOf(info), kind: info.kind, metadata: { name: String(req.params.name), namespace: String(req.params.namespace) } });
    res.json(obj);
  }, false));

  r.get('/traces/:id', withTarget(async (t, req, res) => {
    if (!/^[0-9a-f]{1,32}$/i.test(String(req.params.id))) return res.status(400).json({ error: 'a trace id is 1-32 hex digits' });
    res.json(await t.session.getTrace(String(req.params.id)));
  }, false));

  r.get('/manifest', (req, res) => {
    const rel = normalize(String(req.query.path ?? ''));
    if (!/^[A-Za-z0-9._/-]{1,200}$/.test(rel) || !rel.startsWith('manifests/') || rel.includes('..') || !/\.ya?ml$/.test(rel)) return res.status(400).json({ error: 'path must be a .yaml file under manifests/' });
    const file = join(opts.root, rel);
    if (!existsSync(file)) return res.status(404).json({ error: `no manifest ${rel}` });
    res.type('text/yaml').send(readFileSync(file, 'utf8'));
  });

  r.post('/sandbox', async (req, res, next) => {
    const client = req.get(SANDBOX_CLIENT_HEADER);
    if (client !== undefined && !SANDBOX_CLIENT_ID.test(client)) return res.status(400).json({ error: `the ${SANDBOX_CLIENT_HEADER} header must be 16-64 letters, digits, "-" or "_"`, field: SANDBOX_CLIENT_HEADER });
    try {
      const { status, ...answer } = await opts.createSandbox({ client, address: req.socket.remoteAddress ?? 'unknown' });
      if ('retryAfterSeconds' in answer && answer.retryAfterSeconds) res.setHeader('Retry-After', String(answer.retryAfterSeconds));
      res.status(status).json('error' in answer ? { error: answer.error } : answer);
    } catch (err) {
      next(err);
    }
  });
  r.delete('/sandbox/line', (req, res) => {
    const client = req.get(SANDBOX_CLIENT_HEADER);
    if (!client || !SANDBOX_CLIENT_ID.test(client)) return res.status(400).json({ error: `the ${SANDBOX_CLIENT_HEADER} header must name the page leaving the line (16-64 letters, digits, "-" or "_")`, field: SANDBOX_CLIENT_HEADER });
    opts.leaveSandboxLine(client);
    res.status(204).end();
  });
  r.delete('/sandbox/:id', (req, res) => {
    if (!opts.deleteSandbox(String(req.params.id), bearerToken(req))) return res.status(404).json({ error: 'no such sandbox, or wrong token' });
    res.status(204).end();
  });

  r.use((_req, res) => res.status(404).json({ error: 'no such API endpoint' }));
  r.use(inputErrorHandler);
  return r;
}

/** `reset` unless the body (or `?mode=`) names another; undefined when it names an unknown mode. */
function sceneModeOf(req: Request): SceneMode | undefined {
  const given: unknown = req.body?.mode ?? req.query.mode;
  if (given === undefined) return 'reset';
  return SCENE_MODES.find((m) => m === given);
}

function bodyText(req: Request): string {
  if (typeof req.body !== 'string') throw new DocumentError({ error: 'send the YAML as the request body (Content-Type: application/yaml or text/plain)' });
  if (req.body.includes('\u0000')) throw new InputError(400, 'the YAML body holds a NUL byte');
  if (req.body.includes('\ufffd')) throw new InputError(400, 'the YAML body is not valid UTF-8');
  return req.body;
}
