/**
 * Writes manifests/gateway-api/{standard,experimental}-install.yaml: the Kubernetes Gateway
 * API v1.3.0 CRDs, written for this project from the published API (names, versions,
 * printer columns, defaults and validations as the real bundles declare them; descriptions
 * are our own and short). Run `npx tsx scripts/gateway-api-crds.ts`; a unit test checks the
 * files match, so the bundles never drift from this source.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';

type Schema = Record<string, any>;
type Channel = 'standard' | 'experimental';

export const BUNDLE_VERSION = 'v1.3.0';
const GROUP = 'gateway.networking.k8s.io';
const X_GROUP = 'gateway.networking.x-k8s.io';

// ---- building blocks shared by every kind ----------------------------------------------

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const obj = (description: string, properties: Schema, extra: Schema = {}): Schema => ({ type: 'object', description, properties, ...extra });
const arr = (description: string, items: Schema, extra: Schema = {}): Schema => ({ type: 'array', description, items, ...extra });
const rule = (rule: string, message: string) => ({ message, rule });

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const groupName = (description: string) => str(description, { maxLength: 253, pattern: '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' });
const kindName = (description: string) => str(description, { maxLength: 63, minLength: 1, pattern: '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$' });
const objectName = (description: string) => str(description, { maxLength: 253, minLength: 1 });
const namespaceName = (description: string) => str(description, { maxLength: 63, minLength: 1, pattern: DNS_LABEL });
const sectionName = (description: string) => str(description, { maxLength: 253, minLength: 1, pattern: DNS_SUBDOMAIN });
const portNumber = (description: string) => ({ type: 'integer', format: 'int32', description, maximum: 65535, minimum: 1 });
const hostname = (description: string) => str(description, { maxLength: 253, minLength: 1, pattern: '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' });
const duration = (description: string) => str(description, { pattern: '^([0-9]{1,5}(h|m|s|ms)){1,4}$' });
const headerName = (description: string) => str(description, { maxLength: 256, minLength: 1, pattern: "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$" });

const condition: Schema = obj(
  'One aspect of the current state of the object.',
  {
    lastTransitionTime: str('When the condition last changed status.', { format: 'date-time' }),
    message: str('A human-readable message about the transition.', { maxLength: 32768 }),
    observedGeneration: { type: 'integer', format: 'int64', description: 'The metadata.generation the condition was set for.', minimum: 0 },
    reason: str('A CamelCase reason for the last transition.', { maxLength: 1024, minLength: 1, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
    status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
    type: str('The condition type, in CamelCase.', { maxLength: 316, pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$' }),
  },
  { required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'] },
);

const pending = (type: string) => ({ lastTransitionTime: '1970-01-01T00:00:00Z', message: 'Waiting for controller', reason: 'Pending', status: 'Unknown', type });
const conditions = (description: string, defaults?: string[]): Schema =>
  arr(description, condition, { maxItems: 8, 'x-kubernetes-list-map-keys': ['type'], 'x-kubernetes-list-type': 'map', ...(defaults ? { default: defaults.map(pending) } : {}) });

const parentReference: Schema = obj(
  'A parent (a Gateway, or a Service for mesh routing) the route wants to attach to.',
  {
    group: { ...groupName('The group of the parent; "" is the core group.'), default: GROUP },
    kind: { ...kindName('The kind of the parent: Gateway or Service.'), default: 'Gateway' },
    name: objectName('The name of the parent.'),
    namespace: namespaceName("The parent's namespace; the route's own when unset."),
    port: portNumber('The port of the parent to attach to (a listener port, or a Service port).'),
    sectionName: sectionName('A listener name of a Gateway, or a port name of a Service.'),
  },
  { required: ['name'] },
);

const backendRefFields = (what: string): Schema => ({
  group: { ...groupName(`The group of the ${what}; "" is the core group.`), default: '' },
  kind: { ...kindName(`The kind of the ${what}.`), default: 'Service' },
  name: objectName(`The name of the ${what}.`),
  namespace: namespaceName(`The ${what}'s namespace; another namespace needs a ReferenceGrant there.`),
  port: portNumber(`The destination port of the ${what}; required for a Service.`),
});
const SERVICE_PORT = rule("(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true", 'Must have port for Service reference');

const headerModifier = (what: string): Schema => {
  const header = obj('A header name and value.', { name: headerName('The header name, case-insensitive.'), value: str('The header value.', { maxLength: 4096, minLength: 1 }) }, { required: ['name', 'value'] });
  const list = (verb: string) => arr(`Headers to ${verb} on the ${what}.`, header, { maxItems: 16, 'x-kubernetes-list-map-keys': ['name'], 'x-kubernetes-list-type': 'map' });
  return obj(`Changes the headers of the ${what}.`, {
    add: list('add to'),
    remove: arr(`Header names to remove from the ${what}.`, { type: 'string' }, { maxItems: 16, 'x-kubernetes-list-type': 'set' }),
    set: list('set on'),
  });
};

const pathModifier = obj(
  'How the path is changed.',
  {
    replaceFullPath: str('The path that replaces the whole path.', { maxLength: 1024 }),
    replacePrefixMatch: str('What replaces the matched path prefix.', { maxLength: 1024 }),
    type: str('ReplaceFullPath or ReplacePrefixMatch.', { enum: ['ReplaceFullPath', 'ReplacePrefixMatch'] }),
  },
  {
    required: ['type'],
    'x-kubernetes-validations': [
      rule("self.type == 'ReplaceFullPath' ? has(self.replaceFullPath) : true", 'replaceFullPath must be specified when type is set to \'ReplaceFullPath\''),
      rule("has(self.replaceFullPath) ? self.type == 'ReplaceFullPath' : true", 'type must be \'ReplaceFullPath\' when replaceFullPath is set'),
      rule("self.type == 'ReplacePrefixMatch' ? has(self.replacePrefixMatch) : true", 'replacePrefixMatch must be specified when type is set to \'ReplacePrefixMatch\''),
      rule("has(self.replacePrefixMatch) ? self.type == 'ReplacePrefixMatch' : true", 'type must be \'ReplacePrefixMatch\' when replacePrefixMatch is set'),
    ],
  },
);

const FILTER_FIELDS: Array<[string, string]> = [
  ['RequestHeaderModifier', 'requestHeaderModifier'],
  ['ResponseHeaderModifier', 'responseHeaderModifier'],
  ['RequestMirror', 'requestMirror'],
  ['RequestRedirect', 'requestRedirect'],
  ['URLRewrite', 'urlRewrite'],
  ['ExtensionRef', 'extensionRef'],
];

/** An HTTPRoute filter; `grpc` leaves out the HTTP-only ones, as GRPCRoute does. */
function httpFilter(grpc: boolean): Schema {
  const fields = FILTER_FIELDS.filter(([type]) => !grpc || !['RequestRedirect', 'URLRewrite'].includes(type));
  const properties: Schema = {
    extensionRef: obj('A filter of an implementation-specific kind.', { group: groupName('The group of the referent.'), kind: kindName('The kind of the referent.'), name: objectName('The name of the referent.') }, { required: ['group', 'kind', 'name'] }),
    requestHeaderModifier: headerModifier('request'),
    requestMirror: obj(
      'Copies the request to another backend; its answer is dropped.',
      {
        backendRef: obj('The backend the copy goes to.', backendRefFields('backend'), { required: ['name'], 'x-kubernetes-validations': [SERVICE_PORT] }),
        fraction: obj('The share of requests mirrored, as a fraction.', { denominator: { type: 'integer', format: 'int32', default: 100, minimum: 1 }, numerator: { type: 'integer', format: 'int32', minimum: 0 } }, { required: ['numerator'], 'x-kubernetes-validations': [rule('self.numerator <= self.denominator', 'numerator must be less than or equal to denominator')] }),
        percent: { type: 'integer', format: 'int32', description: 'The share of requests mirrored, in percent.', maximum: 100, minimum: 0 },
      },
      { required: ['backendRef'], 'x-kubernetes-validations': [rule('!(has(self.percent) && has(self.fraction))', 'Only one of percent or fraction may be specified in HTTPRequestMirrorFilter')] },
    ),
    responseHeaderModifier: headerModifier('response'),
    type: str('Which filter this is.', { enum: fields.map(([t]) => t) }),
  };
  if (!grpc) {
    properties.requestRedirect = obj('Answers with a redirect instead of forwarding.', {
      hostname: hostname('The host of the Location; the request\'s when unset.'),
      path: pathModifier,
      port: portNumber('The port of the Location.'),
      scheme: str('The scheme of the Location.', { enum: ['http', 'https'] }),
      statusCode: { type: 'integer', description: 'The redirect status code.', default: 302, enum: [301, 302] },
    });
    properties.urlRewrite = obj('Rewrites the host and path before forwarding.', { hostname: hostname('The Host header sent to the backend.'), path: pathModifier });
  }
  const validations = fields.flatMap(([type, field]) => [
    rule(`!(has(self.${field}) && self.type != '${type}')`, `filter.${field} must be nil if the filter.type is not ${type}`),
    rule(`!(!has(self.${field}) && self.type == '${type}')`, `filter.${field} must be specified for ${type} filter.type`),
  ]);
  return obj('A step that changes the request or response on the way.', properties, { required: ['type'], 'x-kubernetes-validations': validations });
}

