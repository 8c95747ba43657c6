import { rfc3339 } from '../apiserver/object-meta.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { NODE } from './addresses.ts';
import { hexId } from './naming.ts';

/** How far a pod has come: scheduled to the node, init containers done, containers running, ready. */
export type PodStage = 'scheduled' | 'initialized' | 'running' | 'ready';
const ORDER: PodStage[] = ['scheduled', 'initialized', 'running', 'ready'];
const reached = (stage: PodStage, s: PodStage) => ORDER.indexOf(stage) >= ORDER.indexOf(s);

/**
 * The status the kubelet reports at `stage`, built from scratch but keeping the
 * timestamps of stages already passed, so `kubectl get pods` and `describe` look real.
 */
export function podStatusAt(pod: KubeObject, stage: PodStage, nowMs: number, podIP: string | undefined): any {
  const prev = pod.status ?? {};
  const now = rfc3339(nowMs);
  const spec = pod.spec ?? {};
  const inits: any[] = spec.initContainers ?? [];
  const containers: any[] = spec.containers ?? [];
  const initialized = reached(stage, 'initialized') || inits.length === 0;
  const running = reached(stage, 'running');
  const ready = stage === 'ready';
  const unready = containers.map((c) => c.name);

  const prevCondition = (type: string) => (prev.conditions ?? []).find((c: any) => c.type === type);
  const condition = (type: string, ok: boolean, reason?: string, message?: string) => {
    const before = prevCondition(type);
    const status = ok ? 'True' : 'False';
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: before?.status === status ? before.lastTransitionTime : now,
      ...(ok || !reason ? {} : { reason, message }),
    };
  };
  const prevStatus = (list: any[] | undefined, name: string) => (list ?? []).find((s: any) => s.name === name);
  const imageId = (image: string) => `${image.replace(/:[^/:]+$/, '')}@sha256:${hexId(image)}`;

  const initContainerStatuses = inits.map((c) => {
    const before = prevStatus(prev.initContainerStatuses, c.name);
    const done = initialized;
    const startedAt = before?.state?.terminated?.startedAt ?? now;
    return {
      name: c.name,
      image: c.image,
      imageID: done ? imageId(c.image) : '',
      ...(done ? { containerID: `containerd://${hexId(`${pod.metadata.uid}/${c.name}`)}` } : {}),
      ready: done,
      restartCount: 0,
      started: false,
      state: done
        ? { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: before?.state?.terminated?.finishedAt ?? now, containerID: `containerd://${hexId(`${pod.metadata.uid}/${c.name}`)}` } }
        : { waiting: { reason: 'PodInitializing' } },
      lastState: {},
    };
  });

  const containerStatuses = containers.map((c) => {
    const before = prevStatus(prev.containerStatuses, c.name);
    const base = { name: c.name, image: c.image, restartCount: 0, lastState: {} };
    if (!running) {
      return { ...base, imageID: '', ready: false, started: false, state: { waiting: { reason: initialized ? 'ContainerCreating' : 'PodInitializing' } } };
    }
    return {
      ...base,
      imageID: imageId(c.image),
      containerID: `containerd://${hexId(`${pod.metadata.uid}/${c.name}`)}`,
      ready,
      started: true,
      state: { running: { startedAt: before?.state?.running?.startedAt ?? now } },
    };
  });

  const status: any = {
    phase: running ? 'Running' : 'Pending',
    conditions: [
      condition('PodReadyToStartContainers', podIP !== undefined),
      condition('Initialized', initialized, 'ContainersNotInitialized', `containers with incomplete status: [${inits.map((c) => c.name).join(' ')}]`),
      condition('Ready', ready, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`),
      condition('ContainersReady', ready, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`),
      condition('PodScheduled', true),
    ],
    hostIP: NODE.ip,
    hostIPs: [{ ip: NODE.ip }],
    startTime: prev.startTime ?? now,
    qosClass: prev.qosClass ?? 'BestEffort',
    ...(inits.length ? { initContainerStatuses } : {}),
    containerStatuses,
  };
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  return status;
}

/** Whether a pod counts as Ready (for Endpoints and ReplicaSet status). */
export function isPodReady(pod: KubeObject): boolean {
  return pod.status?.phase === 'Running' && !!pod.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
}
