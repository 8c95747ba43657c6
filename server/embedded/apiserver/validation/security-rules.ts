/** The rules istiod's validating webhook applies to the security.istio.io kinds, with its messages, so a refusal reads as on a cluster with Istio. */
import type { Causes, FieldPath } from './causes.ts';
import { checkDuration } from './http-rules.ts';

const isObj = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

function checkWorkloadSelector(selector: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(selector)) return;
  for (const [k, v] of Object.entries(isObj(selector.matchLabels) ? selector.matchLabels : {})) {
    if (k === '') c.invalid(path.child('matchLabels').key(k), k, `empty key is not supported in selector: "${k}=${v}"`);
    if (k.includes('*') || String(v).includes('*')) c.invalid(path.child('matchLabels').key(k), v, `wildcard is not supported in selector: "${k}=${v}"`);
  }
}

function checkSelectorKinds(spec: Record<string, any>, path: FieldPath, c: Causes): void {
  const set = [spec.selector !== undefined, spec.targetRef !== undefined, list(spec.targetRefs).length > 0].filter(Boolean).length;
  if (set > 1) c.objectRule(path, 'only one of targetRefs or workloadSelector can be set');
  checkWorkloadSelector(spec.selector, path.child('selector'), c);
  const refs = [...(spec.targetRef ? [[path.child('targetRef'), spec.targetRef]] : []), ...list(spec.targetRefs).map((r, i) => [path.child('targetRefs').index(i), r])] as Array<[FieldPath, any]>;
  for (const [p, ref] of refs) {
    if (!isObj(ref)) continue;
    if (!ref.name) c.required(p.child('name'), 'targetRef name must be set');
    if (ref.namespace) c.invalid(p.child('namespace'), ref.namespace, 'targetRef namespace must not be set; cross namespace referencing is not supported');
    const group = ref.group || 'core';
    const allowed = (group === 'core' && ref.kind === 'Service') || (group === 'networking.istio.io' && ref.kind === 'ServiceEntry') || (group === 'gateway.networking.k8s.io' && ref.kind === 'Gateway');
    if (!allowed) c.invalid(p.child('kind'), ref.kind, `targetRef must be to one of [/v1, Kind=Service networking.istio.io/v1, Kind=ServiceEntry gateway.networking.k8s.io/v1, Kind=Gateway] but was ${ref.group ?? ''}/${ref.kind}`);
  }
}

export function checkPeerAuthentication(spec: Record<string, any>, path: FieldPath, c: Causes): void {
  const emptySelector = !isObj(spec.selector) || !Object.keys(spec.selector.matchLabels ?? {}).length;
  const ports = isObj(spec.portLevelMtls) ? Object.keys(spec.portLevelMtls) : undefined;
  if (emptySelector && ports?.length) c.invalid(path.child('portLevelMtls'), 'object', 'mesh/namespace peer authentication cannot have port level mTLS');
  if (ports && ports.length === 0) c.required(path.child('portLevelMtls'), 'port level mTLS, if defined, must have at least one element');
  for (const port of ports ?? []) {
    const n = Number(port);
    if (!Number.isInteger(n) || n <= 0 || n > 65535) c.invalid(path.child('portLevelMtls').key(port), port, 'port must be in range 1..65535');
  }
  checkWorkloadSelector(spec.selector, path.child('selector'), c);
}

const SOURCE_FIELDS: Array<[string, string]> = [
  ['principals', 'Principals'], ['requestPrincipals', 'RequestPrincipals'], ['namespaces', 'Namespaces'], ['ipBlocks', 'IpBlocks'],
  ['remoteIpBlocks', 'RemoteIpBlocks'], ['notPrincipals', 'NotPrincipals'], ['notRequestPrincipals', 'NotRequestPrincipals'],
  ['notNamespaces', 'NotNamespaces'], ['notIpBlocks', 'NotIpBlocks'], ['notRemoteIpBlocks', 'NotRemoteIpBlocks'],
  ['serviceAccounts', 'ServiceAccounts'], ['notServiceAccounts', 'NotServiceAccounts'],
];
const OPERATION_FIELDS: Array<[string, string]> = [
  ['ports', 'Ports'], ['methods', 'Methods'], ['paths', 'Paths'], ['hosts', 'Hosts'],
  ['notPorts', 'NotPorts'], ['notMethods', 'NotMethods'], ['notPaths', 'NotPaths'], ['notHosts', 'NotHosts'],
];

