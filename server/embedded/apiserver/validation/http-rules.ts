/** The rules istiod's validating webhook applies to a VirtualService's HTTP routes, with its messages, so a refusal reads as on a cluster with Istio. */
import type { Causes, FieldPath } from './causes.ts';
import { isDns1123Label, validatePort, validateWildcardDomain, validateFqdn } from './dns.ts';
import { goDurationMs } from '../../../go-duration.ts';
import { re2CompileError } from './re2.ts';

const HEADER_NAME = /^[-_A-Za-z0-9]+$/;

const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

// Status codes Go's http.StatusText knows; retryOn accepts any of them.
const GO_STATUS_CODES = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424,
  425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE']);

export const GRPC_STATUSES = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE',
  'DATA_LOSS', 'UNAUTHENTICATED',
]);

const isObj = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const entries = (v: unknown): [string, any][] => (isObj(v) ? Object.entries(v) : []);

/** Go's %f. */
const goFloat = (n: number) => n.toFixed(6);

export function checkStringMatchRegex(sm: unknown, where: string, path: FieldPath, c: Causes): void {
  if (!isObj(sm) || sm.regex === undefined) return;
  const re = String(sm.regex);
  if (re === '') return c.invalid(path.child('regex'), re, `"${where}": regex string match should not be empty`);
  if (re.length > 1024) return c.invalid(path.child('regex'), re, `"${where}": regex is too large, max length allowed is 1024`);
  const err = re2CompileError(re);
  if (err) c.invalid(path.child('regex'), re, `"${where}": ${err}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`);
}

export function checkDestination(dest: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(dest)) return;
  const host = dest.host;
  if (typeof host === 'string') {
    if (host === '') c.required(path.child('host'), 'empty domain name not allowed');
    else if (host === '*') c.invalid(path.child('host'), host, `invalid destination host ${host}`);
    else {
      const err = validateWildcardDomain(host);
      if (err) c.invalid(path.child('host'), host, err);
    }
  }
  if (typeof dest.subset === 'string') checkSubsetName(dest.subset, path.child('subset'), c);
  if (isObj(dest.port) && typeof dest.port.number === 'number') {
    const err = validatePort(dest.port.number);
    if (err) c.invalid(path.child('port').child('number'), dest.port.number, err);
  }
}

export function checkSubsetName(name: string, path: FieldPath, c: Causes): void {
  if (name === '') c.required(path, 'subset name cannot be empty');
  else if (!isDns1123Label(name)) c.invalid(path, name, `subset name is invalid: ${name}`);
}

export function checkDuration(value: unknown, path: FieldPath, c: Causes): void {
  if (typeof value !== 'string') return;
  const ms = goDurationMs(value);
  // Under 1 ms the CRD schema already objected; istiod adds the precision rule.
  if (ms !== undefined && ms >= 1 && Math.abs(ms - Math.round(ms)) > 1e-9) c.invalid(path, value, 'only durations to ms precision are supported');
}

function checkHeaderOps(headers: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(headers)) return;
  for (const dir of ['request', 'response'] as const) {
    const ops = headers[dir];
    if (!isObj(ops)) continue;
    const p = path.child(dir);
    const nameErr = (name: string, allowAuthority: boolean) => {
      if (name === '') return 'header name cannot be empty';
      const internal = name.startsWith(':') || name.toLowerCase() === 'host';
      const authority = name.toLowerCase() === ':authority' || name.toLowerCase() === 'host';
      if (dir === 'response' || !allowAuthority) {
        if (name.toLowerCase() === 'host') return `invalid header "${name}": cannot set Host header`;
        if (internal) return `invalid header "${name}": header cannot have ":" prefix`;
      } else if (internal && !authority) return `invalid header "${name}": header cannot have ":" prefix`;
      return undefined;
    };
    for (const op of ['set', 'add'] as const) {
      for (const [name, value] of entries(ops[op])) {
        const err = nameErr(name, true);
        if (err) c.invalid(p.child(op).key(name), name, err);
        if (typeof value === 'string' && /[\u0000-\u0008\u000A-\u001F\u007F]/.test(value)) c.invalid(p.child(op).key(name), value, `header value configuration ${value} is invalid`);
      }
    }
    list(ops.remove).forEach((name, i) => {
      const err = nameErr(String(name), false);
      if (err) c.invalid(p.child('remove').index(i), name, err);
    });
  }
}

