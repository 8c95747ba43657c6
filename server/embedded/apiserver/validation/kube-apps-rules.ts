/** The kube-apiserver's rules for apps/v1 Deployments, ReplicaSets, DaemonSets and StatefulSets. */
import { formatLabelSelector, parseLabelSelector } from '../selectors.ts';
import { FieldPath } from './causes.ts';
import { goLabelSelector, goStringMap } from '../go-format.ts';
import { GoPrinted, type KubeCauses } from './kube-causes.ts';
import { selectorImmutable, validateLabelSelector } from './kube-meta.ts';
import { validatePodTemplate } from './kube-pod-rules.ts';
import { validateClaimSpec } from './kube-addon-rules.ts';

const SPEC = new FieldPath('spec');
const STRATEGY_TYPES = ['Recreate', 'RollingUpdate'];

/** Whether a LabelSelector selects these labels, by the same matcher the API's list filters use. */
const selects = (selector: any, labels: Record<string, string> | undefined) => parseLabelSelector(formatLabelSelector(selector))({ metadata: { name: '', labels: labels ?? {} } });

/** Selector, template and minReadySeconds, as every workload kind checks them; `emptySelectorOf` names the kind in the empty-selector message. */
function validateSelectorAndTemplate(spec: any, causes: KubeCauses, emptySelectorOf: 'deployment' | 'daemonset' | 'statefulset'): void {
  causes.nonNegative(SPEC.child('minReadySeconds'), spec.minReadySeconds);
  const selector = spec.selector;
  if (!selector || typeof selector !== 'object') causes.required(SPEC.child('selector'));
  else {
    validateLabelSelector(selector, SPEC.child('selector'), causes);
    if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
      causes.invalid(SPEC.child('selector'), new GoPrinted(goLabelSelector(selector)), `empty selector is invalid for ${emptySelectorOf}`);
    } else if (spec.template && typeof spec.template === 'object' && !selects(selector, spec.template.metadata?.labels)) {
      causes.invalid(SPEC.child('template').child('metadata').child('labels'), new GoPrinted(goStringMap(spec.template.metadata?.labels)), '`selector` does not match template `labels`');
    }
  }
  validatePodTemplate(spec.template, SPEC.child('template'), causes, emptySelectorOf === 'daemonset' ? 'DaemonSet' : 'ReplicaSet');
}

/** Replicas, selector, template and the counters Deployments and ReplicaSets share. */
function validateWorkloadSpec(spec: any, causes: KubeCauses): void {
  causes.nonNegative(SPEC.child('replicas'), spec.replicas);
  validateSelectorAndTemplate(spec, causes, 'deployment');
}

/** An int-or-percent surge or unavailability: a whole number of pods or "25%". */
function intOrPercent(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+%$/.test(v)) return Number(v.slice(0, -1));
  return undefined;
}

