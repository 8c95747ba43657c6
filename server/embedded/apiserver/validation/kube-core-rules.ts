/** The kube-apiserver's rules for the core kinds the embedded API serves, besides their metadata. */
import { FieldPath } from './causes.ts';
import { goQuote } from '../go-format.ts';
import { GoPrinted, type KubeCauses } from './kube-causes.ts';
import { configMapKey, dns1123Label, isIp, portName, portNumber, qualifiedName } from './kube-names.ts';
import { validateFinalizer, validateLabels } from './kube-meta.ts';
import { PROTOCOLS } from './kube-pod-rules.ts';
import { base64DecodedLength, utf8ByteLength } from '../../portable/bytes.ts';

/** ConfigMap data and Secret data may hold at most this many bytes in total (core.MaxSecretSize). */
export const MAX_DATA_BYTES = 1024 * 1024;

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
const IP_MESSAGE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';
const NAMESPACE_FINALIZERS = new Set(['kubernetes']);

const root = (name: string) => new FieldPath(name);
const entries = (m: unknown): Array<[string, unknown]> => (m && typeof m === 'object' && !Array.isArray(m) ? Object.entries(m) : []);

export function validateService(svc: any, causes: KubeCauses): void {
  const spec = svc.spec ?? {};
  const path = root('spec');
  const type = spec.type ?? 'ClusterIP';
  if (!SERVICE_TYPES.includes(type)) causes.notSupported(path.child('type'), type, SERVICE_TYPES);
  if (spec.sessionAffinity !== undefined && !SESSION_AFFINITIES.includes(spec.sessionAffinity)) causes.notSupported(path.child('sessionAffinity'), spec.sessionAffinity, SESSION_AFFINITIES);
  const ports: any[] = Array.isArray(spec.ports) ? spec.ports : [];
  const headless = spec.clusterIP === 'None';
  if (!ports.length && type !== 'ExternalName' && !headless) causes.required(path.child('ports'));
  if (type === 'ExternalName' && !spec.externalName) causes.required(path.child('externalName'));
  if (spec.clusterIP && spec.clusterIP !== 'None' && !isIp(spec.clusterIP)) causes.invalid(path.child('clusterIP'), spec.clusterIP, IP_MESSAGE);
  const names = new Set<string>();
  ports.forEach((p: any, i) => {
    const at = path.child('ports').index(i);
    if (!p?.name) {
      if (ports.length > 1) causes.required(at.child('name'));
    } else {
      causes.invalidEach(at.child('name'), p.name, dns1123Label(p.name));
      if (names.has(p.name)) causes.duplicate(at.child('name'), p.name);
      names.add(p.name);
    }
    causes.invalidEach(at.child('port'), p?.port ?? 0, portNumber(p?.port ?? 0));
    if (p?.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) causes.notSupported(at.child('protocol'), p.protocol, PROTOCOLS);
    if (typeof p?.targetPort === 'number') causes.invalidEach(at.child('targetPort'), p.targetPort, portNumber(p.targetPort));
    else if (typeof p?.targetPort === 'string') causes.invalidEach(at.child('targetPort'), p.targetPort, portName(p.targetPort));
    if (p?.nodePort) {
      if (type === 'ClusterIP' || type === 'ExternalName') causes.forbidden(at.child('nodePort'), `may not be used when \`type\` is '${type}'`);
      else causes.invalidEach(at.child('nodePort'), p.nodePort, portNumber(p.nodePort));
    }
  });
  validateLabels(spec.selector, path.child('selector'), causes);
}

export function validateServiceUpdate(svc: any, old: any, causes: KubeCauses): void {
  const next = svc.spec?.clusterIPs?.[0] ?? svc.spec?.clusterIP;
  const before = old.spec?.clusterIPs?.[0] ?? old.spec?.clusterIP;
  const external = svc.spec?.type === 'ExternalName' || old.spec?.type === 'ExternalName';
  if (!external && next && before && next !== before) {
    const shown = new GoPrinted(`[]string{${(svc.spec?.clusterIPs ?? [next]).map((ip: unknown) => goQuote(String(ip))).join(', ')}}`);
    causes.invalid(root('spec').child('clusterIPs').index(0), shown, 'may not change once set');
  }
}

