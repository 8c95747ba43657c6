import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ROUTING_APIS, type ApplyResponse, type PreflightResult, type RoutingApi, type SceneApplyResponse, type SceneMode, type SceneObjectRef } from '../protocol.ts';
import { errorMessage, errorStatus, type ClusterConnection } from '../cluster/connection.ts';
import { apiVersionOf, kindOfObject, SCENE_KINDS } from '../kinds.ts';
import { applyDocuments, mayChangeKind, unifiedDiff, type ChangePolicy } from './apply.ts';
import { DocumentError, parseManifests, type ParsedDocument } from './yaml-documents.ts';
import { DATA_PLANES, prepareDataPlane, restartForDataPlane, type SceneDataPlane } from './scene-data-plane.ts';

/** A scene in one routing API: the workloads it needs and its whole routing state. */
export interface SceneFiles {
  platform: string[];
  routing: string[];
}

export interface Scene extends SceneFiles, SceneDataPlane {
  name: string;
  title: string;
  namespaces: string[];
  /** The same scene in the Gateway API: more workloads (Services per version) and its own routing. */
  gatewayApi?: SceneFiles;
}

/** Reads manifests/scenes.yaml; a broken catalogue is a startup error with the reason. */
export function loadScenes(root: string): Scene[] {
  const path = join(root, 'manifests', 'scenes.yaml');
  const doc = parse(readFileSync(path, 'utf8')) as { scenes?: any[] };
  if (!Array.isArray(doc?.scenes)) throw new Error(`${path}: expected a top-level "scenes" list`);
  return doc.scenes.map((s, i) => {
    if (!s?.name) throw new Error(`${path}: scene ${i + 1} has no name`);
    const where = `${path}: scene ${s.name}`;
    const scene: Scene = { name: s.name, title: s.title ?? s.name, namespaces: s.namespaces ?? ['default'], platform: fileList(s.platform, `${where}, platform`), routing: fileList(s.routing, `${where}, routing`), ...dataPlaneOf(s, where) };
    if (s.gatewayApi !== undefined) {
      if (!s.gatewayApi || typeof s.gatewayApi !== 'object' || Array.isArray(s.gatewayApi)) throw new Error(`${where}, gatewayApi: expected a map with "platform" and "routing" lists`);
      scene.gatewayApi = { platform: fileList(s.gatewayApi.platform, `${where}, gatewayApi.platform`), routing: fileList(s.gatewayApi.routing, `${where}, gatewayApi.routing`) };
      if (!scene.gatewayApi.routing.length) throw new Error(`${where}, gatewayApi.routing: a Gateway API variant needs its routing files`);
    }
    return scene;
  });
}

/** `dataPlane: sidecar|ambient` (sidecar when absent) and, for ambient only, the `waypoint` its namespaces use. */
function dataPlaneOf(s: { dataPlane?: unknown; waypoint?: unknown }, where: string): SceneDataPlane {
  const dataPlane = s.dataPlane ?? 'sidecar';
  if (!(DATA_PLANES as readonly unknown[]).includes(dataPlane)) throw new Error(`${where}, dataPlane: expected one of ${DATA_PLANES.join(', ')}, got ${JSON.stringify(dataPlane)}`);
  if (s.waypoint === undefined) return { dataPlane: dataPlane as SceneDataPlane['dataPlane'] };
  if (dataPlane !== 'ambient') throw new Error(`${where}, waypoint: only an ambient scene (dataPlane: ambient) uses a waypoint`);
  if (typeof s.waypoint !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(s.waypoint)) throw new Error(`${where}, waypoint: expected the name of a waypoint Gateway, got ${JSON.stringify(s.waypoint)}`);
  return { dataPlane: 'ambient', waypoint: s.waypoint };
}

function fileList(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((f) => typeof f !== 'string' || !f)) throw new Error(`${where}: expected a list of manifest paths`);
  return v;
}

/** The routing APIs a scene can be shown in: both when it has a Gateway API variant. */
export function sceneApis(scene: Scene): RoutingApi[] {
  return scene.gatewayApi ? [...ROUTING_APIS] : ['istio'];
}

