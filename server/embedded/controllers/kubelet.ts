import type { Clock } from '../../clock.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject, StoreEvent } from '../apiserver/types.ts';
import { NODE, allocatePodIp, bindToNode } from './addresses.ts';
import { KUBELET, SCHEDULER, recordEvent } from './events.ts';
import { kindsOf } from './kinds.ts';
import { rfc3339 } from '../apiserver/object-meta.ts';
import { type PodStage, isPodReady, podStatusAt } from './pod-status.ts';

export interface KubeletTiming {
  /** Simulated ms from creation to containers Running; drawn per pod from 2-5 s when unset. */
  podStartupMs?: number;
  /** Simulated ms from Running to Ready; drawn per pod from 1-3 s when unset. */
  podReadyMs?: number;
}

/** The kubelet's default max pods per node: the embedded cluster's one node runs no more. */
export const MAX_PODS_PER_NODE = 110;
const TOO_MANY_PODS = '0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';

const draw = (fixed: number | undefined, lo: number, hi: number) => fixed ?? lo + Math.random() * (hi - lo);

/**
 * Plays each new pod through the scheduler and kubelet on the simulated clock:
 * Pending (scheduled, ContainerCreating) → Running → Ready.
 */
export function startKubelet(store: ObjectStore, clock: Clock, timing: KubeletTiming): { stop(): void } {
  const kinds = kindsOf(store);
  const timers = new Map<string, NodeJS.Timeout>();
  /** Pods bound to the node (at most MAX_PODS_PER_NODE), and those waiting for room, oldest first. */
  const admitted = new Set<string>();
  const waiting = new Map<string, { ns: string; name: string }>();

  const cancel = (uid: string) => {
    clearTimeout(timers.get(uid));
    timers.delete(uid);
  };

  /** Moves the pod to `stage` if it still exists (same uid); false when it is gone. */
  const advance = (ns: string, name: string, uid: string, stage: PodStage): boolean => {
    const current = store.get(kinds.pods, ns, name);
    if (!current || current.metadata.uid !== uid) return false;
    const pod = bindToNode(current);
    const hasInit = (pod.spec.initContainers ?? []).length > 0;
    const needsIp = stage !== 'scheduled' || !hasInit;
    const ip = pod.status?.podIP ?? (needsIp ? allocatePodIp(store) : undefined);
    pod.status = podStatusAt(pod, stage, clock.now(), ip);
    try {
      // Scheduling binds the pod and records it in its status; later stages write status only.
      if (stage === 'scheduled') store.bind(kinds.pods, pod);
      else store.updateStatus(kinds.pods, pod);
    } catch {
      return false;
    }
    return true;
  };

  const podNow = (ns: string, name: string, uid: string) => {
    const pod = store.get(kinds.pods, ns, name);
    return pod && pod.metadata.uid === uid ? pod : undefined;
  };
  const fieldPathOf = (kind: 'initContainers' | 'containers', c: any) => `spec.${kind}{${c.name}}`;

  /** The kubelet starts pulling when it gets to a container... */
  const pulling = (pod: KubeObject, containers: any[], kind: 'initContainers' | 'containers') => {
    for (const c of containers) recordEvent(store, clock, pod, KUBELET, 'Pulling', `Pulling image "${c.image}"`, { fieldPath: fieldPathOf(kind, c) });
  };
  /** ...and reports pulled, created and started once the container runs. */
  const started = (pod: KubeObject, containers: any[], kind: 'initContainers' | 'containers', pullMs: number) => {
    for (const c of containers) {
      const fieldPath = fieldPathOf(kind, c);
      const secs = (pullMs / 1000).toFixed(3);
      const size = 40_000_000 + Math.floor(Math.random() * 200_000_000);
      recordEvent(store, clock, pod, KUBELET, 'Pulled', `Successfully pulled image "${c.image}" in ${secs}s (${secs}s including waiting). Image size: ${size} bytes.`, { fieldPath });
      recordEvent(store, clock, pod, KUBELET, 'Created', `Created container: ${c.name}`, { fieldPath });
      recordEvent(store, clock, pod, KUBELET, 'Started', `Started container ${c.name}`, { fieldPath });
    }
  };

  /** The scheduler finds no room: the pod stays Pending with the scheduler's reason, told once. */
  const wait = (pod: KubeObject) => {
    const { namespace: ns = 'default', name, uid } = pod.metadata;
    if (!uid || waiting.has(uid)) return;
    waiting.set(uid, { ns, name });
    const t = clock.setTimeout(() => {
      timers.delete(uid);
      const current = podNow(ns, name, uid);
      if (!current || current.status?.conditions?.some((c: any) => c.type === 'PodScheduled' && c.reason === 'Unschedulable')) return;
      const next = structuredClone(current) as KubeObject;
      const condition = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(clock.now()), reason: 'Unschedulable', message: TOO_MANY_PODS };
      next.status = { ...(next.status ?? {}), phase: 'Pending', conditions: [condition] };
      try {
        store.updateStatus(kinds.pods, next);
      } catch {
        return;
      }
      recordEvent(store, clock, next, SCHEDULER, 'FailedScheduling', TOO_MANY_PODS, { type: 'Warning' });
    }, 20);
    timers.set(uid, t);
  };

  /** A pod left the node: the oldest waiting one takes its place. */
  const admitNext = () => {
    for (const [uid, { ns, name }] of waiting) {
      waiting.delete(uid);
      cancel(uid);
      const pod = podNow(ns, name, uid);
      if (pod) return begin(pod);
    }
  };

  const begin = (pod: KubeObject) => {
    const { namespace: ns = 'default', name, uid } = pod.metadata;
    const phase = pod.status?.phase;
    if (!uid || phase === 'Succeeded' || phase === 'Failed') return;
    if (!admitted.has(uid)) {
      if (!pod.spec?.nodeName && admitted.size >= MAX_PODS_PER_NODE) return wait(pod);
      admitted.add(uid);
    }
    if (timers.has(uid) || (phase === 'Running' && isPodReady(pod))) return;
    const startup = draw(timing.podStartupMs, 2000, 5000);
    const readyAfter = draw(timing.podReadyMs, 1000, 3000);
    const inits: any[] = pod.spec?.initContainers ?? [];
    const containers: any[] = pod.spec?.containers ?? [];
    const hasInit = inits.length > 0;
    const scheduledAt = Math.min(20, startup / 10);
    const initAt = hasInit ? startup * 0.4 : scheduledAt;

    const steps: Array<{ at: number; run: () => boolean }> = [
      {
        at: scheduledAt,
        run: () => {
          if (!advance(ns, name, uid, 'scheduled')) return false;
          const p = podNow(ns, name, uid)!;
          recordEvent(store, clock, p, SCHEDULER, 'Scheduled', `Successfully assigned ${ns}/${name} to ${NODE.name}`);
          pulling(p, hasInit ? inits : containers, hasInit ? 'initContainers' : 'containers');
          return true;
        },
      },
      ...(hasInit
        ? [{
            at: initAt,
            run: () => {
              if (!advance(ns, name, uid, 'initialized')) return false;
              const p = podNow(ns, name, uid)!;
              started(p, inits, 'initContainers', initAt - scheduledAt);
              pulling(p, containers, 'containers');
              return true;
            },
          }]
        : []),
      {
        at: startup,
        run: () => {
          if (!advance(ns, name, uid, 'running')) return false;
          started(podNow(ns, name, uid)!, containers, 'containers', startup - initAt);
          return true;
        },
      },
      { at: startup + readyAfter, run: () => advance(ns, name, uid, 'ready') },
    ];
    // A pod left Running but not Ready (controllers stopped and started again) only needs its readiness.
    if (phase === 'Running') steps.splice(0, steps.length - 1);
    // One timer at a time, each armed by the step before: timers due together may fire in any order.
    const next = (i: number, now: number) => {
      if (i >= steps.length) return timers.delete(uid);
      const t = clock.setTimeout(() => {
        if (steps[i].run()) next(i + 1, steps[i].at);
        else cancel(uid);
      }, steps[i].at - now);
      timers.set(uid, t);
    };
    next(0, phase === 'Running' ? startup : 0);
  };

  const onEvent = (e: StoreEvent) => {
    if (e.resource !== kinds.pods) return;
    if (e.type === 'DELETED') {
      const uid = e.object.metadata.uid ?? '';
      cancel(uid);
      waiting.delete(uid);
      if (admitted.delete(uid)) admitNext();
      // The kubelet stops what was running; `kubectl get events` shows it after the pod is gone.
      // Recorded once the deleting write is done, never from inside its event fan-out.
      const running = (e.object.status?.containerStatuses ?? []).filter((c: any) => c.state?.running);
      if (running.length) {
        queueMicrotask(() => {
          for (const c of running) recordEvent(store, clock, e.object, KUBELET, 'Killing', `Stopping container ${c.name}`, { fieldPath: `spec.containers{${c.name}}` });
        });
      }
    }
    else if (e.type === 'ADDED') begin(e.object);
  };
  const unsubscribe = store.onEvent(onEvent);
  for (const pod of store.list(kinds.pods)) begin(pod);

  return {
    stop() {
      unsubscribe();
      for (const uid of [...timers.keys()]) cancel(uid);
    },
  };
}

