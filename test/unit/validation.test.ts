import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { ApiError } from '../../server/embedded/apiserver/errors.ts';
import { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import { checkIstioSchema, fieldPathSegments, istioJsonSchemas, istioWarnings, istioValidationHook, unknownIstioFields, validateIstioObject } from '../../server/embedded/apiserver/validation/index.ts';

const vs = (http: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'default' },
  spec: { hosts: ['reviews'], http, ...extra },
});
const route = (more: Record<string, unknown> = {}) => ({ route: [{ destination: { host: 'reviews', subset: 'v1' } }], ...more });
const dr = (spec: Record<string, unknown>) => ({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews' }, spec });

/** Each cause as kubectl prints it: `<field>: <message>`. */
const lines = (kind: string, obj: unknown) => validateIstioObject(kind, obj).map((c) => `${c.field}: ${c.message}`);

describe('validateIstioObject: schema (what the CRDs reject)', () => {
  it('reports an unknown field with its path', () => {
    expect(lines('VirtualService', vs([route({ foo: 1 })]))).toEqual(['spec.http[0].foo: field not declared in schema']);
    expect(unknownIstioFields('VirtualService', vs([route({ foo: 1 })]))).toEqual(['spec.http[0].foo']);
    expect(lines('VirtualService', { ...vs([route()]), extra: true })).toEqual(['extra: field not declared in schema']);
  });

  it('reports a wrong type the way the apiserver does', () => {
    expect(lines('VirtualService', vs([route()], { hosts: 'reviews' }))).toEqual([
      'spec.hosts: Invalid value: "string": spec.hosts in body must be of type array: "string"',
    ]);
    expect(lines('VirtualService', vs([route({ retries: { attempts: '3' } })]))).toEqual([
      'spec.http[0].retries.attempts: Invalid value: "string": spec.http[0].retries.attempts in body must be of type integer: "string"',
    ]);
  });

  it('requires a destination host', () => {
    expect(lines('VirtualService', vs([{ route: [{ destination: { subset: 'v1' } }] }]))).toEqual(['spec.http[0].route[0].destination.host: Required value']);
  });

  it('rejects a value outside an enum', () => {
    expect(lines('DestinationRule', dr({ host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'FASTEST' } } }))).toEqual([
      'spec.trafficPolicy.loadBalancer.simple: Unsupported value: "FASTEST": supported values: "UNSPECIFIED", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST", "LEAST_CONN"',
    ]);
  });

  it('accepts Go-style durations and rejects malformed ones or ones under 1ms', () => {
    for (const ok of ['7s', '0.5s', '100ms', '1m30s', '3m', '1h']) expect(lines('VirtualService', vs([route({ timeout: ok })])), ok).toEqual([]);
    for (const bad of ['7', '7x', 'seven seconds', '0s', '500us', '-1s']) {
      expect(lines('VirtualService', vs([route({ timeout: bad })])), bad).toEqual([
        'spec.http[0].timeout: Invalid value: "string": must be a valid duration greater than 1ms',
      ]);
    }
    expect(lines('VirtualService', vs([route({ timeout: '1.5ms' })]))).toEqual(['spec.http[0].timeout: Invalid value: "1.5ms": only durations to ms precision are supported']);
  });

  it('allows only one member of a oneof', () => {
    expect(lines('VirtualService', vs([route({ match: [{ uri: { exact: '/a', prefix: '/b' } }] })]))).toEqual([
      'spec.http[0].match[0].uri: Invalid value: "object": only one of exact, prefix, regex may be set',
    ]);
  });
});

