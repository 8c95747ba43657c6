/** ObjectMeta, labels, annotations and label selectors, as every Kubernetes API server validates them for every kind. */
import { FieldPath } from './causes.ts';
import { goLabelSelector } from '../go-format.ts';
import { GoPrinted, type KubeCauses } from './kube-causes.ts';
import { labelValue, nameIsDnsLabel, qualifiedName, type NameCheck } from './kube-names.ts';
import { utf8ByteLength } from '../../portable/bytes.ts';

/** The total size of an object's annotations, keys and values: the 256 KiB a real API server allows. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;
const STANDARD_FINALIZERS = new Set(['kubernetes', 'foregroundDeletion', 'orphan']);

const isStringMap = (m: unknown): m is Record<string, unknown> => Boolean(m) && typeof m === 'object' && !Array.isArray(m);

export function validateLabels(labels: unknown, path: FieldPath, causes: KubeCauses): void {
  if (!isStringMap(labels)) return;
  for (const [key, value] of Object.entries(labels)) {
    causes.invalidEach(path, key, qualifiedName(key));
    if (typeof value === 'string') causes.invalidEach(path, value, labelValue(value));
  }
}

export function validateAnnotations(annotations: unknown, path: FieldPath, causes: KubeCauses): void {
  if (!isStringMap(annotations)) return;
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    // Annotation keys are qualified names in any case.
    causes.invalidEach(path, key, qualifiedName(key.toLowerCase()));
    total += utf8ByteLength(key) + utf8ByteLength(String(value ?? ''));
  }
  if (total > MAX_ANNOTATIONS_BYTES) causes.tooLong(path, MAX_ANNOTATIONS_BYTES);
}

/** ValidateObjectMeta: name (by the kind's rule), generateName, namespace, labels, annotations, finalizers. */
export function validateObjectMeta(meta: any, namespaced: boolean, nameCheck: NameCheck, causes: KubeCauses, path = new FieldPath('metadata')): void {
  if (!meta || typeof meta !== 'object') return;
  if (typeof meta.generateName === 'string' && meta.generateName) {
    causes.invalidEach(path.child('generateName'), meta.generateName, nameCheck(meta.generateName, true));
  }
  if (typeof meta.name !== 'string' || !meta.name) causes.required(path.child('name'), 'name or generateName is required');
  else causes.invalidEach(path.child('name'), meta.name, nameCheck(meta.name, false));
  if (namespaced && typeof meta.namespace === 'string') causes.invalidEach(path.child('namespace'), meta.namespace, nameIsDnsLabel(meta.namespace, false));
  causes.nonNegative(path.child('generation'), meta.generation);
  validateLabels(meta.labels, path.child('labels'), causes);
  validateAnnotations(meta.annotations, path.child('annotations'), causes);
  if (Array.isArray(meta.finalizers)) for (const f of meta.finalizers) validateFinalizer(f, path.child('finalizers'), STANDARD_FINALIZERS, causes);
}

/** A finalizer is a qualified name, and one without a prefix must be one Kubernetes defines. */
export function validateFinalizer(f: unknown, path: FieldPath, standard: Set<string>, causes: KubeCauses): void {
  if (typeof f !== 'string') return;
  const errs = qualifiedName(f);
  causes.invalidEach(path, f, errs);
  if (!errs.length && !f.includes('/') && !standard.has(f)) causes.invalid(path, f, 'name is neither a standard finalizer name nor is it fully qualified');
}

/** A template's metadata: only labels and annotations matter, it has no name of its own. */
export function validateTemplateMeta(meta: any, path: FieldPath, causes: KubeCauses): void {
  if (!meta || typeof meta !== 'object') return;
  validateLabels(meta.labels, path.child('labels'), causes);
  validateAnnotations(meta.annotations, path.child('annotations'), causes);
}

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** A metav1.LabelSelector: keys and values like labels, operators and their value counts. */
export function validateLabelSelector(sel: any, path: FieldPath, causes: KubeCauses): void {
  if (!sel || typeof sel !== 'object') return;
  validateLabels(sel.matchLabels, path.child('matchLabels'), causes);
  (Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []).forEach((e: any, i: number) => {
    const at = path.child('matchExpressions').index(i);
    const values: unknown[] = Array.isArray(e?.values) ? e.values : [];
    if (!SELECTOR_OPERATORS.includes(e?.operator)) causes.invalid(at.child('operator'), e?.operator ?? '', 'not a valid selector operator');
    else if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) causes.required(at.child('values'), 'must be specified when `operator` is \'In\' or \'NotIn\'');
    else if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) causes.forbidden(at.child('values'), 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'');
    causes.invalidEach(at.child('key'), String(e?.key ?? ''), qualifiedName(String(e?.key ?? '')));
    values.forEach((v, j) => {
      if (typeof v === 'string') causes.invalidEach(at.child('values').index(j), v, labelValue(v));
    });
  });
}

/** `spec.selector: Invalid value: v1.LabelSelector{…}: field is immutable` when an update changes it. */
export function selectorImmutable(next: any, old: any, path: FieldPath, causes: KubeCauses): void {
  if (JSON.stringify(normalSelector(next)) !== JSON.stringify(normalSelector(old))) causes.immutable(path, new GoPrinted(goLabelSelector(next)));
}

function normalSelector(sel: any) {
  const labels = sel?.matchLabels ?? {};
  const sorted = Object.fromEntries(Object.keys(labels).sort().map((k) => [k, labels[k]]));
  return { matchLabels: sorted, matchExpressions: sel?.matchExpressions ?? [] };
}