export function checkGatewayNames(names: unknown, path: FieldPath, c: Causes): void {
  list(names).forEach((name, i) => {
    if (typeof name !== 'string') return;
    const p = path.index(i);
    const slash = name.indexOf('/');
    if (slash < 0) {
      const err = validateFqdn(name);
      if (err) c.invalid(p, name, err);
      return;
    }
    const [ns, gw] = [name.slice(0, slash), name.slice(slash + 1)];
    if (!ns || !gw) return c.invalid(p, name, 'config namespace and gateway name cannot be empty');
    if (!isDns1123Label(ns)) c.invalid(p, name, `invalid value for namespace: "${ns}"`);
    if (!isDns1123Label(gw)) c.invalid(p, name, `invalid value for gateway name: "${gw}"`);
  });
}

function checkPercentage(pct: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(pct) || typeof pct.value !== 'number') return;
  const v = pct.value;
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) c.invalid(path.child('value'), v, `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`);
}

function checkIntPercent(v: unknown, path: FieldPath, c: Causes): void {
  if (typeof v === 'number' && (v < 0 || v > 100)) c.invalid(path, v, `percentage ${v} is not in range 0..100`);
}

function checkFault(fault: unknown, path: FieldPath, c: Causes): void {
  if (fault === undefined) return;
  if (!isObj(fault) || (fault.abort === undefined && fault.delay === undefined)) {
    return c.required(path, 'HTTP fault injection must have an abort and/or a delay');
  }
  if (isObj(fault.abort)) {
    const p = path.child('abort');
    const abort = fault.abort;
    checkPercentage(abort.percentage, p.child('percentage'), c);
    checkIntPercent(abort.percent, p.child('percent'), c);
    if (abort.grpcStatus !== undefined) {
      if (!GRPC_STATUSES.has(String(abort.grpcStatus))) {
        c.invalid(p.child('grpcStatus'), abort.grpcStatus, `gRPC status "${abort.grpcStatus}" is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`);
      }
    } else if (abort.http2Error !== undefined) {
      c.invalid(p.child('http2Error'), abort.http2Error, 'HTTP/2 abort fault injection not supported yet');
    } else if (typeof abort.httpStatus === 'number' && (abort.httpStatus < 200 || abort.httpStatus > 600)) {
      c.invalid(p.child('httpStatus'), abort.httpStatus, `HTTP status ${abort.httpStatus} is not in range 200-599`);
    }
  }
  if (isObj(fault.delay)) {
    const p = path.child('delay');
    checkPercentage(fault.delay.percentage, p.child('percentage'), c);
    checkIntPercent(fault.delay.percent, p.child('percent'), c);
    checkDuration(fault.delay.fixedDelay, p.child('fixedDelay'), c);
    if (fault.delay.exponentialDelay !== undefined) c.invalid(p.child('exponentialDelay'), fault.delay.exponentialDelay, 'exponentialDelay not supported yet');
  }
}

function checkRetries(retries: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(retries)) return;
  const attempts = typeof retries.attempts === 'number' ? retries.attempts : 0;
  if (attempts < 0) c.invalid(path.child('attempts'), attempts, 'attempts cannot be negative');
  if (attempts === 0 && (retries.perTryTimeout !== undefined || (retries.retryOn ?? '') !== '' || retries.retryRemoteLocalities !== undefined)) {
    c.objectRule(path, 'http retry policy configured when attempts are set to 0 (disabled)');
  }
  checkDuration(retries.perTryTimeout, path.child('perTryTimeout'), c);
  if (typeof retries.retryOn === 'string' && retries.retryOn !== '') {
    for (const policy of retries.retryOn.split(',')) {
      const code = /^[-+]?\d+$/.test(policy) ? Number(policy) : NaN;
      if (!GO_STATUS_CODES.has(code) && !RETRY_ON.has(policy)) c.invalid(path.child('retryOn'), retries.retryOn, `"${policy}" is not a valid retryOn policy`);
    }
  }
}

