import type { Clock } from '../../clock.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { DEPLOYMENT_CONTROLLER, recordEvent } from './events.ts';
import { rfc3339 } from '../apiserver/object-meta.ts';
import { type Kinds, isOwnedBy, kindsOf } from './kinds.ts';
import { podTemplateHash } from './naming.ts';
import { writeStatus } from './replicaset-controller.ts';

const REVISION = 'deployment.kubernetes.io/revision';
const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
const HASH = 'pod-template-hash';

/** Annotations the controller keeps to itself; every other one of a Deployment's goes to its new ReplicaSet. */
const NOT_COPIED = new Set([
  REVISION,
  REVISION_HISTORY,
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
  'kubectl.kubernetes.io/last-applied-configuration',
]);

/** The Deployment's own annotations (such as kubernetes.io/change-cause, which `rollout history` shows). */
function copiedAnnotations(d: KubeObject): Record<string, string> {
  return Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !NOT_COPIED.has(k))) as Record<string, string>;
}

/** `25%` of 4 → 1 (surge rounds up, unavailable rounds down), or a plain integer. */
function resolveIntOrPercent(v: unknown, total: number, roundUp: boolean, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return Number(v) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export function replicaSetsOf(store: ObjectStore, kinds: Kinds, d: KubeObject): KubeObject[] {
  return store.list(kinds.replicasets, d.metadata.namespace).filter((rs) => isOwnedBy(rs, d.metadata.uid));
}

const revisionOf = (o: KubeObject) => Number(o.metadata.annotations?.[REVISION] ?? 0);

function newReplicaSet(d: KubeObject, hash: string, revision: number, replicas: number): KubeObject {
  const template = structuredClone(d.spec.template ?? {});
  template.metadata ??= {};
  template.metadata.labels = { ...(template.metadata.labels ?? {}), [HASH]: hash };
  const selector = structuredClone(d.spec.selector ?? { matchLabels: {} });
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [HASH]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...(template.metadata.labels ?? {}) },
      annotations: {
        ...copiedAnnotations(d),
        'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas ?? 1),
        'deployment.kubernetes.io/max-replicas': String(d.spec.replicas ?? 1),
        [REVISION]: String(revision),
      },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas, selector, template },
  };
}

/** Whether the ReplicaSet already carries each annotation the Deployment hands down. */
function sameCopiedAnnotations(d: KubeObject, rs: KubeObject): boolean {
  return Object.entries(copiedAnnotations(d)).every(([k, v]) => rs.metadata.annotations?.[k] === v);
}

function setReplicas(store: ObjectStore, kinds: Kinds, clock: Clock, d: KubeObject, rs: KubeObject, replicas: number): void {
  const want = d.spec.replicas ?? 1;
  const annotations = rs.metadata.annotations ?? {};
  if ((rs.spec?.replicas ?? 1) === replicas && annotations['deployment.kubernetes.io/desired-replicas'] === String(want)) return;
  const next = structuredClone(rs) as KubeObject;
  const before = next.spec.replicas ?? 1;
  next.spec.replicas = replicas;
  next.metadata.annotations = { ...annotations, 'deployment.kubernetes.io/desired-replicas': String(want), 'deployment.kubernetes.io/max-replicas': String(want + maxSurgeOf(d)) };
  store.update(kinds.replicasets, next);
  if (before !== replicas) {
    const verb = replicas > before ? 'up' : 'down';
    recordEvent(store, clock, d, DEPLOYMENT_CONTROLLER, 'ScalingReplicaSet', `Scaled ${verb} replica set ${rs.metadata.name} from ${before} to ${replicas}`);
  }
}

function maxSurgeOf(d: KubeObject): number {
  if (d.spec.strategy?.type === 'Recreate') return 0;
  return resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge, d.spec.replicas ?? 1, true, 1);
}

/**
 * One pass of the Deployment controller: the ReplicaSet for the current template,
 * a rolling (or Recreate) hand-over from the old ones, history cleanup and status.
 */