const filters = (grpc: boolean): Schema =>
  arr('Filters applied to requests that match this rule.', httpFilter(grpc), {
    maxItems: 16,
    'x-kubernetes-validations': [
      ...(grpc ? [] : [rule("!(self.exists(f, f.type == 'RequestRedirect') && self.exists(f, f.type == 'URLRewrite'))", 'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both')]),
      rule("self.filter(f, f.type == 'RequestHeaderModifier').size() <= 1", 'RequestHeaderModifier filter cannot be repeated'),
      rule("self.filter(f, f.type == 'ResponseHeaderModifier').size() <= 1", 'ResponseHeaderModifier filter cannot be repeated'),
      ...(grpc ? [] : [rule("self.filter(f, f.type == 'RequestRedirect').size() <= 1", 'RequestRedirect filter cannot be repeated'), rule("self.filter(f, f.type == 'URLRewrite').size() <= 1", 'URLRewrite filter cannot be repeated')]),
    ],
  });

const backendRefs = (grpc: boolean): Schema =>
  arr(
    'Where matching requests go, split by weight.',
    obj('A backend and its share of the traffic.', { ...backendRefFields('backend'), filters: filters(grpc), weight: { type: 'integer', format: 'int32', description: 'The relative share of requests; 0 sends none.', default: 1, maximum: 1000000, minimum: 0 } }, { required: ['name'], 'x-kubernetes-validations': [SERVICE_PORT] }),
    { maxItems: 16 },
  );

