/**
 * The apiextensions controllers of a real apiserver, for the embedded one: a stored CRD's
 * status says whether its names were accepted and its kind is established (what
 * `kubectl wait --for condition=established` reads), and a deleted CRD's objects are
 * deleted before the cleanup finalizer is removed and the kind stops being served.
 */
import type { Clock } from '../../clock.ts';
import { CRD_CLEANUP_FINALIZER, CRD_GROUP, type CustomResourceDefinition } from '../apiserver/crd/definition.ts';
import { rfc3339 } from '../apiserver/object-meta.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { WorkQueue } from './work-queue.ts';

interface Condition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime: string;
  reason: string;
  message: string;
}

const crdType = (store: ObjectStore) => store.registry.mustGet(CRD_GROUP, 'customresourcedefinitions');

function acceptedNames(crd: CustomResourceDefinition) {
  const n = crd.spec.names;
  return {
    ...(n.categories?.length ? { categories: [...n.categories] } : {}),
    kind: n.kind,
    listKind: n.listKind || `${n.kind}List`,
    plural: n.plural,
    ...(n.shortNames?.length ? { shortNames: [...n.shortNames] } : {}),
    singular: n.singular || n.kind.toLowerCase(),
  };
}

/** A condition, keeping its transition time when its status did not change. */
function condition(previous: Condition[], next: Omit<Condition, 'lastTransitionTime'>, now: string): Condition {
  const before = previous.find((c) => c.type === next.type);
  return { ...next, lastTransitionTime: before && before.status === next.status ? before.lastTransitionTime : now };
}

/** Writes the status the CRD's acceptance calls for (nothing when it already says so). */
function writeStatus(store: ObjectStore, crd: KubeObject, now: string): void {
  const def = crd as unknown as CustomResourceDefinition;
  // A name another CRD held may be free now.
  if (store.registry.namesRefusal(def.metadata.name)) store.registry.serve(def);
  const refusal = store.registry.namesRefusal(def.metadata.name);
  const previous: Condition[] = crd.status?.conditions ?? [];
  const conditions = [
    condition(previous, refusal
      ? { type: 'NamesAccepted', status: 'False', reason: 'NameConflict', message: refusal.message }
      : { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' }, now),
    condition(previous, refusal
      ? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }
      : { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, now),
    ...previous.filter((c) => c.type !== 'NamesAccepted' && c.type !== 'Established'),
  ];
  const served = store.registry.servedBy(def.metadata.name)?.customResource?.definition;
  const status = {
    ...(crd.status ?? {}),
    acceptedNames: served ? acceptedNames(served) : (crd.status?.acceptedNames ?? { kind: '', plural: '' }),
    conditions,
  };
  if (JSON.stringify(status) === JSON.stringify(crd.status)) return;
  store.updateStatus(crdType(store), { ...crd, status });
}

/** Deletes a terminating CRD's objects, then lets the CRD go. */
function cleanUp(store: ObjectStore, crd: KubeObject): void {
  const type = store.registry.servedBy(crd.metadata.name);
  if (type) for (const o of store.list(type)) if (store.get(type, o.metadata.namespace, o.metadata.name)) store.delete(type, o.metadata.namespace, o.metadata.name);
  const finalizers = ((crd.metadata.finalizers as string[] | undefined) ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
  store.update(crdType(store), { ...crd, metadata: { ...crd.metadata, finalizers } });
}

/** Brings one stored CRD's status (or its deletion) up to date. */
export function reconcileCrd(store: ObjectStore, clock: Clock, name: string): void {
  const crd = store.get(crdType(store), undefined, name);
  if (!crd) return;
  if (crd.metadata.deletionTimestamp) {
    if (((crd.metadata.finalizers as string[] | undefined) ?? []).includes(CRD_CLEANUP_FINALIZER)) cleanUp(store, crd);
    return;
  }
  writeStatus(store, crd, rfc3339(clock.now()));
}

/** Runs the controller until stopped; CRDs stored while none ran are caught up at start. */
export function startCrdController(store: ObjectStore, clock: Clock): { stop(): void } {
  const type = crdType(store);
  const queue = new WorkQueue('crd-controller', (name) => reconcileCrd(store, clock, name));
  const unsubscribe = store.onEvent((e) => {
    if (e.resource === type && e.type !== 'DELETED') queue.add(e.object.metadata.name);
    // A CRD that was refused for a name another CRD held may be accepted once that one goes.
    if (e.resource === type && e.type === 'DELETED') for (const crd of store.list(type)) if (store.registry.namesRefusal(crd.metadata.name)) queue.add(crd.metadata.name);
  });
  for (const crd of store.list(type)) queue.add(crd.metadata.name);
  return {
    stop() {
      unsubscribe();
      queue.stop();
    },
  };
}