export function reconcileDeployment(store: ObjectStore, clock: Clock, ns: string, name: string): void {
  const kinds = kindsOf(store);
  const d = store.get(kinds.deployments, ns, name);
  if (!d || !d.spec) return;
  const want: number = d.spec.replicas ?? 1;
  const hash = podTemplateHash(d.spec.template ?? {});
  let sets = replicaSetsOf(store, kinds, d);
  let current = sets.find((rs) => rs.metadata.labels?.[HASH] === hash);
  const olds = () => sets.filter((rs) => rs !== current);

  if (!current) {
    const revision = Math.max(0, ...sets.map(revisionOf)) + 1;
    const total = sets.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
    const surge = maxSurgeOf(d);
    const initial = d.spec.paused
      ? 0
      : d.spec.strategy?.type === 'Recreate'
        ? 0
        : sets.length === 0
          ? want
          : Math.max(0, Math.min(want, want + surge - total));
    current = store.create(kinds.replicasets, newReplicaSet(d, hash, revision, initial));
    recordEvent(store, clock, d, DEPLOYMENT_CONTROLLER, 'ScalingReplicaSet', `Scaled up replica set ${current.metadata.name} from 0 to ${initial}`);
    sets = replicaSetsOf(store, kinds, d);
    current = sets.find((rs) => rs.metadata.labels?.[HASH] === hash)!;
  } else if (revisionOf(current) < Math.max(0, ...olds().map(revisionOf)) || !sameCopiedAnnotations(d, current)) {
    // Rolling back to an older template makes its ReplicaSet the newest revision again,
    // remembering the revisions it held; the Deployment's annotations follow it.
    const next = structuredClone(current) as KubeObject;
    const annotations = { ...next.metadata.annotations, ...copiedAnnotations(d) };
    const newest = Math.max(0, ...olds().map(revisionOf));
    if (revisionOf(current) < newest) {
      const held = [annotations[REVISION_HISTORY], annotations[REVISION]].filter(Boolean).join(',');
      if (held) annotations[REVISION_HISTORY] = held;
      annotations[REVISION] = String(newest + 1);
    }
    next.metadata.annotations = annotations;
    store.update(kinds.replicasets, next);
    sets = replicaSetsOf(store, kinds, d);
    current = sets.find((rs) => rs.metadata.labels?.[HASH] === hash)!;
  }

  if (!d.spec.paused) {
    if (d.spec.strategy?.type === 'Recreate') {
      for (const rs of olds()) setReplicas(store, kinds, clock, d, rs, 0);
      const oldPods = olds().reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
      if (oldPods === 0) setReplicas(store, kinds, clock, d, current, want);
    } else {
      const surge = maxSurgeOf(d);
      let unavailable = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable, want, false, 0);
      if (surge === 0 && unavailable === 0) unavailable = 1;
      const total = sets.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
      const curReplicas = current.spec?.replicas ?? 0;
      const hasOld = olds().some((rs) => (rs.spec?.replicas ?? 0) > 0);
      const target = hasOld ? Math.min(want, Math.max(curReplicas, curReplicas + want + surge - total)) : want;
      if (target !== curReplicas || !hasOld) setReplicas(store, kinds, clock, d, current, target);
      // Old pods go only as far as the available ones allow.
      const minAvailable = want - unavailable;
      const available = sets.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
      let canRemove = Math.max(0, available - minAvailable);
      const oldest = olds().sort((a, b) => revisionOf(a) - revisionOf(b));
      for (const rs of oldest) {
        const r = rs.spec?.replicas ?? 0;
        // Pods that are not available yet cost nothing to remove.
        const unavailableHere = Math.max(0, r - (rs.status?.availableReplicas ?? 0));
        const remove = Math.min(r, unavailableHere + canRemove);
        if (remove > 0) {
          setReplicas(store, kinds, clock, d, rs, r - remove);
          canRemove -= Math.max(0, remove - unavailableHere);
        }
      }
    }
  }

  // Keep revisionHistoryLimit scaled-down ReplicaSets, delete older ones.
  sets = replicaSetsOf(store, kinds, d);
  current = sets.find((rs) => rs.metadata.labels?.[HASH] === hash) ?? current;
  const limit = d.spec.revisionHistoryLimit ?? 10;
  const idle = sets.filter((rs) => rs.metadata.uid !== current!.metadata.uid && (rs.spec?.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0);
  for (const rs of idle.sort((a, b) => revisionOf(a) - revisionOf(b)).slice(0, Math.max(0, idle.length - limit))) {
    store.delete(kinds.replicasets, ns, rs.metadata.name);
  }
  sets = replicaSetsOf(store, kinds, d);

  writeDeploymentStatus(store, kinds, clock, store.get(kinds.deployments, ns, name)!, sets, current!);
}

function writeDeploymentStatus(store: ObjectStore, kinds: Kinds, clock: Clock, d: KubeObject, sets: KubeObject[], current: KubeObject): void {
  const want: number = d.spec.replicas ?? 1;
  const sum = (f: (rs: KubeObject) => number) => sets.reduce((n, rs) => n + f(rs), 0);
  const replicas = sum((rs) => rs.status?.replicas ?? 0);
  const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
  const available = sum((rs) => rs.status?.availableReplicas ?? 0);
  const updated = current.status?.replicas ?? 0;
  const maxUnavailable = d.spec.strategy?.type === 'Recreate' ? want : resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable, want, false, 0);
  const isAvailable = available >= want - maxUnavailable;
  const complete = updated === want && replicas === want && available === want && (current.status?.observedGeneration ?? 0) >= (current.metadata.generation ?? 1);
  const now = rfc3339(clock.now());
  const prev = (type: string) => (d.status?.conditions ?? []).find((c: any) => c.type === type);
  const cond = (type: string, ok: boolean, reason: string, message: string) => {
    const before = prev(type);
    const status = ok ? 'True' : 'False';
    const same = before?.status === status && before?.reason === reason && before?.message === message;
    return {
      type,
      status,
      lastUpdateTime: same ? before.lastUpdateTime : now,
      lastTransitionTime: before?.status === status ? before.lastTransitionTime : now,
      reason,
      message,
    };
  };
  const rsName = current.metadata.name;
  const status: any = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: available,
    ...(want - available > 0 ? { unavailableReplicas: want - available } : {}),
    conditions: [
      isAvailable
        ? cond('Available', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : cond('Available', false, 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
      complete
        ? cond('Progressing', true, 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`)
        : cond('Progressing', true, 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`),
    ],
  };
  // Keep `revision` in sync with the active ReplicaSet, as kubectl rollout history reads it.
  const revision = current.metadata.annotations?.[REVISION];
  if (revision && d.metadata.annotations?.[REVISION] !== revision) {
    const next = structuredClone(d) as KubeObject;
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [REVISION]: revision };
    d = store.update(kinds.deployments, next);
  }
  writeStatus(store, kinds.deployments, d, status);
}