const headerMatch = (what: string) =>
  arr(
    `${what} that must all match.`,
    obj(`A ${what.toLowerCase().replace(/s$/, '')} to match.`, { name: headerName('The name to match.'), type: str('Exact or RegularExpression.', { default: 'Exact', enum: ['Exact', 'RegularExpression'] }), value: str('The value to match.', { maxLength: 4096, minLength: 1 }) }, { required: ['name', 'value'] }),
    { maxItems: 16, 'x-kubernetes-list-map-keys': ['name'], 'x-kubernetes-list-type': 'map' },
  );

const PATH_CHECKS: Array<[string, string]> = [
  ["self.value.startsWith('/')", "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"],
  ["!self.value.contains('//')", "must not contain '//' when type one of ['Exact', 'PathPrefix']"],
  ["!self.value.contains('/./')", "must not contain '/./' when type one of ['Exact', 'PathPrefix']"],
  ["!self.value.contains('/../')", "must not contain '/../' when type one of ['Exact', 'PathPrefix']"],
  ["!self.value.contains('%2f')", "must not contain '%2f' when type one of ['Exact', 'PathPrefix']"],
  ["!self.value.contains('%2F')", "must not contain '%2F' when type one of ['Exact', 'PathPrefix']"],
  ["!self.value.contains('#')", "must not contain '#' when type one of ['Exact', 'PathPrefix']"],
  ["!self.value.endsWith('/..')", "must not end with '/..' when type one of ['Exact', 'PathPrefix']"],
  ["!self.value.endsWith('/.')", "must not end with '/.' when type one of ['Exact', 'PathPrefix']"],
];