describe('validateIstioObject: istiod webhook rules', () => {
  it('needs a route, redirect or direct response on every HTTP route', () => {
    expect(lines('VirtualService', vs([{ timeout: '1s' }]))).toEqual(['spec.http[0].route: Required value: HTTP route or redirect is required']);
    expect(lines('VirtualService', vs([route({ redirect: { uri: '/x' } })]))).toEqual(['spec.http[0]: Invalid value: "object": HTTP route cannot contain both route and redirect']);
  });

  it('needs a delay or an abort in a fault', () => {
    expect(lines('VirtualService', vs([route({ fault: {} })]))).toEqual(['spec.http[0].fault: Required value: HTTP fault injection must have an abort and/or a delay']);
  });

  it('checks fault percentages and the abort status', () => {
    expect(lines('VirtualService', vs([route({ fault: { abort: { httpStatus: 700, percentage: { value: 150 } } } })]))).toEqual([
      'spec.http[0].fault.abort.percentage.value: Invalid value: 150: percentage 150 is neither 0.0, nor in range [0.0001, 100.0]',
      'spec.http[0].fault.abort.httpStatus: Invalid value: 700: HTTP status 700 is not in range 200-599',
    ]);
    expect(lines('VirtualService', vs([route({ fault: { delay: { fixedDelay: '7s', percent: 101 } } })]))).toEqual([
      'spec.http[0].fault.delay.percent: Invalid value: 101: percentage 101 is not in range 0..100',
    ]);
    expect(lines('VirtualService', vs([route({ fault: { abort: { grpcStatus: 'NOPE' } } })]))[0]).toMatch(/^spec\.http\[0\]\.fault\.abort\.grpcStatus: Invalid value: "NOPE": gRPC status "NOPE" is not supported/);
  });

  it('rejects regexes RE2 cannot compile, including lookaround and backreferences', () => {
    const suffix = '; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)';
    const m = (match: unknown) => lines('VirtualService', vs([route({ match: [match] })]));
    expect(m({ uri: { regex: '/api/(v1' } })).toEqual([`spec.http[0].match[0].uri.regex: Invalid value: "/api/(v1": "uri": error parsing regexp: missing closing ): \`/api/(v1\`${suffix}`]);
    expect(m({ headers: { 'end-user': { regex: '(?!jason).*' } } })).toEqual([
      `spec.http[0].match[0].headers[end-user].regex: Invalid value: "(?!jason).*": "headers": error parsing regexp: invalid or unsupported Perl syntax: \`(?!\`${suffix}`,
    ]);
    expect(m({ uri: { regex: '(a)\\1' } })).toEqual([`spec.http[0].match[0].uri.regex: Invalid value: "(a)\\\\1": "uri": error parsing regexp: invalid escape sequence: \`\\1\`${suffix}`]);
    expect(m({ uri: { regex: '*foo' } })).toEqual([`spec.http[0].match[0].uri.regex: Invalid value: "*foo": "uri": error parsing regexp: missing argument to repetition operator: \`*\`${suffix}`]);
    expect(m({ uri: { regex: '/productpage|/api/v1/products/\\d+' } })).toEqual([]);
  });

  it('follows current Istio\'s weight rule: no sum of 100 needed, but no negative or all-zero weights', () => {
    const two = (a: number, b: number) => vs([{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: a }, { destination: { host: 'reviews', subset: 'v3' }, weight: b }] }]);
    expect(lines('VirtualService', two(80, 20))).toEqual([]);
    expect(lines('VirtualService', two(30, 30))).toEqual([]);
    expect(lines('VirtualService', two(-5, 20))).toEqual(['spec.http[0].route[0].weight: Invalid value: -5: weight -5 < 0']);
    expect(lines('VirtualService', two(0, 0))).toEqual(['spec.http[0].route: Invalid value: "array": total destination weight = 0']);
  });

  it('checks hosts: empty, malformed, the mesh wildcard, duplicates', () => {
    expect(lines('VirtualService', vs([route()], { hosts: [''] }))).toEqual(['spec.hosts[0]: Invalid value: "": empty domain name not allowed']);
    expect(lines('VirtualService', vs([route()], { hosts: ['rev_iews'] }))).toEqual(['spec.hosts[0]: Invalid value: "rev_iews": domain name "rev_iews" invalid (label "rev_iews" invalid)']);
    expect(lines('VirtualService', vs([route()], { hosts: ['*'] }))).toEqual(['spec.hosts[0]: Invalid value: "*": wildcard host * is not allowed for virtual services bound to the mesh gateway']);
    expect(lines('VirtualService', vs([route()], { hosts: ['*'], gateways: ['bookinfo-gateway'] }))).toEqual([]);
    expect(lines('VirtualService', vs([route()], { hosts: ['reviews', 'reviews'] }))).toEqual(['spec.hosts[1]: Invalid value: "reviews": duplicate hosts in virtual service: reviews & reviews']);
    expect(lines('VirtualService', vs([{ route: [{ destination: { host: '' } }] }]))).toEqual(['spec.http[0].route[0].destination.host: Required value: empty domain name not allowed']);
    expect(lines('VirtualService', vs([], {}))).toEqual(['spec.http: Required value: http, tcp or tls must be provided in virtual service']);
  });

  it('checks retries and subsets named in routes', () => {
    expect(lines('VirtualService', vs([route({ retries: { attempts: 3, retryOn: '5xx,sometimes' } })]))).toEqual([
      'spec.http[0].retries.retryOn: Invalid value: "5xx,sometimes": "sometimes" is not a valid retryOn policy',
    ]);
    expect(lines('VirtualService', vs([route({ retries: { perTryTimeout: '2s' } })]))).toEqual([
      'spec.http[0].retries: Invalid value: "object": http retry policy configured when attempts are set to 0 (disabled)',
    ]);
    expect(lines('VirtualService', vs([{ route: [{ destination: { host: 'reviews', subset: 'V_1' } }] }]))).toEqual([
      'spec.http[0].route[0].destination.subset: Invalid value: "V_1": subset name is invalid: V_1',
    ]);
  });

  it('checks DestinationRules: duplicate subsets, empty policies, percentages', () => {
    expect(lines('DestinationRule', dr({ host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v1', labels: { version: 'v2' } }] }))).toEqual([
      'spec.subsets[1].name: Invalid value: "v1": duplicate subset names: v1',
    ]);
    expect(lines('DestinationRule', dr({ host: 'reviews', trafficPolicy: {} }))).toEqual(['spec.trafficPolicy: Required value: traffic policy must have at least one field']);
    expect(lines('DestinationRule', dr({ host: 'httpbin', trafficPolicy: { outlierDetection: { maxEjectionPercent: 150 } } }))).toEqual([
      'spec.trafficPolicy.outlierDetection.maxEjectionPercent: Invalid value: 150: percentage 150 is not in range 0..100',
    ]);
    expect(lines('DestinationRule', dr({ host: 'reviews', trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: '', ttl: '0s' } } } } }))).toEqual([
      'spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.ttl: Invalid value: "string": must be a valid duration greater than 1ms',
    ]);
    expect(lines('DestinationRule', dr({ subsets: [] }))).toEqual(['spec.host: Required value']);
  });

  it('checks Gateways: servers, protocols, TLS and unique port names', () => {
    const gw = (servers: unknown[]) => ({ metadata: { name: 'bookinfo-gateway' }, spec: { selector: { istio: 'ingressgateway' }, servers } });
    expect(lines('Gateway', gw([]))).toEqual(['spec.servers: Required value: gateway must have at least one server']);
    expect(lines('Gateway', gw([{ port: { number: 80, name: 'http', protocol: 'HTTPX' }, hosts: ['*'] }]))).toEqual([
      'spec.servers[0].port.protocol: Invalid value: "HTTPX": invalid protocol "HTTPX", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP',
    ]);
    expect(lines('Gateway', gw([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'] }]))).toEqual([
      'spec.servers[0].tls: Required value: server must have TLS settings for HTTPS/TLS protocols',
    ]);
    expect(lines('Gateway', gw([
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
      { port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
    ]))).toEqual(['spec.servers[1].port.name: Invalid value: "http": port names in servers must be unique: duplicate name http']);
  });

  it('checks security kinds', () => {
    expect(lines('PeerAuthentication', { metadata: { name: 'default' }, spec: { mtls: { mode: 'STRICTEST' } } })).toEqual([
      'spec.mtls.mode: Unsupported value: "STRICTEST": supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"',
    ]);
    expect(lines('PeerAuthentication', { metadata: { name: 'default' }, spec: { portLevelMtls: { '9080': { mode: 'DISABLE' } } } })).toEqual([
      'spec.portLevelMtls: Invalid value: "object": mesh/namespace peer authentication cannot have port level mTLS',
    ]);
    expect(lines('AuthorizationPolicy', { metadata: { name: 'deny', namespace: 'default' }, spec: { action: 'DENY' } })).toEqual([
      'spec.rules: Required value: invalid policy deny.default: DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request',
    ]);
    expect(lines('AuthorizationPolicy', { metadata: { name: 'p', namespace: 'default' }, spec: { rules: [{ from: [{ source: {} }] }] } })).toEqual([
      'spec.rules[0].from[0].source: Required value: invalid policy p.default: `from.source` must not be empty, found at rule 0',
    ]);
    expect(lines('RequestAuthentication', { metadata: { name: 'jwt' }, spec: { jwtRules: [{ jwksUri: 'https://example.com/jwks.json' }] } })).toEqual(['spec.jwtRules[0].issuer: Required value']);
  });
});

describe('the talk\'s manifests', () => {
  it('are all valid, without warnings', () => {
    const root = resolve(dirname(new URL(import.meta.url).pathname), '../../manifests');
    let checked = 0;
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : []));
    for (const file of walk(root)) {
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const obj = doc.toJS();
        if (!obj || !String(obj.apiVersion ?? '').includes('istio.io')) continue;
        expect(lines(obj.kind, obj), `${file} ${obj.kind}/${obj.metadata?.name}`).toEqual([]);
        expect(istioWarnings(obj.kind, obj), `${file} ${obj.kind}/${obj.metadata?.name} warnings`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });
});

describe('istioValidationHook', () => {
  it('makes the store answer 422 Invalid with causes kubectl prints', () => {
    const store = new ObjectStore({ clock: new ScaledClock(0.01) });
    store.addAdmissionHook(istioValidationHook);
    store.create(store.registry.mustGet('', 'namespaces'), { metadata: { name: 'default' } });
    const type = store.registry.mustGet('networking.istio.io', 'virtualservices');
    let err: unknown;
    try {
      store.create(type, vs([{ route: [{ destination: { subset: 'v1' } }] }]) as any);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    const status = (err as ApiError).toStatus();
    expect(status).toMatchObject({ code: 422, reason: 'Invalid', details: { name: 'reviews', kind: 'VirtualService', group: 'networking.istio.io' } });
    expect(status.details!.causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.http[0].route[0].destination.host' }]);
    expect(store.get(type, 'default', 'reviews')).toBeUndefined();
    expect(store.create(type, vs([route()]) as any).metadata.name).toBe('reviews');
  });
});

/** Just enough of draft-07 to check the subset schemas.ts emits. */
function schemaErrors(schema: any, value: any, path = ''): string[] {
  const t = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
  const errs: string[] = [];
  if (schema.const !== undefined && value !== schema.const) errs.push(`${path} const`);
  if (schema.type && !(schema.type === t || (schema.type === 'number' && t === 'integer'))) return [`${path} type`];
  if (schema.enum && !schema.enum.includes(value)) errs.push(`${path} enum`);
  if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) errs.push(`${path} pattern`);
  if (schema.minimum !== undefined && value < schema.minimum) errs.push(`${path} minimum`);
  if (schema.maximum !== undefined && value > schema.maximum) errs.push(`${path} maximum`);
  if (t === 'array' && schema.items) value.forEach((v: unknown, i: number) => errs.push(...schemaErrors(schema.items, v, `${path}[${i}]`)));
  if (t === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (sub) errs.push(...schemaErrors(sub, v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}.${k} additional`);
    }
    for (const r of schema.required ?? []) if (value[r] === undefined) errs.push(`${path}.${r} required`);
    if (schema.maxProperties !== undefined && Object.keys(value).length > schema.maxProperties) errs.push(`${path} maxProperties`);
    for (const rule of schema.allOf ?? []) if (rule.not?.required?.every((k: string) => value[k] !== undefined)) errs.push(`${path} not`);
  }
  return errs;
}

describe('istioJsonSchemas', () => {
  it('has a whole-object schema per kind with the served apiVersions', () => {
    expect(Object.keys(istioJsonSchemas).sort()).toEqual(['AuthorizationPolicy', 'DestinationRule', 'Gateway', 'PeerAuthentication', 'RequestAuthentication', 'ServiceEntry', 'Sidecar', 'VirtualService']);
    const s = istioJsonSchemas.VirtualService as any;
    expect(s.properties.apiVersion.enum).toEqual(['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3']);
    expect(s.properties.kind.const).toBe('VirtualService');
    expect((istioJsonSchemas.PeerAuthentication as any).properties.apiVersion.enum).toEqual(['security.istio.io/v1', 'security.istio.io/v1beta1']);
    expect(JSON.parse(JSON.stringify(istioJsonSchemas))).toEqual(istioJsonSchemas);
  });

  it('agrees with the validator\'s schema checks', () => {
    const samples: Array<[string, any]> = [
      ['VirtualService', vs([route({ timeout: '0.5s' })])],
      ['VirtualService', vs([route({ foo: 1 })])],
      ['VirtualService', vs([route({ timeout: '7x' })])],
      ['VirtualService', vs([route({ timeout: '0s' })])],
      ['VirtualService', vs([route({ timeout: '-1s' })])],
      ['VirtualService', vs([route({ timeout: '1m30s' })])],
      ['VirtualService', vs([route({ match: [{ uri: { exact: '/a', prefix: '/b' } }] })])],
      ['VirtualService', vs([{ route: [{ destination: { subset: 'v1' } }] }])],
      ['VirtualService', vs([route()], { hosts: 'reviews' })],
      ['DestinationRule', dr({ host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'FASTEST' } } })],
      ['DestinationRule', dr({ host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } })],
      ['DestinationRule', dr({ host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'RANDOM', consistentHash: { useSourceIp: true } } } })],
      ['PeerAuthentication', { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default' }, spec: { mtls: { mode: 'STRICT' } } }],
      ['PeerAuthentication', { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default' }, spec: { mtls: { mode: 'strict' } } }],
    ];
    for (const [kind, obj] of samples) {
      expect(schemaErrors(istioJsonSchemas[kind], obj).length > 0, `${kind} ${JSON.stringify(obj.spec)}`).toBe(checkIstioSchema(kind, obj).length > 0);
    }
  });

  it('pulls in no Node modules, so the browser bundle can import it', () => {
    const dir = resolve(dirname(new URL(import.meta.url).pathname), '../../server/embedded/istio-api');
    const seen = new Set<string>();
    // Only the repository's own modules (Istio's spec shapes and the shared list of kinds), never a package or node:.
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^import .* from '([^']+)'/gm)) {
        expect(m[1], `${file} imports ${m[1]}`).toMatch(/^(\.\.?\/)+[\w/-]+\.ts$/);
        visit(resolve(dirname(file), m[1]));
      }
    };
    visit(join(dir, 'schemas.ts'));
    expect(seen.size).toBeGreaterThan(1);
  });
});

describe('RE2 compatibility of match regexes', () => {
  const err = (regex: string) => validateIstioObject('VirtualService', vs([route({ match: [{ uri: { regex } }] })]))[0]?.message.match(/error parsing regexp: (.*?); Istio/)?.[1];
  it('accepts what RE2 accepts, including named groups and lazy quantifiers', () => {
    for (const ok of ['^/api/v1/products/[0-9]+$', '[+*]', 'a*?', '\\*+', '(?P<id>\\d+)', '(?<id>\\d+)', '\\.', '[\\d-]+']) expect(err(ok), ok).toBeUndefined();
  });
  it('rejects what RE2 rejects with Go\'s messages', () => {
    // Go 1.22 reads `(?<` as the start of a named group, so a lookbehind is a bad group name.
    expect(err('(?<!admin)/x')).toBe('invalid named capture: `(?<!admin)/x`');
    expect(err('(?!admin)/x')).toBe('invalid or unsupported Perl syntax: `(?!`');
    expect(err('(a)\\1')).toBe('invalid escape sequence: `\\1`');
    expect(err('\\Z')).toBe('invalid escape sequence: `\\Z`');
    expect(err('a**')).toBe('invalid nested repetition operator: `**`');
    expect(err('a{2}*')).toBe('invalid nested repetition operator: `{2}*`');
    expect(err('a{2,1}')).toBe('invalid repeat count: `{2,1}`');
    expect(err('[a-')).toBe('missing closing ]: `[a-`');
    expect(err('a)')).toBe('unexpected ): `a)`');
    expect(err('(?>a)')).toBe('invalid or unsupported Perl syntax: `(?>`');
    expect(err('x{1001}')).toBe('invalid repeat count: `{1001}`');
    expect(err('[z-a]')).toBe('invalid character class range: `z-a`');
    expect(err('(?P<a-b>x)')).toBe('invalid named capture: `(?P<a-b>`');
  });
});

describe('fieldPathSegments', () => {
  it('splits a cause field into the keys and indexes that lead to the YAML node', () => {
    expect(fieldPathSegments('spec.http[0].match[1].headers[end-user].regex')).toEqual(['spec', 'http', 0, 'match', 1, 'headers', 'end-user', 'regex']);
    expect(fieldPathSegments('metadata.name')).toEqual(['metadata', 'name']);
  });
});

describe('istioWarnings', () => {
  it('warns about rules that can never match, as istiod does', () => {
    const w = (http: unknown[]) => istioWarnings('VirtualService', vs(http)).map((c) => `${c.field}: ${c.message}`);
    expect(w([route(), route({ match: [{ headers: { 'end-user': { exact: 'jason' } } }] }), route()])).toEqual([
      'spec.http[2]: virtualService rule #2 not used (only the last rule can have no matches)',
    ]);
    const jason = { headers: { 'end-user': { exact: 'jason' } } };
    expect(w([route({ name: 'jason', match: [jason] }), route({ match: [{ ...jason, name: 'again' }] }), route()])).toEqual([
      'spec.http[1].match[0]: virtualService rule #1 match "again" is not used (duplicate/overlapping match in rule "jason")',
      'spec.http[1]: virtualService rule #1 not used (all matches used by prior rules)',
    ]);
    expect(w([route({ match: [jason] }), route()])).toEqual([]);
  });

  it('warns about deprecated fields and an abort with no error type', () => {
    expect(istioWarnings('VirtualService', vs([route({ fault: { abort: { percentage: { value: 10 } } } })])).map((c) => c.message)).toEqual(['abort configured, but error type not set']);
    expect(istioWarnings('DestinationRule', dr({ host: 'httpbin', trafficPolicy: { outlierDetection: { consecutiveErrors: 1 } } }))).toEqual([
      { field: 'spec.trafficPolicy.outlierDetection.consecutiveErrors', message: 'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead' },
    ]);
  });
});