function isCidrOrIp(s: string): boolean {
  const [ip, bits, ...rest] = s.split('/');
  if (rest.length) return false;
  const v4 = /^(\d{1,3})(\.\d{1,3}){3}$/.test(ip) && ip.split('.').every((o) => Number(o) <= 255);
  const v6 = ip.includes(':') && /^[0-9a-fA-F:.]+$/.test(ip);
  if (!v4 && !v6) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (v4 ? 32 : 128));
}

export function checkAuthorizationPolicy(spec: Record<string, any>, name: string, namespace: string, path: FieldPath, c: Causes): void {
  // istiod prefixes every AuthorizationPolicy error with the policy it is about.
  const prefix = `invalid policy ${name}.${namespace}: `;
  checkSelectorKinds(spec, path, c);
  const action = spec.action ?? 'ALLOW';
  const rules = spec.rules;
  if (action === 'CUSTOM') {
    if (rules === undefined) c.required(path.child('rules'), `${prefix}CUSTOM action without \`rules\` is meaningless as it will never be triggered, add an empty rule \`{}\` if you want it be triggered for every request`);
    else if (!isObj(spec.provider) || !spec.provider.name) c.required(path.child('provider').child('name'), `${prefix}\`provider.name\` must not be empty`);
  }
  if (spec.provider !== undefined && action !== 'CUSTOM') c.objectRule(path.child('provider'), `${prefix}\`provider\` must not be with non CUSTOM action, found ${action}`);
  if (action === 'DENY' && rules === undefined) c.required(path.child('rules'), `${prefix}DENY action without \`rules\` is meaningless as it will never be triggered, add an empty rule \`{}\` if you want it be triggered for every request`);

  list(rules).forEach((rule, i) => {
    const p = path.child('rules').index(i);
    if (!isObj(rule)) return c.required(p, `${prefix}\`rule\` must not be nil, found at rule ${i}`);
    if (Array.isArray(rule.from) && rule.from.length === 0) c.required(p.child('from'), `${prefix}\`from\` must not be empty, found at rule ${i}`);
    list(rule.from).forEach((from, j) => {
      const fp = p.child('from').index(j);
      if (!isObj(from) || !isObj(from.source)) return c.required(fp.child('source'), `${prefix}\`from.source\` must not be nil, found at rule ${i}`);
      const src = from.source;
      if (!SOURCE_FIELDS.some(([f]) => list(src[f]).length)) c.required(fp.child('source'), `${prefix}\`from.source\` must not be empty, found at rule ${i}`);
      for (const [f, label] of SOURCE_FIELDS) {
        list(src[f]).forEach((v, k) => {
          if (v === '') c.invalid(fp.child('source').child(f).index(k), v, `${prefix}empty value not allowed, found in ${label}`);
          else if (/ipblocks/i.test(f) && !isCidrOrIp(String(v))) c.invalid(fp.child('source').child(f).index(k), v, `${prefix}invalid IP address or CIDR range: ${v}`);
        });
      }
      if (action === 'CUSTOM') {
        for (const f of ['namespaces', 'notNamespaces', 'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals']) {
          if (list(src[f]).length) c.objectRule(fp.child('source'), `${prefix}From.${f[0].toUpperCase()}${f.slice(1)} is currently not supported with CUSTOM action`);
        }
      }
    });
    if (Array.isArray(rule.to) && rule.to.length === 0) c.required(p.child('to'), `${prefix}\`to\` must not be empty, found at rule ${i}`);
    list(rule.to).forEach((to, j) => {
      const tp = p.child('to').index(j);
      if (!isObj(to) || !isObj(to.operation)) return c.required(tp.child('operation'), `${prefix}\`to.operation\` must not be nil, found at rule ${i}`);
      const op = to.operation;
      if (!OPERATION_FIELDS.some(([f]) => list(op[f]).length)) c.required(tp.child('operation'), `${prefix}\`to.operation\` must not be empty, found at rule ${i}`);
      for (const [f, label] of OPERATION_FIELDS) {
        list(op[f]).forEach((v, k) => {
          const vp = tp.child('operation').child(f).index(k);
          if (v === '') c.invalid(vp, v, `${prefix}empty value not allowed, found in ${label}`);
          else if (/ports/i.test(f) && !(/^\d+$/.test(String(v)) && Number(v) >= 0 && Number(v) <= 65535)) c.invalid(vp, v, `${prefix}invalid port ${v}`);
        });
      }
    });
    list(rule.when).forEach((cond, j) => {
      const wp = p.child('when').index(j);
      if (!isObj(cond)) return c.required(wp, `${prefix}when field cannot be nil`);
      if (!cond.key) return c.required(wp.child('key'), `${prefix}\`key\` must not be empty`);
      if (!list(cond.values).length && !list(cond.notValues).length) c.required(wp, `${prefix}at least one of \`values\` or \`notValues\` must be set for key ${cond.key}`);
      if (action === 'CUSTOM' && (cond.key === 'source.namespace' || cond.key === 'source.principal' || String(cond.key).startsWith('request.auth.'))) {
        c.invalid(wp.child('key'), cond.key, `${prefix}${cond.key} is currently not supported with CUSTOM action`);
      }
    });
  });
}