const pathMatch = obj(
  'How the request path is matched.',
  { type: str('Exact, PathPrefix or RegularExpression.', { default: 'PathPrefix', enum: ['Exact', 'PathPrefix', 'RegularExpression'] }), value: str('The path to match.', { default: '/', maxLength: 1024 }) },
  {
    default: { type: 'PathPrefix', value: '/' },
    'x-kubernetes-validations': [
      ...PATH_CHECKS.map(([check, message]) => rule(`(self.type in ['Exact','PathPrefix']) ? ${check} : true`, message)),
      rule("self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'", "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']"),
      rule("(self.type in ['Exact','PathPrefix']) ? self.value.matches(r\"\"\"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$\"\"\") : true", "must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']"),
    ],
  },
);

const httpMatch = obj('Conditions a request must all meet.', {
  headers: headerMatch('Headers'),
  method: str('The HTTP method to match.', { enum: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] }),
  path: pathMatch,
  queryParams: headerMatch('Query parameters'),
});

const routeStatus = obj(
  'What each parent reports about the route.',
  {
    parents: arr(
      'One entry per parent the route names, written by the parent\'s controller.',
      obj('The status of the route on one parent.', { conditions: { ...conditions('Accepted, ResolvedRefs and others.'), minItems: 1 }, controllerName: str('The controller that wrote this entry.', { maxLength: 253, minLength: 1, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&\'()*+,;=:]+$' }), parentRef: parentReference }, { required: ['controllerName', 'parentRef'] }),
      { maxItems: 32 },
    ),
  },
  { required: ['parents'] },
);

const routeCommon = (kind: string): Schema => ({
  hostnames: arr(`Host names the ${kind} serves; a listener's host name must match one.`, hostname('A host name, or a wildcard `*.example.com`.'), { maxItems: 16 }),
  parentRefs: arr('The Gateways (or Services) the route attaches to.', parentReference, { maxItems: 32, 'x-kubernetes-validations': [rule('self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == \'\') && (!has(p2.__namespace__) || p2.__namespace__ == \'\')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__)) && (((!has(p1.sectionName) || p1.sectionName == \'\') && (!has(p2.sectionName) || p2.sectionName == \'\')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))', 'sectionName must be unique when parentRefs includes 2 or more references to the same parent')] }),
});

const httpRouteSpec = obj('What the route matches and where it sends requests.', {
  ...routeCommon('HTTPRoute'),
  rules: arr(
    'Rules, each with matches, filters and backends.',
    obj(
      'A rule: requests meeting any of its matches take its filters and backends.',
      {
        backendRefs: backendRefs(false),
        filters: filters(false),
        matches: arr('Any one must match; none matches every request.', httpMatch, { default: [{ path: { type: 'PathPrefix', value: '/' } }], maxItems: 64 }),
        timeouts: obj('Timeouts of matching requests.', { backendRequest: duration('The longest one try to a backend may take.'), request: duration('The longest the whole request may take; 0s disables it.') }, {
          'x-kubernetes-validations': [rule("!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request))", 'backendRequest timeout cannot be longer than request timeout')],
        }),
      },
      {
        'x-kubernetes-validations': [
          rule('(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || self.filters.all(f, !has(f.requestRedirect))): true', 'RequestRedirect filter must not be used together with backendRefs'),
          rule("(has(self.filters) && self.filters.exists_one(f, f.type == 'RequestRedirect' && has(f.requestRedirect.path) && f.requestRedirect.path.type == 'ReplacePrefixMatch' && has(f.requestRedirect.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true", 'When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'),
          rule("(has(self.filters) && self.filters.exists_one(f, f.type == 'URLRewrite' && has(f.urlRewrite.path) && f.urlRewrite.path.type == 'ReplacePrefixMatch' && has(f.urlRewrite.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true", 'When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'),
        ],
      },
    ),
    { default: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }], maxItems: 16 },
  ),
});

