import type { Clock } from '../../clock.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { clusterNodes } from './addresses.ts';
import { DAEMONSET_CONTROLLER, recordEvent } from './events.ts';
import { type Kinds, isOwnedBy, kindsOf, selectorMatches } from './kinds.ts';
import { podTemplateHash } from './naming.ts';
import { isPodReady } from './pod-status.ts';
import { podFromTemplate, writeStatus } from './replicaset-controller.ts';

const REVISION_HASH = 'controller-revision-hash';
const TEMPLATE_GENERATION = 'pod-template-generation';

/** The tolerations the DaemonSet controller adds, so node agents stay through node trouble. */
const DAEMON_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

export function daemonPodsOf(store: ObjectStore, kinds: Kinds, ds: KubeObject): KubeObject[] {
  return store.list(kinds.pods, ds.metadata.namespace).filter((p) => isOwnedBy(p, ds.metadata.uid) && !p.metadata.deletionTimestamp);
}

/** The node a daemon pod is for: where it runs, or, before scheduling, the node its affinity pins it to. */
function nodeOf(pod: KubeObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) for (const f of t.matchFields ?? []) if (f.key === 'metadata.name') return f.values?.[0];
  return undefined;
}

/** The revision of the template (hash) its pods are labelled with; a template change makes a new one. */
export const daemonRevision = (ds: KubeObject) => podTemplateHash(ds.spec?.template ?? {});

/** A daemon pod for one node, named `<ds>-<5 chars>` and pinned to the node by affinity, as the controller makes it. */
function daemonPod(ds: KubeObject, node: string, revision: string): KubeObject {
  const labels = { [REVISION_HASH]: revision, [TEMPLATE_GENERATION]: String(ds.metadata.generation ?? 1) };
  return podFromTemplate(ds, 'DaemonSet', labels, (spec) => {
    spec.affinity = {
      ...(spec.affinity ?? {}),
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } },
    };
    const tolerations: any[] = spec.tolerations ?? [];
    spec.tolerations = [...tolerations, ...DAEMON_TOLERATIONS.filter((t) => !tolerations.some((o) => o.key === t.key && o.effect === t.effect))];
  });
}

/** How many pods a rolling update may take down at once: maxUnavailable of the desired nodes (at least 1 when it rounds to 0 and maxSurge is 0). */
function maxUnavailableOf(ds: KubeObject, desired: number): number {
  const v = ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1;
  const m = /^(\d+)%$/.exec(String(v));
  const n = m ? Math.floor((Number(m[1]) * desired) / 100) : Number(v) || 0;
  return Math.max(n, 1);
}

/**
 * One pass of the DaemonSet controller: one pod on every node the template's nodeSelector
 * matches, none elsewhere, old-template pods replaced as the update strategy allows, then status.
 */
export function reconcileDaemonSet(store: ObjectStore, clock: Clock, ns: string, name: string): void {
  const kinds = kindsOf(store);
  const ds = store.get(kinds.daemonsets, ns, name);
  if (!ds || !ds.spec) return;
  const revision = daemonRevision(ds);
  const nodeSelector = ds.spec.template?.spec?.nodeSelector ?? {};
  const wanted = clusterNodes().filter((n) => selectorMatches({ matchLabels: nodeSelector }, n.labels)).map((n) => n.name);
  const rolling = (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const remove = (pod: KubeObject) => {
    try {
      store.delete(kinds.pods, ns, pod.metadata.name);
      recordEvent(store, clock, ds, DAEMONSET_CONTROLLER, 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch {
      /* deleted meanwhile */
    }
  };

  const pods = daemonPodsOf(store, kinds, ds);
  for (const pod of pods) if (!wanted.includes(nodeOf(pod) ?? '')) remove(pod);
  let unavailable = wanted.filter((node) => !pods.some((p) => nodeOf(p) === node && isPodReady(p))).length;
  const budget = maxUnavailableOf(ds, wanted.length);
  for (const node of wanted) {
    const here = pods.filter((p) => nodeOf(p) === node).sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
    // One daemon pod per node: extras go, the oldest stays.
    for (const extra of here.slice(1)) remove(extra);
    const pod = here[0];
    if (!pod) {
      try {
        const created = store.create(kinds.pods, daemonPod(ds, node, revision));
        recordEvent(store, clock, ds, DAEMONSET_CONTROLLER, 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      } catch (err) {
        recordEvent(store, clock, ds, DAEMONSET_CONTROLLER, 'FailedCreate', `Error creating: ${(err as Error).message}`, { type: 'Warning' });
      }
      continue;
    }
    // RollingUpdate replaces an old pod while the unavailability budget allows; OnDelete waits for the user.
    if (rolling && pod.metadata.labels?.[REVISION_HASH] !== revision) {
      const wasAvailable = isPodReady(pod);
      if (wasAvailable && unavailable >= budget) continue;
      remove(pod);
      if (wasAvailable) unavailable++;
    }
  }
  writeDaemonSetStatus(store, kinds, store.get(kinds.daemonsets, ns, name)!, wanted, revision);
}

function writeDaemonSetStatus(store: ObjectStore, kinds: Kinds, ds: KubeObject, wanted: string[], revision: string): void {
  const pods = daemonPodsOf(store, kinds, ds);
  const onNode = (node: string) => pods.filter((p) => nodeOf(p) === node);
  const scheduled = wanted.filter((n) => onNode(n).length > 0);
  const ready = wanted.filter((n) => onNode(n).some(isPodReady)).length;
  const updated = wanted.filter((n) => onNode(n).some((p) => p.metadata.labels?.[REVISION_HASH] === revision)).length;
  const misscheduled = new Set(pods.map(nodeOf).filter((n) => n && !wanted.includes(n))).size;
  const status: any = {
    currentNumberScheduled: scheduled.length,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: wanted.length,
    numberReady: ready,
    observedGeneration: ds.metadata.generation ?? 1,
    updatedNumberScheduled: updated,
    numberAvailable: ready,
    ...(wanted.length - ready > 0 ? { numberUnavailable: wanted.length - ready } : {}),
  };
  writeStatus(store, kinds.daemonsets, ds, status);
}
