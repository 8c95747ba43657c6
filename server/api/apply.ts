import * as k8s from '@kubernetes/client-node';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { ApplyDocumentResult, ApplyResponse } from '../protocol.ts';
import { withoutBookkeeping } from '../object-view.ts';
import { errorMessage, errorStatus, errorStatusBody, type ClusterConnection } from '../cluster/connection.ts';
import { DocumentError, parseManifests, timeSlicer, type ParsedDocument } from './yaml-documents.ts';
import { apiVersionOf, changeableKinds, kindOfObject, kindsNamed } from '../kinds.ts';

export const FIELD_MANAGER = 'istio-live-deck';

/** What the deck may change: kinds and namespaces. Anything else is refused before the cluster sees it. */
export interface ChangePolicy {
  kinds: Set<string>;
  namespaces: Set<string>;
  defaultNamespace: string;
}

/** The allow-list: Istio's kinds, plus the talk's own workloads unless `kinds` is 'istio' (the deck's RBAC in a cluster). */
export function defaultChangePolicy(namespaces: string[], kinds: 'istio' | 'talk' = 'talk'): ChangePolicy {
  return {
    kinds: new Set(changeableKinds(kinds)),
    namespaces: new Set(namespaces.filter((n) => n !== 'istio-system' && n !== 'kube-system')),
    defaultNamespace: 'default',
  };
}

type Obj = ParsedDocument['object'];

/** Does the policy let the deck write objects of this one's kind? Told apart by API group, as two groups may share a kind's name. */
export function mayChangeKind(policy: ChangePolicy, o: { apiVersion?: string; kind?: string }): boolean {
  const id = kindOfObject(o)?.id;
  return id !== undefined && policy.kinds.has(id);
}

/**
 * Applies multi-document YAML: checks every document against the policy, dry-runs all of
 * them, and only when all pass, server-side applies each. If a later write still fails,
 * the earlier ones are rolled back, so nothing is half-applied.
 */
export async function applyManifests(connection: ClusterConnection, policy: ChangePolicy, text: string, opts: { dryRun: boolean }): Promise<ApplyResponse> {
  return applyDocuments(connection, policy, await parseManifests(text), opts);
}

/** Dry runs and reads run this many at a time: they change nothing, so their order does not matter. */
const PARALLEL_REQUESTS = 8;

/** `applyManifests` for documents already parsed (a scene's, parsed once). The documents' objects are not changed. */
export async function applyDocuments(connection: ClusterConnection, policy: ChangePolicy, parsed: ParsedDocument[], opts: { dryRun: boolean }): Promise<ApplyResponse> {
  const docs = parsed.map((d) => ({ ...d, object: structuredClone(d.object) }));
  for (const d of docs) checkPolicy(policy, d);
  const live = await inParallel(docs, (d) => readLive(connection, d));
  const planned = await inParallel(docs, (d) => serverSideApply(connection, d, true));
  const results: ApplyDocumentResult[] = [];
  const slice = timeSlicer();
  for (const [i, d] of docs.entries()) {
    await slice();
    results.push(describeResult(d, live[i], planned[i]));
  }
  if (opts.dryRun) return { dryRun: true, results };

  const done: number[] = [];
  try {
    for (const [i, d] of docs.entries()) {
      // The dry run's answer is the live object to the byte (fields, status, who manages what): applying would be a no-op.
      if (live[i] && JSON.stringify(planned[i]) === JSON.stringify(live[i])) continue;
      await serverSideApply(connection, d, false);
      done.push(d.index);
    }
  } catch (err) {
    await rollback(connection, docs, live, done);
    throw err;
  }
  return { dryRun: false, results };
}

/**
 * Runs `step` for every document, a few at a time, and answers in the documents' order. When
 * several fail, the error of the earliest document is the one thrown, as a sequential run would.
 */
async function inParallel<T>(docs: ParsedDocument[], step: (d: ParsedDocument) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(docs.length);
  const errors = new Map<number, unknown>();
  let next = 0;
  const worker = async () => {
    while (next < docs.length) {
      const i = next++;
      if (errors.size && i > Math.min(...errors.keys())) return; // a later result can no longer matter
      try {
        out[i] = await step(docs[i]);
      } catch (err) {
        errors.set(i, err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_REQUESTS, docs.length) }, worker));
  if (errors.size) throw errors.get(Math.min(...errors.keys()));
  return out;
}