const grpcRouteSpec = obj('What the route matches and where it sends gRPC calls.', {
  ...routeCommon('GRPCRoute'),
  rules: arr(
    'Rules, each with matches, filters and backends.',
    obj('A rule: calls meeting any of its matches take its filters and backends.', {
      backendRefs: backendRefs(true),
      filters: filters(true),
      matches: arr(
        'Any one must match; none matches every call.',
        obj('Conditions a call must all meet.', {
          headers: headerMatch('Headers'),
          method: obj('The gRPC service and method to match.', { method: str('The method name.', { maxLength: 1024 }), service: str('The fully qualified service name.', { maxLength: 1024 }), type: str('Exact or RegularExpression.', { default: 'Exact', enum: ['Exact', 'RegularExpression'] }) }, { 'x-kubernetes-validations': [rule('has(self.type) ? has(self.service) || has(self.method) : true', 'One or both of \'service\' or \'method\' must be specified')] }),
        }),
        { maxItems: 64 },
      ),
    }),
    { maxItems: 16 },
  ),
});

const listener = obj(
  'A port, protocol and host name the Gateway accepts traffic on.',
  {
    allowedRoutes: obj(
      'Which routes may attach to this listener.',
      {
        kinds: arr('Route kinds that may attach; all the protocol supports when empty.', obj('A route kind.', { group: groupName('The group of the route kind.'), kind: kindName('The route kind.') }, { required: ['kind'] }), { maxItems: 8 }),
        namespaces: obj(
          'Namespaces routes may attach from.',
          {
            from: str('All, Selector or Same.', { default: 'Same', enum: ['All', 'Selector', 'Same'] }),
            selector: obj('Namespaces whose labels match, with from: Selector.', { matchExpressions: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, operator: { type: 'string' }, values: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'atomic' } }, required: ['key', 'operator'] }, 'x-kubernetes-list-type': 'atomic' }, matchLabels: { type: 'object', additionalProperties: { type: 'string' } } }, { 'x-kubernetes-map-type': 'atomic' }),
          },
          { default: { from: 'Same' } },
        ),
      },
      { default: { namespaces: { from: 'Same' } } },
    ),
    hostname: hostname('The host name requests must carry; any when unset.'),
    name: sectionName('The listener name, unique in the Gateway.'),
    port: portNumber('The network port.'),
    protocol: str('HTTP, HTTPS, TLS, TCP, UDP, or an implementation-specific protocol.', { maxLength: 255, minLength: 1, pattern: '^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9]+$' }),
    tls: obj(
      'TLS settings for HTTPS and TLS listeners.',
      {
        certificateRefs: arr('The certificates (Secrets) the listener serves.', obj('A certificate reference.', { group: { ...groupName('The group of the referent.'), default: '' }, kind: { ...kindName('The kind of the referent.'), default: 'Secret' }, name: objectName('The name of the referent.'), namespace: namespaceName('The namespace of the referent.') }, { required: ['name'] }), { maxItems: 64 }),
        mode: str('Terminate or Passthrough.', { default: 'Terminate', enum: ['Terminate', 'Passthrough'] }),
        options: { type: 'object', description: 'Implementation-specific TLS options.', additionalProperties: { type: 'string', maxLength: 4096, minLength: 0 }, maxProperties: 16 },
      },
      { 'x-kubernetes-validations': [rule("self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true", 'certificateRefs or options must be specified when mode is Terminate')] },
    ),
  },
  { required: ['name', 'port', 'protocol'] },
);

