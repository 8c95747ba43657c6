import type { Clock } from '../../clock.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { NODE } from './addresses.ts';
import { rfc3339 } from '../apiserver/object-meta.ts';
import { kindsOf } from './kinds.ts';
import { hexId } from './naming.ts';

export interface EventSource {
  component: string;
  host?: string;
}

export const SCHEDULER: EventSource = { component: 'default-scheduler' };
export const KUBELET: EventSource = { component: 'kubelet', host: NODE.name };
export const DEPLOYMENT_CONTROLLER: EventSource = { component: 'deployment-controller' };
export const REPLICASET_CONTROLLER: EventSource = { component: 'replicaset-controller' };
export const DAEMONSET_CONTROLLER: EventSource = { component: 'daemonset-controller' };
export const STATEFULSET_CONTROLLER: EventSource = { component: 'statefulset-controller' };

let counter = 0;

/** Records a core/v1 Event about `about`, so `kubectl describe` and `get events` show it. */
export function recordEvent(
  store: ObjectStore,
  clock: Clock,
  about: KubeObject,
  source: EventSource,
  reason: string,
  message: string,
  opts: { type?: 'Normal' | 'Warning'; fieldPath?: string } = {},
): void {
  const ns = about.metadata.namespace ?? 'default';
  const now = rfc3339(clock.now());
  const name = `${about.metadata.name}.${hexId(`${about.metadata.uid}/${reason}/${clock.now()}/${counter++}`, 16)}`;
  try {
    store.create(kindsOf(store).events, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: {
        apiVersion: about.apiVersion,
        kind: about.kind,
        namespace: ns,
        name: about.metadata.name,
        uid: about.metadata.uid,
        resourceVersion: about.metadata.resourceVersion,
        ...(opts.fieldPath ? { fieldPath: opts.fieldPath } : {}),
      },
      reason,
      message,
      source,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type: opts.type ?? 'Normal',
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    });
  } catch {
    // The namespace may be going away; an event is never worth failing a controller for.
  }
}

/** Deletes events older than `ttlMs` (real clusters keep them for an hour). */
export function pruneEvents(store: ObjectStore, nowMs: number, ttlMs = 3_600_000): void {
  const type = kindsOf(store).events;
  for (const e of store.list(type)) {
    const t = Date.parse(e.lastTimestamp ?? e.metadata.creationTimestamp ?? '');
    if (Number.isFinite(t) && nowMs - t > ttlMs) {
      try {
        store.delete(type, e.metadata.namespace, e.metadata.name);
      } catch {
        /* already gone */
      }
    }
  }
}