/**
 * The scene's files in one routing API. A scene without a Gateway API variant has no routing
 * of its own to show there (nothing deployed yet, or Bookinfo alone): it is the same in both.
 */
export function sceneFiles(scene: Scene, api: RoutingApi): SceneFiles {
  if (api === 'gateway-api' && scene.gatewayApi) return { platform: [...scene.platform, ...scene.gatewayApi.platform], routing: scene.gatewayApi.routing };
  return { platform: scene.platform, routing: scene.routing };
}

/** The scene's documents, in order, the later of two same-named objects winning (like consecutive applies). */
export async function sceneDocuments(root: string, scene: Scene, api: RoutingApi = 'istio'): Promise<string> {
  const byKey = new Map<string, unknown>();
  const files = sceneFiles(scene, api);
  for (const file of [...files.platform, ...files.routing]) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const d of await parseManifests(text)) {
      const o = d.object;
      if (o.kind !== 'Namespace') o.metadata.namespace ||= scene.namespaces[0];
      const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      byKey.delete(key); // re-insert so order follows the last file that names it
      byKey.set(key, o);
    }
  }
  return [...byKey.values()].map((o) => stringify(o)).join('---\n');
}

export type { PreflightResult, SceneApplyResponse, SceneMode, SceneObjectRef } from '../protocol.ts';
export const SCENE_MODES: readonly SceneMode[] = ['reset', 'catch-up'];

/**
 * A scene's documents, parsed once and kept until one of its files changes: a reset runs them
 * again and again, and parsing YAML is most of what a reset would otherwise cost.
 */
const parsedScenes = new Map<string, { stamp: string; docs: ParsedDocument[] }>();

async function parsedScene(root: string, scene: Scene, api: RoutingApi): Promise<ParsedDocument[]> {
  const { platform, routing } = sceneFiles(scene, api);
  const files = [...platform, ...routing];
  const stamp = files.map((f) => {
    const st = statSync(join(root, f));
    return `${f}:${st.mtimeMs}:${st.size}`;
  }).join('|') + `|${scene.namespaces[0]}`;
  const key = `${root}\0${scene.name}\0${api}`;
  const cached = parsedScenes.get(key);
  if (cached?.stamp === stamp) return cached.docs;
  const text = await sceneDocuments(root, scene, api);
  const docs = text.trim() ? await parseManifests(text) : [];
  parsedScenes.set(key, { stamp, docs });
  return docs;
}

/**
 * Brings the cluster to the scene in one routing API. A reset prunes every routing kind of both
 * APIs that the variant does not hold, so a switch of API never leaves the other API's rules fighting.
 */