function checkRedirect(redirect: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(redirect)) return;
  if (!redirect.uri && !redirect.authority && redirect.port === undefined && redirect.derivePort === undefined && !redirect.scheme) {
    return c.objectRule(path, 'redirect must specify URI, authority, scheme, or port');
  }
  const code = redirect.redirectCode;
  if (typeof code === 'number' && code !== 0 && (code < 300 || code > 399)) return c.invalid(path.child('redirectCode'), code, `${code} is not a valid redirect code, must be 3xx`);
  if (redirect.scheme && redirect.scheme !== 'http' && redirect.scheme !== 'https') return c.invalid(path.child('scheme'), redirect.scheme, 'invalid redirect scheme, must be "http" or "https"');
  if (typeof redirect.port === 'number' && redirect.port > 0) {
    const err = validatePort(redirect.port);
    if (err) c.invalid(path.child('port'), redirect.port, err);
  }
}

function checkRewrite(rewrite: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(rewrite)) return;
  const regex = rewrite.uriRegexRewrite;
  if (rewrite.uri && regex !== undefined) return c.objectRule(path, 'rewrite may only contain one of URI or UriRegexRewrite');
  if (!rewrite.uri && regex === undefined && !rewrite.authority) {
    return c.objectRule(path, 'rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified');
  }
  if (isObj(regex)) {
    if (!regex.match || !regex.rewrite) return c.objectRule(path.child('uriRegexRewrite'), 'UriRegexRewrite has errors\nUriRegexRewrite requires both Rewrite and Match fields to be specified');
    checkStringMatchRegex({ regex: regex.match }, 'HTTPRewrite.UriRegexRewrite.Match', path.child('uriRegexRewrite'), c);
  }
}

function checkCors(cors: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(cors)) return;
  list(cors.allowOrigins).forEach((origin, i) => {
    const p = path.child('allowOrigins').index(i);
    const m = isObj(origin) ? origin.exact ?? origin.prefix ?? origin.regex : undefined;
    if (!m) return c.objectRule(p, `'${m ?? ''}' is not a valid match type for CORS allow origins`);
    checkStringMatchRegex(origin, 'corsPolicy.allowOrigins', p, c);
  });
  list(cors.allowMethods).forEach((m, i) => {
    if (!HTTP_METHODS.has(m)) c.invalid(path.child('allowMethods').index(i), m, `"${m}" is not a supported HTTP method`);
  });
  for (const field of ['allowHeaders', 'exposeHeaders']) {
    list(cors[field]).forEach((h, i) => {
      const name = String(h);
      if (name === '') c.invalid(path.child(field).index(i), h, 'header name cannot be empty');
      else if (name !== '*' && !HEADER_NAME.test(name)) c.invalid(path.child(field).index(i), h, `header name ${name} is not a valid header name`);
    });
  }
  if (typeof cors.maxAge === 'string') {
    checkDuration(cors.maxAge, path.child('maxAge'), c);
    const ms = goDurationMs(cors.maxAge);
    if (ms !== undefined && ms % 1000 !== 0) c.invalid(path.child('maxAge'), cors.maxAge, 'max_age duration is accurate only to seconds precision');
  }
}

function checkMatches(matches: unknown, path: FieldPath, c: Causes): void {
  list(matches).forEach((m, i) => {
    if (!isObj(m)) return;
    const p = path.index(i);
    for (const [name, header] of entries(m.headers)) {
      const hp = p.child('headers').key(name);
      if (header === null) c.required(hp, `header match ${name} cannot be null`);
      // `@request.auth.claims.*` keys route on JWT claims (gateways only); they are not header names.
      if (!name.startsWith('@request.auth.claims')) {
        if (name === '') c.invalid(hp, name, 'header name cannot be empty');
        else if (!HEADER_NAME.test(name)) c.invalid(hp, name, `header name ${name} is not a valid header name`);
      }
      checkStringMatchRegex(header, 'headers', hp, c);
    }
    for (const field of ['uri', 'scheme', 'method', 'authority'] as const) checkStringMatchRegex(m[field], field, p.child(field), c);
    for (const [name, qp] of entries(m.queryParams)) checkStringMatchRegex(qp, 'queryParams', p.child('queryParams').key(name), c);
    if (typeof m.port === 'number' && m.port !== 0) {
      const err = validatePort(m.port);
      if (err) c.invalid(p.child('port'), m.port, err);
    }
    checkGatewayNames(m.gateways, p.child('gateways'), c);
    if (typeof m.sourceNamespace === 'string' && m.sourceNamespace !== '' && !isDns1123Label(m.sourceNamespace)) {
      c.invalid(p.child('sourceNamespace'), m.sourceNamespace, `sourceNamespace match ${m.sourceNamespace} is invalid`);
    }
  });
}