const gatewaySpec = obj(
  'The listeners and addresses the Gateway wants, and its class.',
  {
    addresses: arr(
      'Addresses requested for the Gateway.',
      obj('A requested address.', { type: str('IPAddress, Hostname or NamedAddress.', { default: 'IPAddress', maxLength: 253, minLength: 1, pattern: '^Hostname|IPAddress|NamedAddress|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&\'()*+,;=:]+$' }), value: str('The address.', { maxLength: 253, minLength: 1 }) }, { required: ['value'], 'x-kubernetes-validations': [rule("self.type == 'IPAddress' ? isIP(self.value) : true", 'value must be an IP address'), rule("self.type == 'Hostname' ? self.value.matches(r\"\"\"^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\"\"\") : true", 'value must be a hostname')] }),
      { maxItems: 16, 'x-kubernetes-validations': [rule("self.all(a1, a1.type == 'IPAddress' ? self.exists_one(a2, a2.type == a1.type && a2.value == a1.value) : true )", 'IPAddress values must be unique'), rule("self.all(a1, a1.type == 'Hostname' ? self.exists_one(a2, a2.type == a1.type && a2.value == a1.value) : true )", 'Hostname values must be unique')] },
    ),
    gatewayClassName: objectName('The GatewayClass that implements this Gateway.'),
    infrastructure: obj('Labels, annotations and parameters for what the controller creates.', {
      annotations: { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 }, maxProperties: 8 },
      labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 63, pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$' }, maxProperties: 8 },
      parametersRef: obj('A resource with controller settings for this Gateway.', { group: groupName('The group of the referent.'), kind: kindName('The kind of the referent.'), name: objectName('The name of the referent.') }, { required: ['group', 'kind', 'name'] }),
    }),
    listeners: arr('What the Gateway listens on.', listener, {
      maxItems: 64,
      minItems: 1,
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-validations': [
        rule("self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true)", "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"),
        rule("self.all(l, l.protocol in ['HTTPS', 'TLS'] ? has(l.tls) : true)", "tls mode must be set for protocols ['HTTPS', 'TLS']"),
        rule("self.all(l, l.protocol in ['TCP', 'UDP']  ? (!has(l.hostname) || l.hostname == '') : true)", "hostname must not be specified for protocols ['TCP', 'UDP']"),
        rule('self.all(l1, self.exists_one(l2, l1.name == l2.name))', 'Listener name must be unique within the Gateway'),
        rule('self.all(l1, self.exists_one(l2, l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname))))', 'Combination of port, protocol and hostname must be unique for each listener'),
      ],
    }),
  },
  { required: ['gatewayClassName', 'listeners'] },
);

const gatewayStatus = obj(
  'What the controller reports about the Gateway.',
  {
    addresses: arr('The addresses the Gateway is reachable at.', obj('An address.', { type: str('IPAddress, Hostname or NamedAddress.', { maxLength: 253, minLength: 1 }), value: str('The address.', { maxLength: 253, minLength: 1 }) }, { required: ['value'] }), { maxItems: 16 }),
    conditions: conditions('Accepted, Programmed and others.', ['Accepted', 'Programmed']),
    listeners: arr(
      'The status of each listener.',
      obj('One listener\'s status.', {
        attachedRoutes: { type: 'integer', format: 'int32', description: 'How many routes are attached to the listener.' },
        conditions: conditions('Accepted, Programmed, ResolvedRefs, Conflicted.'),
        name: sectionName('The listener name.'),
        supportedKinds: arr('Route kinds the listener takes.', obj('A route kind.', { group: groupName('The group of the route kind.'), kind: kindName('The route kind.') }, { required: ['kind'] }), { maxItems: 8 }),
      }, { required: ['attachedRoutes', 'conditions', 'name', 'supportedKinds'] }),
      { maxItems: 64, 'x-kubernetes-list-map-keys': ['name'], 'x-kubernetes-list-type': 'map' },
    ),
  },
  { default: { conditions: ['Accepted', 'Programmed'].map(pending) } },
);

const gatewayClassSpec = obj(
  'The controller that implements Gateways of this class.',
  {
    controllerName: str('The controller, as `domain/path`; it cannot change.', { maxLength: 253, minLength: 1, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&\'()*+,;=:]+$', 'x-kubernetes-validations': [rule('self == oldSelf', 'Value is immutable')] }),
    description: str('What the class is for.', { maxLength: 64 }),
    parametersRef: obj('A resource with settings for the controller.', { group: groupName('The group of the referent.'), kind: kindName('The kind of the referent.'), name: objectName('The name of the referent.'), namespace: namespaceName('The namespace of the referent.') }, { required: ['group', 'kind', 'name'] }),
  },
  { required: ['controllerName'] },
);