/** Deletes every object the YAML names; all must exist, checked first. */
export async function deleteManifests(connection: ClusterConnection, policy: ChangePolicy, text: string, opts: { dryRun: boolean }): Promise<ApplyResponse> {
  const docs = await parseManifests(text);
  for (const d of docs) checkPolicy(policy, d);
  const live = await inParallel(docs, (d) => readLive(connection, d));
  const missing = docs.find((d, i) => !live[i]);
  if (missing) throw new DocumentError({ error: `document ${missing.index + 1}: ${missing.object.kind} "${missing.object.metadata.name}" does not exist in namespace ${missing.object.metadata.namespace}`, document: missing.index, line: missing.locate('metadata.name')?.line, field: 'metadata.name', kind: missing.object.kind, name: missing.object.metadata.name });
  const results: ApplyDocumentResult[] = [];
  const slice = timeSlicer();
  for (const [i, d] of docs.entries()) {
    await slice();
    results.push({ index: d.index, kind: d.object.kind, apiVersion: d.object.apiVersion, name: d.object.metadata.name, namespace: d.object.metadata.namespace ?? '', result: 'deleted', diff: unifiedDiff(d, live[i], undefined) });
  }
  if (!opts.dryRun) for (const d of docs) await connection.objects.delete(d.object as k8s.KubernetesObject).catch((err) => {
    if (errorStatus(err) !== 404) throw err;
  });
  return { dryRun: opts.dryRun, results };
}

function checkPolicy(policy: ChangePolicy, d: ParsedDocument): void {
  const o = d.object;
  checkKindVersion(d);
  if (o.kind === 'Namespace' && o.apiVersion === 'v1') {
    delete o.metadata.namespace;
    if (!policy.namespaces.has(o.metadata.name)) throw new DocumentError({ error: `document ${d.index + 1}: namespace ${o.metadata.name} is not one the deck may change (allowed: ${[...policy.namespaces].join(', ')})`, document: d.index, line: d.locate('metadata.name')?.line, field: 'metadata.name', kind: o.kind, name: o.metadata.name });
    return;
  }
  o.metadata.namespace ||= policy.defaultNamespace;
  if (!mayChangeKind(policy, o)) {
    throw new DocumentError({ error: `document ${d.index + 1}: kind ${o.kind} is not one the deck may change (allowed: ${[...policy.kinds].join(', ')})`, document: d.index, line: d.locate('kind')?.line, field: 'kind', kind: o.kind, name: o.metadata.name });
  }
  if (!policy.namespaces.has(o.metadata.namespace)) {
    throw new DocumentError({ error: `document ${d.index + 1}: namespace ${o.metadata.namespace} is not one the deck may change (allowed: ${[...policy.namespaces].join(', ')})`, document: d.index, line: d.locate('metadata.namespace')?.line, field: 'metadata.namespace', kind: o.kind, name: o.metadata.name });
  }
}

/** A known kind under another API group is refused as kubectl refuses it: no such kind in that version. */
function checkKindVersion(d: ParsedDocument): void {
  const named = kindsNamed(d.object.kind);
  if (named.length && !kindOfObject(d.object)) throw noMatchesFor(d, `(the kind is served as ${named.map(apiVersionOf).join(' or ')})`);
}

function noMatchesFor(d: ParsedDocument, hint = ''): DocumentError {
  const { kind, apiVersion, metadata } = d.object;
  const line = d.locate('apiVersion')?.line;
  return new DocumentError({ error: `document ${d.index + 1}${line ? ` (line ${line})` : ''}: no matches for kind "${kind.slice(0, 60)}" in version "${apiVersion.slice(0, 60)}"${hint ? ` ${hint}` : ''}`, document: d.index, line, field: 'apiVersion', kind, name: metadata.name });
}

/** client-node looks kinds up in the cluster's discovery first; a kind it does not serve is the document's fault. */
const isUnknownKind = (err: unknown) => errorStatus(err) === undefined && /unrecognized api version and kind/i.test(errorMessage(err));

async function readLive(connection: ClusterConnection, d: ParsedDocument): Promise<Obj | undefined> {
  const o = d.object;
  try {
    return (await connection.objects.read({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } })) as unknown as Obj;
  } catch (err) {
    if (errorStatus(err) === 404) return undefined;
    if (isUnknownKind(err)) throw noMatchesFor(d);
    throw err;
  }
}