/** The weight rule of current Istio (since 1.13): weights need not sum to 100, but may not be negative or all zero. */
export function checkRouteDestinations(routes: unknown, path: FieldPath, c: Causes, withHeaders: boolean): void {
  const rs = list(routes);
  let total = 0;
  rs.forEach((r, i) => {
    const p = path.index(i);
    if (r === null) return c.required(p, 'weight may not be nil');
    if (!isObj(r)) return;
    checkDestination(r.destination, p.child('destination'), c);
    if (withHeaders) checkHeaderOps(r.headers, p.child('headers'), c);
    const w = typeof r.weight === 'number' ? r.weight : 0;
    if (w < 0) c.invalid(p.child('weight'), w, `weight ${w} < 0`);
    total += w;
  });
  if (rs.length > 1 && total === 0) c.invalid(path, 'array', 'total destination weight = 0');
}

export function checkHttpRoute(route: unknown, path: FieldPath, c: Causes, isDelegate: boolean): void {
  if (route === null) return c.required(path, 'http route may not be null');
  if (!isObj(route)) return;
  const hasRoute = list(route.route).length > 0;
  if (isDelegate && route.delegate !== undefined) c.objectRule(path, 'delegate HTTP route cannot contain delegate');
  if (route.delegate !== undefined && !isDelegate) {
    if (route.redirect !== undefined) c.objectRule(path, `root HTTP route ${route.name ?? ''} must not specify redirect`);
    if (route.route !== undefined) c.objectRule(path, `root HTTP route ${route.name ?? ''} must not specify route`);
  } else if (route.redirect !== undefined) {
    if (hasRoute) c.objectRule(path, 'HTTP route cannot contain both route and redirect');
    if (route.fault !== undefined) c.objectRule(path, 'HTTP route cannot contain both fault and redirect');
    if (route.rewrite !== undefined) c.objectRule(path, 'HTTP route rule cannot contain both rewrite and redirect');
  } else if (!hasRoute && route.directResponse === undefined) {
    c.required(path.child('route'), 'HTTP route or redirect is required');
  }
  checkMatches(route.match, path.child('match'), c);
  checkHeaderOps(route.headers, path.child('headers'), c);
  checkCors(route.corsPolicy, path.child('corsPolicy'), c);
  checkFault(route.fault, path.child('fault'), c);
  if (typeof route.mirrorPercent === 'number' && route.mirrorPercent > 100) {
    c.invalid(path.child('mirrorPercent'), route.mirrorPercent, `mirror_percent must have a max value of 100 (it has ${route.mirrorPercent})`);
  }
  if (isObj(route.mirrorPercentage) && typeof route.mirrorPercentage.value === 'number') {
    const v = route.mirrorPercentage.value;
    if (v > 100) c.invalid(path.child('mirrorPercentage').child('value'), v, `mirror_percentage must have a max value of 100 (it has ${goFloat(v)})`);
    if (v < 0) c.invalid(path.child('mirrorPercentage').child('value'), v, `mirror_percentage must have a min value of 0 (it has ${goFloat(v)})`);
  }
  checkDestination(route.mirror, path.child('mirror'), c);
  list(route.mirrors).forEach((m, i) => {
    if (!isObj(m)) return;
    checkDestination(m.destination, path.child('mirrors').index(i).child('destination'), c);
    const v = isObj(m.percentage) ? m.percentage.value : undefined;
    if (typeof v === 'number' && v > 100) c.invalid(path.child('mirrors').index(i).child('percentage').child('value'), v, `mirror percentage must have a max value of 100 (it has ${goFloat(v)})`);
    if (typeof v === 'number' && v < 0) c.invalid(path.child('mirrors').index(i).child('percentage').child('value'), v, `mirror percentage must have a min value of 0 (it has ${goFloat(v)})`);
  });
  checkRedirect(route.redirect, path.child('redirect'), c);
  checkRetries(route.retries, path.child('retries'), c);
  checkRewrite(route.rewrite, path.child('rewrite'), c);
  if (isObj(route.directResponse) && typeof route.directResponse.status === 'number') {
    const s = route.directResponse.status;
    if (s < 200 || s > 600) c.invalid(path.child('directResponse').child('status'), s, `HTTP status ${s} is not in range 200-599`);
  }
  checkRouteDestinations(route.route, path.child('route'), c, true);
  checkDuration(route.timeout, path.child('timeout'), c);
}