function validateStrategy(strategy: any, causes: KubeCauses): void {
  if (!strategy || typeof strategy !== 'object') return;
  const path = SPEC.child('strategy');
  const type = strategy.type ?? 'RollingUpdate';
  if (!STRATEGY_TYPES.includes(type)) causes.notSupported(path.child('type'), type, STRATEGY_TYPES);
  if (type === 'Recreate' && strategy.rollingUpdate) causes.forbidden(path.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'");
  const ru = strategy.rollingUpdate;
  if (type !== 'RollingUpdate' || !ru || typeof ru !== 'object') return;
  const rolling = path.child('rollingUpdate');
  for (const field of ['maxSurge', 'maxUnavailable']) {
    const v = ru[field];
    if (v === undefined) continue;
    const n = intOrPercent(v);
    if (n === undefined) causes.invalid(rolling.child(field), v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
    else if (n < 0) causes.invalid(rolling.child(field), v, 'must be greater than or equal to 0');
  }
  if (intOrPercent(ru.maxSurge) === 0 && intOrPercent(ru.maxUnavailable) === 0) {
    causes.invalid(rolling.child('maxUnavailable'), ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0');
  }
  const unavailable = intOrPercent(ru.maxUnavailable);
  if (typeof ru.maxUnavailable === 'string' && unavailable !== undefined && unavailable > 100) causes.invalid(rolling.child('maxUnavailable'), ru.maxUnavailable, 'must not be greater than 100%');
}

export function validateDeployment(d: any, causes: KubeCauses): void {
  const spec = d.spec ?? {};
  validateWorkloadSpec(spec, causes);
  validateStrategy(spec.strategy, causes);
  causes.nonNegative(SPEC.child('revisionHistoryLimit'), spec.revisionHistoryLimit);
  causes.nonNegative(SPEC.child('progressDeadlineSeconds'), spec.progressDeadlineSeconds);
  if (typeof spec.progressDeadlineSeconds === 'number' && spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
    causes.invalid(SPEC.child('progressDeadlineSeconds'), spec.progressDeadlineSeconds, 'must be greater than minReadySeconds');
  }
}

export function validateReplicaSet(rs: any, causes: KubeCauses): void {
  validateWorkloadSpec(rs.spec ?? {}, causes);
}

const DAEMONSET_STRATEGY_TYPES = ['RollingUpdate', 'OnDelete'];

/** A DaemonSet rolls one of maxUnavailable or maxSurge at a time: exactly one is non-zero. */
function validateDaemonSetUpdateStrategy(strategy: any, causes: KubeCauses): void {
  const path = SPEC.child('updateStrategy');
  if (!strategy || typeof strategy !== 'object') return;
  const type = strategy.type ?? 'RollingUpdate';
  if (!DAEMONSET_STRATEGY_TYPES.includes(type)) {
    causes.notSupported(path.child('type'), type, DAEMONSET_STRATEGY_TYPES);
    return;
  }
  if (type !== 'RollingUpdate') return;
  const ru = strategy.rollingUpdate;
  const rolling = path.child('rollingUpdate');
  if (!ru || typeof ru !== 'object') {
    causes.required(rolling);
    return;
  }
  const values: Record<string, number | undefined> = {};
  for (const field of ['maxUnavailable', 'maxSurge']) {
    const v = ru[field];
    if (v === undefined) continue;
    const n = intOrPercent(v);
    values[field] = n;
    if (n === undefined) causes.invalid(rolling.child(field), v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
    else if (n < 0) causes.invalid(rolling.child(field), v, 'must be greater than or equal to 0');
    else if (typeof v === 'string' && n > 100) causes.invalid(rolling.child(field), v, 'must not be greater than 100%');
  }
  const hasUnavailable = (values.maxUnavailable ?? 0) !== 0;
  const hasSurge = (values.maxSurge ?? 0) !== 0;
  if (hasUnavailable && hasSurge) causes.invalid(rolling.child('maxSurge'), ru.maxSurge, 'may not be set when maxUnavailable is non-zero');
  else if (!hasUnavailable && !hasSurge) causes.required(rolling.child('maxUnavailable'), 'cannot be 0 when maxSurge is 0');
}

export function validateDaemonSet(ds: any, causes: KubeCauses): void {
  const spec = ds.spec ?? {};
  validateSelectorAndTemplate(spec, causes, 'daemonset');
  validateDaemonSetUpdateStrategy(spec.updateStrategy, causes);
  causes.nonNegative(SPEC.child('revisionHistoryLimit'), spec.revisionHistoryLimit);
}

/** apps/v1 workloads keep the selector they were created with. */
export function validateWorkloadUpdate(next: any, old: any, causes: KubeCauses): void {
  selectorImmutable(next.spec?.selector, old.spec?.selector, SPEC.child('selector'), causes);
}

const POD_MANAGEMENT_POLICIES = ['OrderedReady', 'Parallel'];
const STATEFULSET_STRATEGY_TYPES = ['RollingUpdate', 'OnDelete'];
/** The spec fields a StatefulSet update may change. */
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export function validateStatefulSet(sts: any, causes: KubeCauses): void {
  const spec = sts.spec ?? {};
  causes.nonNegative(SPEC.child('replicas'), spec.replicas);
  validateSelectorAndTemplate(spec, causes, 'statefulset');
  if (spec.podManagementPolicy !== undefined && !POD_MANAGEMENT_POLICIES.includes(spec.podManagementPolicy)) causes.notSupported(SPEC.child('podManagementPolicy'), spec.podManagementPolicy, POD_MANAGEMENT_POLICIES);
  const type = spec.updateStrategy?.type;
  if (type !== undefined && !STATEFULSET_STRATEGY_TYPES.includes(type)) causes.notSupported(SPEC.child('updateStrategy').child('type'), type, STATEFULSET_STRATEGY_TYPES);
  causes.nonNegative(SPEC.child('revisionHistoryLimit'), spec.revisionHistoryLimit);
  (Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []).forEach((t: any, i: number) => validateClaimSpec(t?.spec ?? {}, SPEC.child('volumeClaimTemplates').index(i).child('spec'), causes));
}

/** Beyond the selector, only a few spec fields of a StatefulSet may change. */
export function validateStatefulSetUpdate(next: any, old: any, causes: KubeCauses): void {
  validateWorkloadUpdate(next, old, causes);
  const fixed = (spec: any) => JSON.stringify(Object.entries(spec ?? {}).filter(([k]) => !STATEFULSET_MUTABLE.includes(k) && k !== 'selector').sort(([a], [b]) => a.localeCompare(b)));
  if (fixed(next.spec) !== fixed(old.spec)) {
    causes.forbidden(SPEC, "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
  }
}
