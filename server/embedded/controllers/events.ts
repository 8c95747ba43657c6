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

/**
 * Recorded events kept per namespace. A real cluster keeps events for an hour; a deck reset
 * every second for an hour of rehearsal would make tens of thousands of them on the presenter's
 * laptop, so the oldest recorded ones go first beyond this (`kubectl get events` lists the newest).
 */
export const MAX_RECORDED_EVENTS_PER_NAMESPACE = 1000;
/** How long a repeat of the same event counts up (`x3 over 2m`) instead of making a new one, as client-go's recorder does. */
const REPEAT_WINDOW_MS = 10 * 60_000;

/** What this store's controllers recorded: names oldest first per namespace, and the last event of each identical kind. */
interface Recorded {
  names: Map<string, string[]>;
  nameByKey: Map<string, string>;
  keyOfName: Map<string, string>;
}
const recordedByStore = new WeakMap<ObjectStore, Recorded>();

function recordedOf(store: ObjectStore): Recorded {
  let r = recordedByStore.get(store);
  if (!r) recordedByStore.set(store, (r = { names: new Map(), nameByKey: new Map(), keyOfName: new Map() }));
  return r;
}

/**
 * Records a core/v1 Event about `about`, so `kubectl describe` and `get events` show it. The
 * same event again (same object, source, reason and message) within ten minutes raises the
 * first one's count and lastTimestamp, as a real cluster's event recorder does.
 */
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
  const type = kindsOf(store).events;
  const recorded = recordedOf(store);
  const key = JSON.stringify([ns, about.kind, about.metadata.name, about.metadata.uid, opts.fieldPath, source.component, source.host, opts.type, reason, message]);
  const repeat = recorded.nameByKey.get(key);
  const previous = repeat && store.get(type, ns, repeat);
  if (previous && clock.now() - Date.parse(previous.lastTimestamp ?? '') < REPEAT_WINDOW_MS) {
    try {
      store.update(type, { ...previous, count: (previous.count ?? 1) + 1, lastTimestamp: now });
      return;
    } catch {
      // Changed or gone in between: record it afresh.
    }
  }
  const name = `${about.metadata.name}.${hexId(`${about.metadata.uid}/${reason}/${clock.now()}/${counter++}`, 16)}`;
  try {
    store.create(type, {
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
    return;
  }
  remember(store, recorded, ns, name, key);
}

/** Keeps the event's name and key, and deletes this namespace's oldest recorded events beyond the bound. */
function remember(store: ObjectStore, recorded: Recorded, ns: string, name: string, key: string): void {
  const old = recorded.nameByKey.get(key);
  if (old) recorded.keyOfName.delete(old);
  recorded.nameByKey.set(key, name);
  recorded.keyOfName.set(name, key);
  let names = recorded.names.get(ns);
  if (!names) recorded.names.set(ns, (names = []));
  names.push(name);
  if (names.length <= MAX_RECORDED_EVENTS_PER_NAMESPACE) return;
  const type = kindsOf(store).events;
  for (const gone of names.splice(0, names.length - MAX_RECORDED_EVENTS_PER_NAMESPACE)) {
    const goneKey = recorded.keyOfName.get(gone);
    if (goneKey !== undefined) {
      recorded.keyOfName.delete(gone);
      if (recorded.nameByKey.get(goneKey) === gone) recorded.nameByKey.delete(goneKey);
    }
    try {
      store.delete(type, ns, gone);
    } catch {
      /* already gone (pruned by age, or deleted with its namespace) */
    }
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