export function checkRequestAuthentication(spec: Record<string, any>, path: FieldPath, c: Causes): void {
  checkSelectorKinds(spec, path, c);
  list(spec.jwtRules).forEach((rule, i) => {
    const p = path.child('jwtRules').index(i);
    if (!isObj(rule)) return;
    if (!rule.issuer) c.required(p.child('issuer'), 'issuer must be set');
    list(rule.audiences).forEach((a, j) => {
      if (a === '') c.invalid(p.child('audiences').index(j), a, 'audience must be non-empty string');
    });
    if (rule.jwksUri) {
      let url: URL | undefined;
      try {
        url = new URL(String(rule.jwksUri));
      } catch {
        url = undefined;
      }
      if (!url || !['http:', 'https:'].includes(url.protocol)) c.invalid(p.child('jwksUri'), rule.jwksUri, `URI scheme "${url?.protocol.replace(/:$/, '') ?? ''}" is not supported`);
    }
    if (rule.jwks) {
      try {
        JSON.parse(String(rule.jwks));
      } catch (err) {
        c.invalid(p.child('jwks'), 'string', `jwks parse error: ${(err as Error).message}`);
      }
    }
    list(rule.fromHeaders).forEach((h, j) => {
      if (!isObj(h) || !h.name) c.required(p.child('fromHeaders').index(j).child('name'), 'location header name must be non-empty string');
    });
    list(rule.fromParams).forEach((q, j) => {
      if (q === '') c.invalid(p.child('fromParams').index(j), q, 'location query must be non-empty string');
    });
    list(rule.fromCookies).forEach((q, j) => {
      if (q === '') c.invalid(p.child('fromCookies').index(j), q, 'cookie name must be non-empty string');
    });
    list(rule.outputClaimToHeaders).forEach((o, j) => {
      const op = p.child('outputClaimToHeaders').index(j);
      if (!isObj(o) || !o.claim || !o.header) return c.required(op, 'outputClaimToHeaders header and claim value must be non-empty string');
      if (!/^[-_A-Za-z0-9]+$/.test(o.header)) c.invalid(op.child('header'), o.header, `header name ${o.header} is not a valid header name`);
    });
    checkDuration(rule.timeout, p.child('timeout'), c);
  });
}