export function validateEndpoints(ep: any, causes: KubeCauses): void {
  (Array.isArray(ep.subsets) ? ep.subsets : []).forEach((subset: any, i: number) => {
    const at = root('subsets').index(i);
    const addresses = [...(subset?.addresses ?? []), ...(subset?.notReadyAddresses ?? [])];
    if (!addresses.length) causes.required(at, 'must specify `addresses` or `notReadyAddresses`');
    for (const field of ['addresses', 'notReadyAddresses']) {
      (subset?.[field] ?? []).forEach((a: any, j: number) => {
        const addr = at.child(field).index(j);
        if (!isIp(String(a?.ip ?? ''))) causes.invalid(addr.child('ip'), a?.ip ?? '', IP_MESSAGE);
        if (a?.hostname) causes.invalidEach(addr.child('hostname'), a.hostname, dns1123Label(a.hostname));
      });
    }
    const ports: any[] = subset?.ports ?? [];
    ports.forEach((p, j) => {
      const port = at.child('ports').index(j);
      if (ports.length > 1 && !p?.name) causes.required(port.child('name'));
      else if (p?.name) causes.invalidEach(port.child('name'), p.name, dns1123Label(p.name));
      causes.invalidEach(port.child('port'), p?.port ?? 0, portNumber(p?.port ?? 0));
      if (p?.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) causes.notSupported(port.child('protocol'), p.protocol, PROTOCOLS);
    });
  });
}

function validateKeys(map: unknown, path: FieldPath, causes: KubeCauses): void {
  for (const [key] of entries(map)) causes.invalidEach(path.key(key), key, configMapKey(key));
}

export function validateConfigMap(cm: any, causes: KubeCauses): void {
  validateKeys(cm.data, root('data'), causes);
  validateKeys(cm.binaryData, root('binaryData'), causes);
  let total = 0;
  for (const [key, value] of entries(cm.data)) {
    if (cm.binaryData && Object.hasOwn(cm.binaryData, key)) causes.invalid(root('data').key(key), key, 'duplicate of key present in binaryData');
    total += utf8ByteLength(String(value ?? ''));
  }
  for (const [, value] of entries(cm.binaryData)) total += base64DecodedLength(String(value ?? ''));
  // The limit is on the whole object, which a real API server prints as the empty path "[]".
  if (total > MAX_DATA_BYTES) causes.tooLong(root('[]'), MAX_DATA_BYTES);
}

/** ConfigMaps and Secrets marked `immutable: true` keep their data and the mark. */
export function validateImmutableData(next: any, old: any, fields: string[], causes: KubeCauses): void {
  if (old.immutable !== true) return;
  if (next.immutable !== true) causes.forbidden(root('immutable'), IMMUTABLE_WHEN_SET);
  for (const field of fields) {
    if (JSON.stringify(sortedEntries(next[field])) !== JSON.stringify(sortedEntries(old[field]))) causes.forbidden(root(field), IMMUTABLE_WHEN_SET);
  }
}

const sortedEntries = (m: unknown) => entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Keys a Secret of each well-known type must carry in data. */
const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

export function validateSecret(secret: any, causes: KubeCauses): void {
  const data = root('data');
  validateKeys(secret.data, data, causes);
  for (const [key] of entries(secret.stringData)) causes.invalidEach(data.key(key), key, configMapKey(key));
  let total = 0;
  const keys = new Set<string>();
  for (const [key, value] of entries(secret.data)) {
    keys.add(key);
    total += base64DecodedLength(String(value ?? ''));
  }
  for (const [key, value] of entries(secret.stringData)) {
    if (!keys.has(key)) total += utf8ByteLength(String(value ?? ''));
    keys.add(key);
  }
  if (total > MAX_DATA_BYTES) causes.tooLong(data, MAX_DATA_BYTES);
  const type = secret.type ?? 'Opaque';
  for (const key of SECRET_REQUIRED_KEYS[type] ?? []) if (!keys.has(key)) causes.required(data.key(key));
  if (type === 'kubernetes.io/service-account-token' && !secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    causes.required(root('metadata').child('annotations').key('kubernetes.io/service-account.name'));
  }
  if (type === 'kubernetes.io/basic-auth' && !keys.has('username') && !keys.has('password')) causes.required(data.key('username'));
  if (type !== 'Opaque' && !SECRET_REQUIRED_KEYS[type] && !type.startsWith('kubernetes.io/')) causes.invalidEach(root('type'), type, qualifiedName(type));
}

export function validateSecretUpdate(next: any, old: any, causes: KubeCauses): void {
  const type = next.type ?? 'Opaque';
  if (type !== (old.type ?? 'Opaque')) causes.immutable(root('type'), type);
  validateImmutableData(next, old, ['data'], causes);
}

export function validateNamespace(ns: any, causes: KubeCauses): void {
  (Array.isArray(ns.spec?.finalizers) ? ns.spec.finalizers : []).forEach((f: unknown, i: number) => {
    validateFinalizer(f, root('spec').child('finalizers').index(i), NAMESPACE_FINALIZERS, causes);
  });
}

export function validateEvent(event: any, causes: KubeCauses): void {
  const involved = event.involvedObject ?? {};
  if (involved.namespace && event.metadata?.namespace && involved.namespace !== event.metadata.namespace) {
    causes.invalid(root('involvedObject').child('namespace'), involved.namespace, 'does not match event.namespace');
  }
}
