import * as k8s from '@kubernetes/client-node';
import { errorStatus, type ClusterConnection } from '../cluster/connection.ts';
import { INSTALL_REQUEST, PROFILES } from '../embedded/controllers/install-request.ts';
import { shouldInject } from '../embedded/controllers/sidecar-injector.ts';
import { AMBIENT_MODE, DATAPLANE_MODE_LABEL, USE_WAYPOINT_LABEL } from '../embedded/istio-api/ambient-labels.ts';
import type { ApplyDocumentResult } from '../protocol.ts';
import { mayChangeKind, type ChangePolicy } from './apply.ts';
import { DocumentError } from './yaml-documents.ts';

/** How a scene's workloads run: each with its own sidecar, or in ambient mode (ztunnel, and a waypoint if named). */
export type DataPlane = 'sidecar' | 'ambient';
export const DATA_PLANES: readonly DataPlane[] = ['sidecar', 'ambient'];

export interface SceneDataPlane {
  dataPlane: DataPlane;
  /** Ambient only: the waypoint the scene's namespaces use (`istio.io/use-waypoint`). */
  waypoint?: string;
}

/** kubectl rollout restart's mark on a pod template: a new value rolls the pods. */
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const INJECTION_LABEL = 'istio-injection';
/** What the injector leaves on a pod it gave a sidecar. */
const SIDECAR_STATUS = 'sidecar.istio.io/status';
const AMBIENT_PROFILE = 'ambient';
/** The profile a sidecar scene goes back to when ambient's took the ingress gateway away. */
const SIDECAR_PROFILE = 'default';

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** The namespace labels a data plane wants; null removes a label (as `kubectl label ns x key-`). */
export function wantedNamespaceLabels(plane: SceneDataPlane): Record<string, string | null> {
  if (plane.dataPlane === 'ambient') return { [INJECTION_LABEL]: null, [DATAPLANE_MODE_LABEL]: AMBIENT_MODE, [USE_WAYPOINT_LABEL]: plane.waypoint ?? null };
  return { [DATAPLANE_MODE_LABEL]: null, [USE_WAYPOINT_LABEL]: null };
}

/** The labels that differ from what the namespace has now (nothing when it is already right). */
export function labelChanges(current: Record<string, string>, wanted: Record<string, string | null>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(wanted).filter(([k, v]) => (v === null ? k in current : current[k] !== v)));
}

/**
 * The install profile this data plane needs, when the embedded control plane runs another:
 * ambient needs ztunnel and istio-cni; sidecars need the ingress gateway back once ambient's
 * profile (which has none) took it away. undefined: the current profile will do.
 */
export function profileFor(plane: DataPlane, current: string | undefined): string | undefined {
  const has = PROFILES[current ?? ''] ?? [];
  if (plane === 'ambient') return has.includes('ztunnel') && has.includes('cni') ? undefined : AMBIENT_PROFILE;
  return current === AMBIENT_PROFILE ? SIDECAR_PROFILE : undefined;
}

/**
 * Whether a Deployment's running pods were made for another data plane: a pod carries the
 * injector's sidecar where its template, in the namespace as labelled now, would get none, or
 * the other way round. Such pods keep their mode until restarted, as on a real cluster.
 */
export function podsNeedRestart(template: k8s.V1PodTemplateSpec | undefined, pods: k8s.V1Pod[], namespace: k8s.V1Namespace | undefined): boolean {
  const wantsSidecar = shouldInject({ metadata: { name: '', ...(template?.metadata ?? {}) }, spec: template?.spec ?? {} } as any, namespace as any);
  return pods.some((p) => !p.metadata?.deletionTimestamp && Boolean(p.metadata?.annotations?.[SIDECAR_STATUS]) !== wantsSidecar);
}

function result(kind: string, name: string, namespace: string, what: ApplyDocumentResult['result'], diff: string): ApplyDocumentResult {
  return { index: -1, kind, name, namespace, result: what, diff };
}

/**
 * Before a scene's documents: the install profile and the namespaces' labels its data plane
 * needs (what `istioctl install --set profile=ambient` and `kubectl label namespace` do).
 * A cluster the deck cannot install on (a real one: no install request) must have ztunnel already.
 */