async function serverSideApply(connection: ClusterConnection, d: ParsedDocument, dryRun: boolean): Promise<Obj> {
  try {
    const result = await connection.objects.patch(
      d.object as k8s.KubernetesObject,
      undefined,
      dryRun ? 'All' : undefined,
      FIELD_MANAGER,
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    return result as unknown as Obj;
  } catch (err) {
    if (isUnknownKind(err)) throw noMatchesFor(d);
    throw toDocumentError(d, err);
  }
}

/** A cluster's refusal, pointed at the document, line and field it is about. */
export function toDocumentError(d: ParsedDocument, err: unknown): Error {
  const status = errorStatusBody(err);
  const cause = status?.details?.causes?.find((c) => c.field) ?? status?.details?.causes?.[0];
  const field = cause?.field?.replace(/^\./, '');
  const where = field ? d.locate(field) : d.locate('metadata.name');
  const what = `${d.object.kind} "${d.object.metadata.name}"`;
  const message = cause?.message && field ? `${field}: ${cause.message}` : status?.message ?? errorMessage(err);
  const code = errorStatus(err);
  if (code === undefined || code >= 500) return err instanceof Error ? err : new Error(String(err));
  return new DocumentError({ error: `document ${d.index + 1} (${what}): ${message}`, document: d.index, line: where?.line, column: where?.column, field, kind: d.object.kind, name: d.object.metadata.name });
}

async function rollback(connection: ClusterConnection, docs: ParsedDocument[], live: Array<Obj | undefined>, done: number[]): Promise<void> {
  for (const index of done.reverse()) {
    const before = live[index];
    const d = docs[index];
    try {
      if (!before) await connection.objects.delete(d.object as k8s.KubernetesObject);
      else await connection.objects.patch(withoutBookkeeping(before) as k8s.KubernetesObject, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
    } catch (err) {
      console.error(`rollback of ${d.object.kind}/${d.object.metadata.name} failed: ${errorMessage(err)}`);
    }
  }
}

function describeResult(d: ParsedDocument, before: Obj | undefined, after: Obj): ApplyDocumentResult {
  const diff = unifiedDiff(d, before, after);
  const result = !before ? 'created' : diff ? 'configured' : 'unchanged';
  return { index: d.index, kind: d.object.kind, apiVersion: d.object.apiVersion, name: d.object.metadata.name, namespace: d.object.metadata.namespace ?? '', result, diff };
}

/** A diff is computed for at most this long and this many changed lines; past that the result says so instead. */
export const DIFF_LIMITS = { ms: 50, editLines: 2000, outputChars: 256 * 1024, objectChars: 128 * 1024 };

export function unifiedDiff(d: ParsedDocument, before: Obj | undefined, after: Obj | undefined): string {
  const name = `${d.object.kind}/${d.object.metadata.namespace}/${d.object.metadata.name}`;
  // Rendering YAML is the slow part: measure the objects as JSON first (fast), skip huge ones,
  // and give unchanged ones (most of a scene's) no YAML at all.
  const jsonBefore = before ? JSON.stringify(withoutBookkeeping(before)) : '""';
  const jsonAfter = after ? JSON.stringify(withoutBookkeeping(after)) : '""';
  const size = jsonBefore.length + jsonAfter.length;
  if (size > DIFF_LIMITS.objectChars) return `--- live/${name}\n+++ new/${name}\n# the objects are too large to show as a diff (${Math.round(size / 1024)} KiB; diffs are shown up to ${DIFF_LIMITS.objectChars / 1024} KiB)\n`;
  if (jsonBefore === jsonAfter) return '';
  const a = before ? stringify(withoutBookkeeping(before)) : '';
  const b = after ? stringify(withoutBookkeeping(after)) : '';
  const patch = createTwoFilesPatch(`live/${name}`, `new/${name}`, a, b, undefined, undefined, { context: 3, timeout: DIFF_LIMITS.ms, maxEditLength: DIFF_LIMITS.editLines });
  const lines = (t: string) => (t ? t.split('\n').length - 1 : 0);
  if (patch === undefined || patch.length > DIFF_LIMITS.outputChars) return `--- live/${name}\n+++ new/${name}\n# the change is too large to show as a diff (${lines(a)} lines before, ${lines(b)} after)\n`;
  return patch;
}
