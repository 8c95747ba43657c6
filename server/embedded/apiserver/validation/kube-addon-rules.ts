/**
 * The kube-apiserver's rules for the kinds Istio's add-ons and Kubernetes Ingress need:
 * networking.k8s.io/v1 Ingress and IngressClass, rbac.authorization.k8s.io/v1 roles and
 * bindings, and PersistentVolumeClaims, worded as its field errors are.
 */
import { FieldPath } from './causes.ts';
import { GoPrinted, type KubeCauses } from './kube-causes.ts';
import { dns1035Label, dns1123Subdomain, isIp, type NameCheck, portNumber } from './kube-names.ts';

const SPEC = new FieldPath('spec');
const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const RBAC_GROUP = 'rbac.authorization.k8s.io';

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const isObj = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

/** RBAC object names are path segments: anything but `.`, `..`, `/` and `%` (so `system:aggregate-to-view` is fine). */
export const nameIsPathSegment: NameCheck = (name) => {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
};

/** A host as Ingress takes it: a DNS subdomain, optionally with a `*.` wildcard label first, never an IP. */
function validateIngressHost(host: string, path: FieldPath, causes: KubeCauses): void {
  if (isIp(host)) return causes.invalid(path, host, 'must be a DNS name, not an IP address');
  const name = host.startsWith('*.') ? host.slice(2) : host;
  if (name.includes('*')) return causes.invalid(path, host, "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  causes.invalidEach(path, host, dns1123Subdomain(name));
}

function validateBackend(backend: any, path: FieldPath, causes: KubeCauses): void {
  if (!isObj(backend)) return causes.required(path);
  const service = backend.service;
  if (service && backend.resource) return causes.invalid(path, '', 'cannot set both resource and service backends');
  if (!service && !backend.resource) return causes.invalid(path, '', 'resource or service backend is required');
  if (!service) return;
  const sp = path.child('service');
  if (!service.name) causes.required(sp.child('name'));
  else causes.invalidEach(sp.child('name'), service.name, dns1035Label(String(service.name)));
  const port = service.port ?? {};
  const pp = sp.child('port');
  if (port.name && port.number !== undefined) causes.invalid(pp, '', 'cannot set both port name & port number');
  else if (port.name) causes.invalidEach(pp.child('name'), port.name, dns1035Label(String(port.name)));
  else if (typeof port.number === 'number') causes.invalidEach(pp.child('number'), port.number, portNumber(port.number));
  else causes.invalid(pp, '', 'port name or number is required');
}

/** Exact and Prefix paths are absolute and free of `//`, `/./`, `/../` and encoded slashes, as the apiserver requires. */
function validatePath(p: any, path: FieldPath, causes: KubeCauses): void {
  const pathType = p.pathType;
  if (pathType === undefined) causes.required(path.child('pathType'), 'pathType must be specified');
  else if (!PATH_TYPES.includes(pathType)) causes.notSupported(path.child('pathType'), pathType, PATH_TYPES);
  const value = typeof p.path === 'string' ? p.path : '';
  if (pathType === 'Exact' || pathType === 'Prefix') {
    if (!value.startsWith('/')) causes.invalid(path.child('path'), value, 'must be an absolute path');
    else {
      for (const bad of ['//', '/./', '/../', '%2f', '%2F']) if (value.includes(bad)) causes.invalid(path.child('path'), value, `must not contain '${bad}'`);
      for (const bad of ['/..', '/.']) if (value.endsWith(bad)) causes.invalid(path.child('path'), value, `cannot end with '${bad}'`);
    }
  } else if (value && !value.startsWith('/')) causes.invalid(path.child('path'), value, 'must be an absolute path');
  validateBackend(p.backend, path.child('backend'), causes);
}

export function validateIngress(ing: any, causes: KubeCauses): void {
  const spec = isObj(ing.spec) ? ing.spec : {};
  const rules = list(spec.rules);
  if (!rules.length && !spec.defaultBackend) // The apiserver prints the whole Go struct here; its type name says as much to a reader.
    causes.invalid(SPEC, new GoPrinted('networking.IngressSpec{}'), 'either `defaultBackend` or `rules` must be specified');
  if (spec.defaultBackend) validateBackend(spec.defaultBackend, SPEC.child('defaultBackend'), causes);
  if (spec.ingressClassName !== undefined) causes.invalidEach(SPEC.child('ingressClassName'), spec.ingressClassName, dns1123Subdomain(String(spec.ingressClassName)));
  rules.forEach((rule, i) => {
    const rp = SPEC.child('rules').index(i);
    if (!isObj(rule)) return;
    if (rule.host) validateIngressHost(String(rule.host), rp.child('host'), causes);
    if (rule.http === undefined) return;
    const paths = list(rule.http?.paths);
    if (!paths.length) causes.required(rp.child('http').child('paths'));
    paths.forEach((p, j) => isObj(p) && validatePath(p, rp.child('http').child('paths').index(j), causes));
  });
  list(spec.tls).forEach((tls, i) => list(tls?.hosts).forEach((h, j) => validateIngressHost(String(h), SPEC.child('tls').index(i).child('hosts').index(j), causes)));
}

/** An IngressClass names its controller as a domain-prefixed path (`istio.io/ingress-controller`), which never changes. */
export function validateIngressClass(ic: any, causes: KubeCauses): void {
  const controller = ic.spec?.controller;
  const path = SPEC.child('controller');
  if (!controller) return causes.required(path);
  const [domain, ...rest] = String(controller).split('/');
  if (!rest.length || !rest.join('/') || dns1123Subdomain(domain).length) causes.invalid(path, controller, 'must be a domain-prefixed path (such as "acme.io/foo")');
  else if (String(controller).length > 250) causes.tooLong(path, 250);
}

export function validateIngressClassUpdate(next: any, old: any, causes: KubeCauses): void {
  if (next.spec?.controller !== old.spec?.controller) causes.immutable(SPEC.child('controller'), next.spec?.controller);
}

function validatePolicyRules(rules: unknown, namespaced: boolean, causes: KubeCauses): void {
  list(rules).forEach((rule, i) => {
    const path = new FieldPath('rules').index(i);
    if (!isObj(rule)) return;
    if (!list(rule.verbs).length) causes.required(path.child('verbs'), 'verbs must contain at least one value');
    const nonResource = list(rule.nonResourceURLs);
    if (nonResource.length) {
      if (namespaced) causes.invalid(path.child('nonResourceURLs'), nonResource, 'namespaced rules cannot apply to non-resource URLs');
      if (list(rule.apiGroups).length || list(rule.resources).length || list(rule.resourceNames).length) causes.invalid(path.child('nonResourceURLs'), nonResource, 'rules cannot apply to both regular resources and non-resource URLs');
      return;
    }
    if (!list(rule.apiGroups).length) causes.required(path.child('apiGroups'), 'resource rules must supply at least one api group');
    if (!list(rule.resources).length) causes.required(path.child('resources'), 'resource rules must supply at least one resource');
  });
}

export const validateRole = (role: any, causes: KubeCauses) => validatePolicyRules(role.rules, true, causes);
export const validateClusterRole = (role: any, causes: KubeCauses) => validatePolicyRules(role.rules, false, causes);

function validateBinding(binding: any, kinds: string[], namespaced: boolean, causes: KubeCauses): void {
  const ref = binding.roleRef;
  const rp = new FieldPath('roleRef');
  if (!isObj(ref)) causes.required(rp);
  else {
    if (ref.apiGroup !== RBAC_GROUP) causes.notSupported(rp.child('apiGroup'), ref.apiGroup ?? '', [RBAC_GROUP]);
    if (!kinds.includes(ref.kind)) causes.notSupported(rp.child('kind'), ref.kind ?? '', kinds);
    if (!ref.name) causes.required(rp.child('name'));
    else causes.invalidEach(rp.child('name'), ref.name, nameIsPathSegment(String(ref.name), false));
  }
  list(binding.subjects).forEach((s, i) => {
    const sp = new FieldPath('subjects').index(i);
    if (!isObj(s)) return;
    if (!s.name) causes.required(sp.child('name'));
    if (s.kind === 'ServiceAccount') {
      if (s.apiGroup) causes.notSupported(sp.child('apiGroup'), s.apiGroup, ['']);
      if (!namespaced && !s.namespace) causes.required(sp.child('namespace'));
    } else if (s.kind === 'User' || s.kind === 'Group') {
      if (s.apiGroup !== RBAC_GROUP) causes.notSupported(sp.child('apiGroup'), s.apiGroup ?? '', [RBAC_GROUP]);
    } else causes.notSupported(sp.child('kind'), s.kind ?? '', ['ServiceAccount', 'User', 'Group']);
  });
}

export const validateRoleBinding = (b: any, causes: KubeCauses) => validateBinding(b, ['Role', 'ClusterRole'], true, causes);
export const validateClusterRoleBinding = (b: any, causes: KubeCauses) => validateBinding(b, ['ClusterRole'], false, causes);

/** A binding's role never changes: a new one needs a new binding. */
export function validateBindingUpdate(next: any, old: any, causes: KubeCauses): void {
  if (JSON.stringify(next.roleRef) !== JSON.stringify(old.roleRef)) causes.invalid(new FieldPath('roleRef'), next.roleRef ?? null, 'cannot change roleRef');
}

/** A claim needs an access mode and a storage request. */
export function validatePersistentVolumeClaim(pvc: any, causes: KubeCauses): void {
  const spec = isObj(pvc.spec) ? pvc.spec : {};
  validateClaimSpec(spec, SPEC, causes);
}

/** Also what a StatefulSet's volumeClaimTemplates are held to. */
export function validateClaimSpec(spec: any, path: FieldPath, causes: KubeCauses): void {
  const modes = list(spec.accessModes);
  if (!modes.length) causes.required(path.child('accessModes'), 'at least 1 access mode is required');
  modes.forEach((m, i) => {
    if (!ACCESS_MODES.includes(m)) causes.notSupported(path.child('accessModes').index(i), m, ACCESS_MODES);
  });
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) causes.forbidden(path.child('accessModes'), 'may not use ReadWriteOncePod with other access modes');
  if (spec.resources?.requests?.storage === undefined) causes.required(path.child('resources').key('storage'));
}

/** After creation a claim's spec changes only in its storage request (the apiserver's rule for bound claims). */
export function validatePersistentVolumeClaimUpdate(next: any, old: any, causes: KubeCauses): void {
  const strip = (spec: any) => JSON.stringify({ ...spec, resources: { ...spec?.resources, requests: undefined }, volumeName: undefined, volumeAttributesClassName: undefined });
  if (strip(next.spec) !== strip(old.spec)) causes.forbidden(SPEC, 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
}