const gatewayClassStatus = obj('What the controller reports about the class.', { conditions: conditions('Accepted and others.', ['Accepted']) }, { default: { conditions: [pending('Accepted')] } });

const referenceGrantSpec = obj(
  'Who in other namespaces may refer to what in this namespace.',
  {
    from: arr('The kinds and namespaces that may refer.', obj('A kind in a namespace.', { group: groupName('The group of the referrer.'), kind: kindName('The kind of the referrer.'), namespace: namespaceName('The namespace of the referrer.') }, { required: ['group', 'kind', 'namespace'] }), { maxItems: 16, minItems: 1 }),
    to: arr('The kinds (and names) that may be referred to.', obj('A kind, optionally one object.', { group: groupName('The group of the referent.'), kind: kindName('The kind of the referent.'), name: objectName('The name of the referent; any when unset.') }, { required: ['group', 'kind'] }), { maxItems: 16, minItems: 1 }),
  },
  { required: ['from', 'to'] },
);

// ---- CRDs ----------------------------------------------------------------------------

interface Column {
  name: string;
  jsonPath: string;
  type?: string;
  priority?: number;
}
const AGE: Column = { name: 'Age', jsonPath: '.metadata.creationTimestamp', type: 'date' };

interface Definition {
  kind: string;
  plural: string;
  group?: string;
  scope: 'Namespaced' | 'Cluster';
  shortNames?: string[];
  /** Served versions, the storage one first. */
  versions: string[];
  columns: Column[];
  spec: Schema;
  status?: Schema;
  /** Where the bundle's own file came from. */
  file: string;
}

function resourceSchema(d: Definition): Schema {
  const properties: Schema = {
    apiVersion: str('The versioned schema of this representation of an object.'),
    kind: str('The REST resource this object represents.'),
    metadata: { type: 'object' },
    spec: d.spec,
  };
  if (d.status) properties.status = d.status;
  return { type: 'object', description: `${d.kind} (Kubernetes Gateway API).`, properties, required: ['spec'] };
}

function crd(d: Definition, channel: Channel): Schema {
  const group = d.group ?? GROUP;
  const schema = resourceSchema(d);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      annotations: { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/3328', 'gateway.networking.k8s.io/bundle-version': BUNDLE_VERSION, 'gateway.networking.k8s.io/channel': channel },
      name: `${d.plural}.${group}`,
    },
    spec: {
      group,
      names: { categories: ['gateway-api'], kind: d.kind, listKind: `${d.kind}List`, plural: d.plural, ...(d.shortNames ? { shortNames: d.shortNames } : {}), singular: d.kind.toLowerCase() },
      scope: d.scope,
      versions: d.versions.map((name, i) => ({
        additionalPrinterColumns: d.columns.map((c) => ({ jsonPath: c.jsonPath, name: c.name, ...(c.priority ? { priority: c.priority } : {}), type: c.type ?? 'string' })),
        name,
        schema: { openAPIV3Schema: schema },
        served: true,
        storage: i === 0,
        subresources: d.status ? { status: {} } : {},
      })),
    },
  };
}