export async function applyScene(connection: ClusterConnection, policy: ChangePolicy, root: string, scene: Scene, opts: { dryRun: boolean; mode?: SceneMode; api?: RoutingApi }): Promise<SceneApplyResponse> {
  const mode = opts.mode ?? 'reset';
  const api = opts.api ?? 'istio';
  const docs = await parsedScene(root, scene, api);
  const wanted = new Set(docs.map((d) => `${kindOfObject(d.object)?.id ?? d.object.kind}/${d.object.metadata.namespace}/${d.object.metadata.name}`));
  // Kinds this deck may not write (its RBAC in a cluster: Istio's kinds only) must already be there.
  const present = await checkPresent(connection, policy, scene, api, docs.filter((d) => !mayChangeKind(policy, d.object)));
  const writable = docs.filter((d) => mayChangeKind(policy, d.object));
  // The data plane is checked first (writing nothing), switched once the documents went in
  // (they are all dry-run before any is applied), then pods made for the other one restart.
  let prepared = await prepareDataPlane(connection, policy, scene.name, scene.namespaces, scene, true);
  let applied: ApplyResponse = { dryRun: opts.dryRun, results: [] };
  if (writable.length) applied = await applyDocuments(connection, policy, writable, opts);
  if (!opts.dryRun) prepared = await prepareDataPlane(connection, policy, scene.name, scene.namespaces, scene, false);
  const restarted = await restartForDataPlane(connection, policy, scene.namespaces, opts.dryRun);
  const response: SceneApplyResponse = { ...applied, results: [...present, ...prepared, ...applied.results, ...restarted], scene: scene.name, mode, api, kept: [] };
  // Every kind in every namespace at once: a reset waits for the slowest list, not their sum.
  const lists = await Promise.all(scene.namespaces.flatMap((namespace) => SCENE_KINDS.map(async (info) => {
    try {
      return { namespace, info, items: (await connection.objects.list(apiVersionOf(info), info.kind, namespace)).items };
    } catch (err) {
      if (errorStatus(err) === 404) return { namespace, info, items: [] }; // a kind this cluster does not serve
      throw err;
    }
  })));
  const extra: Array<{ apiVersion: string; kind: string; metadata: { name: string; namespace: string } }> = [];
  for (const { namespace, info, items } of lists) {
    const kind = info.kind;
    for (const item of items) {
      const name = item.metadata!.name!;
      if (wanted.has(`${info.id}/${namespace}/${name}`)) continue;
      if (mode === 'catch-up') {
        response.kept.push({ kind, name, namespace });
        continue;
      }
      const ref = { apiVersion: apiVersionOf(info), kind, metadata: { name, namespace } };
      const parsed = { index: response.results.length, object: ref as any, locate: () => undefined };
      response.results.push({ index: parsed.index, kind, name, namespace, result: 'deleted', diff: unifiedDiff(parsed, item as any, undefined) });
      extra.push(ref);
    }
  }
  if (!opts.dryRun) await Promise.all(extra.map((ref) => connection.objects.delete(ref).catch((err) => {
    if (errorStatus(err) !== 404) throw err;
  })));
  return response;
}

/** The scene's objects the deck may not write: each must exist; a missing one says how to install it. */
async function checkPresent(connection: ClusterConnection, policy: ChangePolicy, scene: Scene, api: RoutingApi, docs: ParsedDocument[]): Promise<ApplyResponse['results']> {
  const results: ApplyResponse['results'] = [];
  const missing: ParsedDocument[] = [];
  for (const d of docs) {
    const { apiVersion, kind, metadata } = d.object;
    try {
      await connection.objects.read({ apiVersion, kind, metadata: { name: metadata.name, namespace: metadata.namespace } });
      results.push({ index: d.index, kind, name: metadata.name, namespace: metadata.namespace ?? '', result: 'unchanged', diff: '' });
    } catch (err) {
      if (errorStatus(err) !== 404) throw err;
      missing.push(d);
    }
  }
  if (missing.length) {
    const first = missing[0].object;
    const names = missing.slice(0, 3).map((d) => `${d.object.kind} ${d.object.metadata.name}`).join(', ') + (missing.length > 3 ? ` and ${missing.length - 3} more` : '');
    throw new DocumentError({
      error: `scene ${scene.name} needs ${names}, which this deck may not create (it may change only ${[...policy.kinds].join(', ')}): install ${missing.length > 1 ? 'them' : 'it'} first with kubectl apply -f ${sceneFiles(scene, api).platform.join(' -f ')}`,
      document: missing[0].index,
      kind: first.kind,
      name: first.metadata.name,
    });
  }
  return results;
}

/**
 * Dry-runs every scene against the cluster, in each routing API it has (a speaker may switch API
 * mid-talk, so both must be ready): files present, documents valid, the cluster accepts them.
 * Each is timed on this cluster, so a rehearsal shows which scenes are slow to bring up.
 */
export async function preflight(connection: ClusterConnection, policy: ChangePolicy, root: string, scenes: Scene[]): Promise<PreflightResult[]> {
  const out: PreflightResult[] = [];
  for (const scene of scenes) {
    for (const api of sceneApis(scene)) {
      const problems: string[] = [];
      const started = performance.now();
      try {
        await applyScene(connection, policy, root, scene, { dryRun: true, api });
      } catch (err) {
        problems.push(err instanceof DocumentError ? err.body.error : errorMessage(err));
      }
      out.push({ scene: scene.name, title: scene.title, api, ok: problems.length === 0, problems, ms: Math.round(performance.now() - started) });
    }
  }
  return out;
}