export async function prepareDataPlane(connection: ClusterConnection, policy: ChangePolicy, sceneName: string, namespaces: string[], plane: SceneDataPlane, dryRun: boolean): Promise<ApplyDocumentResult[]> {
  const results: ApplyDocumentResult[] = [];
  let request: k8s.V1ConfigMap | undefined;
  try {
    request = await connection.core.readNamespacedConfigMap(INSTALL_REQUEST);
  } catch (err) {
    if (errorStatus(err) !== 404 && errorStatus(err) !== 403) throw err;
  }
  if (request) {
    const current = request.data?.profile;
    const profile = profileFor(plane.dataPlane, current);
    if (profile) {
      // The install request is the embedded cluster's; a deck limited to Istio's kinds installs nothing.
      if (!mayChangeKind(policy, { apiVersion: 'v1', kind: 'ConfigMap' })) {
        throw new DocumentError({ error: `scene ${sceneName} needs Istio's ${profile} profile (this cluster runs ${current}), which this deck may not install: run istioctl install --set profile=${profile} --skip-confirmation` });
      }
      if (!dryRun) await connection.core.patchNamespacedConfigMap({ ...INSTALL_REQUEST, body: { data: { profile } } }, mergePatch);
      results.push(result('ConfigMap', INSTALL_REQUEST.name, INSTALL_REQUEST.namespace, 'configured', `-profile: ${current}\n+profile: ${profile}\n`));
    }
  } else if (plane.dataPlane === 'ambient') {
    try {
      await connection.apps.readNamespacedDaemonSet({ namespace: 'istio-system', name: 'ztunnel' });
    } catch (err) {
      if (errorStatus(err) !== 404) throw err;
      throw new DocumentError({ error: `scene ${sceneName} runs in ambient mode, and this cluster has no ztunnel (DaemonSet istio-system/ztunnel): install Istio's ambient profile first with istioctl install --set profile=ambient` });
    }
  }
  const wanted = wantedNamespaceLabels(plane);
  for (const name of namespaces) {
    let ns: k8s.V1Namespace;
    try {
      ns = await connection.core.readNamespace({ name });
    } catch (err) {
      // Not there before the scene's documents make it (checked again after them).
      if (errorStatus(err) === 404 && dryRun) continue;
      throw err;
    }
    const changes = labelChanges(ns.metadata?.labels ?? {}, wanted);
    if (!Object.keys(changes).length) continue;
    if (!mayChangeKind(policy, { apiVersion: 'v1', kind: 'Namespace' }) || !policy.namespaces.has(name)) {
      const spec = Object.entries(changes).map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`)).join(' ');
      throw new DocumentError({ error: `scene ${sceneName} needs namespace ${name} labelled for its data plane, which this deck may not do: run kubectl label namespace ${name} ${spec} --overwrite` });
    }
    if (!dryRun) await connection.core.patchNamespace({ name, body: { metadata: { labels: changes } } }, mergePatch);
    const diff = Object.entries(changes).map(([k, v]) => (v === null ? `-${k}: ${ns.metadata?.labels?.[k]}` : `+${k}: ${v}`)).join('\n') + '\n';
    results.push(result('Namespace', name, '', 'configured', diff));
  }
  return results;
}

/**
 * After a scene's documents: restarts (as `kubectl rollout restart`) every Deployment whose pods
 * run in the other data plane, so pods go from 2/2 to 1/1 when a namespace joins ambient, and back.
 */
export async function restartForDataPlane(connection: ClusterConnection, policy: ChangePolicy, namespaces: string[], dryRun: boolean): Promise<ApplyDocumentResult[]> {
  const results: ApplyDocumentResult[] = [];
  if (!mayChangeKind(policy, { apiVersion: 'apps/v1', kind: 'Deployment' })) return results;
  for (const namespace of namespaces) {
    let ns: k8s.V1Namespace | undefined;
    try {
      ns = await connection.core.readNamespace({ name: namespace });
    } catch (err) {
      if (errorStatus(err) === 404) continue;
      throw err;
    }
    const [deployments, pods] = await Promise.all([connection.apps.listNamespacedDeployment({ namespace }), connection.core.listNamespacedPod({ namespace })]);
    for (const d of deployments.items) {
      const selector = d.spec?.selector?.matchLabels ?? {};
      if (!Object.keys(selector).length) continue;
      const own = pods.items.filter((p) => Object.entries(selector).every(([k, v]) => p.metadata?.labels?.[k] === v));
      if (!podsNeedRestart(d.spec?.template, own, ns)) continue;
      const name = d.metadata!.name!;
      const at = new Date().toISOString();
      if (!dryRun) await connection.apps.patchNamespacedDeployment({ name, namespace, body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } } }, mergePatch);
      results.push(result('Deployment', name, namespace, 'configured', `+${RESTARTED_AT}: "${at}"\n`));
    }
  }
  return results;
}