const STANDARD: Definition[] = [
  {
    kind: 'GatewayClass', plural: 'gatewayclasses', scope: 'Cluster', shortNames: ['gc'], versions: ['v1', 'v1beta1'], file: 'gateway.networking.k8s.io_gatewayclasses.yaml',
    columns: [{ name: 'Controller', jsonPath: '.spec.controllerName' }, { name: 'Accepted', jsonPath: '.status.conditions[?(@.type=="Accepted")].status' }, AGE, { name: 'Description', jsonPath: '.spec.description', priority: 1 }],
    spec: gatewayClassSpec, status: gatewayClassStatus,
  },
  {
    kind: 'Gateway', plural: 'gateways', scope: 'Namespaced', shortNames: ['gtw'], versions: ['v1', 'v1beta1'], file: 'gateway.networking.k8s.io_gateways.yaml',
    columns: [{ name: 'Class', jsonPath: '.spec.gatewayClassName' }, { name: 'Address', jsonPath: '.status.addresses[*].value' }, { name: 'Programmed', jsonPath: '.status.conditions[?(@.type=="Programmed")].status' }, AGE],
    spec: gatewaySpec, status: gatewayStatus,
  },
  {
    kind: 'GRPCRoute', plural: 'grpcroutes', scope: 'Namespaced', versions: ['v1'], file: 'gateway.networking.k8s.io_grpcroutes.yaml',
    columns: [{ name: 'Hostnames', jsonPath: '.spec.hostnames' }, AGE], spec: grpcRouteSpec, status: routeStatus,
  },
  {
    kind: 'HTTPRoute', plural: 'httproutes', scope: 'Namespaced', versions: ['v1', 'v1beta1'], file: 'gateway.networking.k8s.io_httproutes.yaml',
    columns: [{ name: 'Hostnames', jsonPath: '.spec.hostnames' }, AGE], spec: httpRouteSpec, status: routeStatus,
  },
  {
    kind: 'ReferenceGrant', plural: 'referencegrants', scope: 'Namespaced', shortNames: ['refgrant'], versions: ['v1beta1'], file: 'gateway.networking.k8s.io_referencegrants.yaml',
    columns: [AGE], spec: referenceGrantSpec,
  },
];

/** Experimental kinds with thin schemas: their spec is kept as written. */
const thin = (kind: string, plural: string, versions: string[], group = GROUP, columns: Column[] = [AGE], shortNames?: string[]): Definition => ({
  kind, plural, group, scope: 'Namespaced', versions, columns, shortNames, file: `${group}_${plural}.yaml`,
  spec: { type: 'object', description: `The ${kind}'s settings.`, 'x-kubernetes-preserve-unknown-fields': true },
  status: { type: 'object', description: `What controllers report about the ${kind}.`, 'x-kubernetes-preserve-unknown-fields': true },
});

const EXPERIMENTAL: Definition[] = [
  ...STANDARD,
  thin('BackendTLSPolicy', 'backendtlspolicies', ['v1alpha3'], GROUP, [AGE], ['btlspolicy']),
  thin('TCPRoute', 'tcproutes', ['v1alpha2']),
  thin('TLSRoute', 'tlsroutes', ['v1alpha2'], GROUP, [{ name: 'Hostnames', jsonPath: '.spec.hostnames' }, AGE]),
  thin('UDPRoute', 'udproutes', ['v1alpha2']),
  thin('XBackendTrafficPolicy', 'xbackendtrafficpolicies', ['v1alpha1'], X_GROUP, [AGE], ['xbtrafficpolicy']),
  thin('XListenerSet', 'xlistenersets', ['v1alpha1'], X_GROUP, [{ name: 'Accepted', jsonPath: '.status.conditions[?(@.type=="Accepted")].status' }, { name: 'Programmed', jsonPath: '.status.conditions[?(@.type=="Programmed")].status' }, AGE], ['lset']),
].sort((a, b) => (a.file < b.file ? -1 : 1));

/** One bundle: every CRD of the channel, each after the comment naming its own file, as the release's install file has them. */
export function bundle(channel: Channel): string {
  const defs = channel === 'standard' ? STANDARD : EXPERIMENTAL;
  const header = `# Kubernetes Gateway API ${BUNDLE_VERSION} CRDs, ${channel} channel, written for this project\n# (regenerate with: npx tsx scripts/gateway-api-crds.ts).\n`;
  return header + defs.map((d) => `---\n#\n# config/crd/${channel}/${d.file}\n#\n${stringify(crd(d, channel), { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}

export const BUNDLE_PATHS = { standard: 'manifests/gateway-api/standard-install.yaml', experimental: 'manifests/gateway-api/experimental-install.yaml' } as const;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const root = resolve(import.meta.dirname, '..');
  for (const channel of ['standard', 'experimental'] as const) writeFileSync(resolve(root, BUNDLE_PATHS[channel]), bundle(channel));
}
