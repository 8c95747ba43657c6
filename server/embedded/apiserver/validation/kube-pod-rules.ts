/** A PodSpec's rules (containers, ports, env, policies), shared by Pods and the templates of workloads. */
import type { FieldPath } from './causes.ts';
import type { KubeCauses } from './kube-causes.ts';
import { dns1123Label, dns1123Subdomain, envVarName, portName, portNumber } from './kube-names.ts';
import { validateTemplateMeta } from './kube-meta.ts';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

function validatePorts(ports: unknown, path: FieldPath, causes: KubeCauses): void {
  if (!Array.isArray(ports)) return;
  const names = new Set<string>();
  ports.forEach((p: any, i) => {
    const at = path.index(i);
    if (p?.name) {
      causes.invalidEach(at.child('name'), p.name, portName(p.name));
      if (names.has(p.name)) causes.duplicate(at.child('name'), p.name);
      names.add(p.name);
    }
    if (!p?.containerPort) causes.required(at.child('containerPort'));
    else causes.invalidEach(at.child('containerPort'), p.containerPort, portNumber(p.containerPort));
    if (p?.hostPort) causes.invalidEach(at.child('hostPort'), p.hostPort, portNumber(p.hostPort));
    if (p?.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) causes.notSupported(at.child('protocol'), p.protocol, PROTOCOLS);
  });
}

function validateEnv(env: unknown, path: FieldPath, causes: KubeCauses): void {
  if (!Array.isArray(env)) return;
  env.forEach((e: any, i) => {
    const at = path.index(i).child('name');
    if (!e?.name) causes.required(at);
    else causes.invalidEach(at, e.name, envVarName(e.name));
  });
}

function validateContainers(list: unknown, path: FieldPath, names: Set<string>, causes: KubeCauses, required: boolean): void {
  if (!Array.isArray(list) || list.length === 0) {
    if (required) causes.required(path);
    return;
  }
  list.forEach((c: any, i) => {
    const at = path.index(i);
    if (!c?.name) causes.required(at.child('name'));
    else {
      causes.invalidEach(at.child('name'), c.name, dns1123Label(c.name));
      if (names.has(c.name)) causes.duplicate(at.child('name'), c.name);
      names.add(c.name);
    }
    if (!c?.image) causes.required(at.child('image'));
    else if (c.image.trim() !== c.image) causes.invalid(at.child('image'), c.image, 'must not have leading or trailing whitespace');
    if (c?.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy)) causes.notSupported(at.child('imagePullPolicy'), c.imagePullPolicy, PULL_POLICIES);
    validatePorts(c?.ports, at.child('ports'), causes);
    validateEnv(c?.env, at.child('env'), causes);
  });
}

export function validatePodSpec(spec: any, path: FieldPath, causes: KubeCauses): void {
  if (!spec || typeof spec !== 'object') {
    causes.required(path.child('containers'));
    return;
  }
  const names = new Set<string>();
  validateContainers(spec.initContainers, path.child('initContainers'), names, causes, false);
  validateContainers(spec.containers, path.child('containers'), names, causes, true);
  if (spec.restartPolicy !== undefined && !RESTART_POLICIES.includes(spec.restartPolicy)) causes.notSupported(path.child('restartPolicy'), spec.restartPolicy, RESTART_POLICIES);
  if (spec.dnsPolicy !== undefined && !DNS_POLICIES.includes(spec.dnsPolicy)) causes.notSupported(path.child('dnsPolicy'), spec.dnsPolicy, DNS_POLICIES);
  for (const field of ['serviceAccountName', 'nodeName']) {
    if (spec[field]) causes.invalidEach(path.child(field), spec[field], dns1123Subdomain(spec[field]));
  }
  if (spec.hostname) causes.invalidEach(path.child('hostname'), spec.hostname, dns1123Label(spec.hostname));
  causes.nonNegative(path.child('terminationGracePeriodSeconds'), spec.terminationGracePeriodSeconds);
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds < 1) {
    causes.invalid(path.child('activeDeadlineSeconds'), spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive');
  }
}

/** A workload's pod template: labels, the pod spec, and restartPolicy Always only (Deployments share the ReplicaSet's wording). */
export function validatePodTemplate(template: any, path: FieldPath, causes: KubeCauses, owner: 'ReplicaSet' | 'DaemonSet' = 'ReplicaSet'): void {
  if (!template || typeof template !== 'object') {
    causes.required(path);
    return;
  }
  validateTemplateMeta(template.metadata, path.child('metadata'), causes);
  validatePodSpec(template.spec, path.child('spec'), causes);
  const restart = template.spec?.restartPolicy;
  if (restart !== undefined && restart !== 'Always' && RESTART_POLICIES.includes(restart)) causes.notSupported(path.child('spec').child('restartPolicy'), restart, ['Always']);
  const deadline = template.spec?.activeDeadlineSeconds;
  if (deadline === undefined) return;
  const deadlinePath = path.child('spec').child('activeDeadlineSeconds');
  if (owner === 'DaemonSet') causes.invalid(deadlinePath, deadline, 'activeDeadlineSeconds in DaemonSet is not Supported');
  else causes.forbidden(deadlinePath, 'activeDeadlineSeconds in ReplicaSet is not Supported');
}

/** What a Pod update may change in its spec: images, activeDeadlineSeconds, added tolerations, and nodeName once (a binding). */
const POD_UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

export function validatePodSpecUpdate(next: any, old: any, path: FieldPath, causes: KubeCauses): void {
  const before = old ?? {};
  // What the apiserver's defaulting would fill in: fields an update leaves out keep their values.
  const after: any = { ...before, ...(next ?? {}) };
  for (const field of ['containers', 'initContainers']) {
    if (Array.isArray(after[field])) after[field] = after[field].map((c: any, i: number) => ({ ...(before[field]?.[i] ?? {}), ...c }));
  }
  const mutable = (spec: any) => {
    const s = structuredClone(spec);
    for (const field of ['containers', 'initContainers']) for (const c of s[field] ?? []) delete c.image;
    delete s.activeDeadlineSeconds;
    delete s.tolerations;
    delete s.terminationGracePeriodSeconds;
    // Binding a pod to a node sets nodeName once.
    if (!before.nodeName) delete s.nodeName;
    return s;
  };
  if (stableJson(mutable(after)) !== stableJson(mutable(before))) causes.forbidden(path, POD_UPDATE_MESSAGE);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as any)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
