/** The rules istiod's validating webhook applies to the networking.istio.io kinds, with its messages, so a refusal reads as on a cluster with Istio. */
import { type Causes, FieldPath } from './causes.ts';
import { isDns1123Label, isIpAddress, validateLabels, validateNamespaceSlashHost, validatePort, validateWildcardDomain } from './dns.ts';
import { checkDestination, checkDuration, checkGatewayNames, checkHttpRoute, checkRouteDestinations, checkSubsetName } from './http-rules.ts';

const isObj = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** Does wildcard host `a` cover `b` or the other way round (`*.foo.com` and `bar.foo.com`)? */
function hostsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const covers = (w: string, h: string) => w.startsWith('*') && h.endsWith(w.slice(1));
  return covers(a, b) || covers(b, a);
}

export function checkExportTo(exportTo: unknown, namespace: string, path: FieldPath, c: Causes, isServiceEntry = false): void {
  const entries = list(exportTo).map(String);
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const key = e === '.' ? namespace : e;
    if (seen.has(key)) {
      c.invalid(path.index(i), e, key !== e ? `duplicate entries in exportTo: . and current namespace ${namespace}` : `duplicate entries in exportTo for entry ${e}`);
      return;
    }
    const valid = e === '.' || e === '*' || (isServiceEntry && e === '~') || isDns1123Label(e);
    if (!valid) c.invalid(path.index(i), e, `only . or * or valid DNS 1123 label is allowed as exportTo entry`);
    else seen.add(key);
  });
  if (seen.has('*') && entries.length > 1) c.invalid(path, 'array', 'cannot have both public (*) and non-public exportTo values for a resource');
  if (seen.has('~') && entries.length > 1) c.invalid(path, 'array', 'cannot export service entry to no one (~) and someone');
}

function checkSelectorLabels(labels: unknown, path: FieldPath, c: Causes): void {
  for (const [k, v] of Object.entries(isObj(labels) ? labels : {})) {
    if (k === '') c.invalid(path.key(k), k, `empty key is not supported in selector: "${k}=${v}"`);
    if (k.includes('*') || String(v).includes('*')) c.invalid(path.key(k), v, `wildcard is not supported in selector: "${k}=${v}"`);
  }
}

export function checkVirtualService(spec: Record<string, any>, namespace: string, path: FieldPath, c: Causes): void {
  const hosts = list(spec.hosts);
  const gateways = list(spec.gateways);
  const isDelegate = hosts.length === 0;
  if (isDelegate) {
    if (gateways.length) c.invalid(path.child('gateways'), 'array', 'delegate virtual service must have no gateways specified');
    if (list(spec.tls).length) c.invalid(path.child('tls'), 'array', 'delegate virtual service must have no tls route specified');
    if (list(spec.tcp).length) c.invalid(path.child('tcp'), 'array', 'delegate virtual service must have no tcp route specified');
  }
  const appliesToGateway = gateways.length > 0 && !gateways.includes('mesh');
  checkGatewayNames(gateways, path.child('gateways'), c);

  let allHostsValid = true;
  hosts.forEach((h, i) => {
    if (typeof h !== 'string') return;
    const err = h === '*' && appliesToGateway ? undefined : validateWildcardDomain(h);
    if (err) {
      if (!isIpAddress(h)) {
        c.invalid(path.child('hosts').index(i), h, err);
        allHostsValid = false;
      }
    } else if (!appliesToGateway && h === '*') {
      c.invalid(path.child('hosts').index(i), h, 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
      allHostsValid = false;
    }
  });
  if (allHostsValid) {
    for (let i = 0; i < hosts.length; i++) {
      for (let j = i + 1; j < hosts.length; j++) {
        if (hostsOverlap(String(hosts[i]), String(hosts[j]))) c.invalid(path.child('hosts').index(j), hosts[j], `duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}`);
      }
    }
  }

  if (!list(spec.http).length && !list(spec.tcp).length && !list(spec.tls).length) {
    c.required(path.child('http'), 'http, tcp or tls must be provided in virtual service');
  }
  list(spec.http).forEach((r, i) => checkHttpRoute(r, path.child('http').index(i), c, isDelegate));
  list(spec.tls).forEach((r, i) => {
    const p = path.child('tls').index(i);
    if (!isObj(r)) return;
    if (!list(r.match).length) c.required(p.child('match'), 'TLS route must have at least one match condition');
    list(r.match).forEach((m, j) => {
      if (!isObj(m)) return c.required(p.child('match').index(j), 'TLS match may not be null');
      if (!list(m.sniHosts).length) c.required(p.child('match').index(j).child('sniHosts'), 'TLS match must have at least one SNI host');
      list(m.sniHosts).forEach((sni, k) => {
        const err = validateWildcardDomain(String(sni));
        if (err && !isIpAddress(String(sni))) c.invalid(p.child('match').index(j).child('sniHosts').index(k), sni, err);
      });
      checkL4Match(m, p.child('match').index(j), c);
    });
    if (!list(r.route).length) c.required(p.child('route'), 'TLS route is required');
    checkRouteDestinations(r.route, p.child('route'), c, false);
  });
  list(spec.tcp).forEach((r, i) => {
    const p = path.child('tcp').index(i);
    if (!isObj(r)) return;
    list(r.match).forEach((m, j) => checkL4Match(m, p.child('match').index(j), c));
    if (!list(r.route).length) c.required(p.child('route'), 'TCP route is required');
    checkRouteDestinations(r.route, p.child('route'), c, false);
  });
  checkExportTo(spec.exportTo, namespace, path.child('exportTo'), c);
}

function checkL4Match(m: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(m)) return;
  if (typeof m.port === 'number' && m.port !== 0) {
    const err = validatePort(m.port);
    if (err) c.invalid(path.child('port'), m.port, err);
  }
  if (isObj(m.sourceLabels)) for (const e of validateLabels(m.sourceLabels)) c.invalid(path.child('sourceLabels'), 'object', e);
  checkGatewayNames(m.gateways, path.child('gateways'), c);
}

function checkPercentInt(v: unknown, path: FieldPath, c: Causes): void {
  if (typeof v === 'number' && (v < 0 || v > 100)) c.invalid(path, v, `percentage ${v} is not in range 0..100`);
}

function checkClientTls(tls: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(tls)) return;
  const mode = tls.mode ?? 'DISABLE';
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && tls.credentialName) {
    if (tls.clientCertificate || tls.caCertificates || tls.privateKey || tls.caCrl) {
      c.objectRule(path, 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set');
    }
    return;
  }
  if (mode === 'MUTUAL') {
    if (!tls.clientCertificate) c.required(path.child('clientCertificate'), 'client certificate required for mutual tls');
    if (!tls.privateKey) c.required(path.child('privateKey'), 'private key required for mutual tls');
  }
}

function checkConnectionPool(pool: unknown, path: FieldPath, c: Causes): void {
  if (pool === undefined) return;
  if (!isObj(pool) || (pool.http === undefined && pool.tcp === undefined)) return c.required(path, 'connection pool must have at least one field');
  const http = isObj(pool.http) ? pool.http : {};
  const nonNeg: Array<[string, string]> = [
    ['http1MaxPendingRequests', 'http1 max pending requests must be non-negative'],
    ['http2MaxRequests', 'http2 max requests must be non-negative'],
    ['maxRequestsPerConnection', 'max requests per connection must be non-negative'],
    ['maxRetries', 'max retries must be non-negative'],
    ['maxConcurrentStreams', 'max concurrent streams must be non-negative'],
  ];
  for (const [field, msg] of nonNeg) if (typeof http[field] === 'number' && http[field] < 0) c.invalid(path.child('http').child(field), http[field], msg);
  checkDuration(http.idleTimeout, path.child('http').child('idleTimeout'), c);
  if (http.h2UpgradePolicy === 'UPGRADE' && http.useClientProtocol === true) c.objectRule(path.child('http'), 'use client protocol must not be true when H2UpgradePolicy is UPGRADE');
  const tcp = isObj(pool.tcp) ? pool.tcp : {};
  if (typeof tcp.maxConnections === 'number' && tcp.maxConnections < 0) c.invalid(path.child('tcp').child('maxConnections'), tcp.maxConnections, 'max connections must be non-negative');
  for (const f of ['connectTimeout', 'maxConnectionDuration', 'idleTimeout']) checkDuration(tcp[f], path.child('tcp').child(f), c);
}

function checkOutlier(o: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(o)) return;
  checkDuration(o.baseEjectionTime, path.child('baseEjectionTime'), c);
  checkDuration(o.interval, path.child('interval'), c);
  if (!o.splitExternalLocalOriginErrors && typeof o.consecutiveLocalOriginFailures === 'number' && o.consecutiveLocalOriginFailures > 0) {
    c.objectRule(path, 'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false');
  }
  checkPercentInt(o.maxEjectionPercent, path.child('maxEjectionPercent'), c);
  checkPercentInt(o.minHealthPercent, path.child('minHealthPercent'), c);
}

function checkLoadBalancer(lb: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(lb)) return;
  const ch = lb.consistentHash;
  if (isObj(ch)) {
    if (isObj(ch.httpCookie) && !ch.httpCookie.name) c.required(path.child('consistentHash').child('httpCookie').child('name'), 'name required for HttpCookie');
    if (ch.minimumRingSize && (ch.ringHash || ch.maglev)) c.objectRule(path.child('consistentHash'), 'only one of MinimumRingSize or Maglev/Ringhash can be specified');
    if (isObj(ch.maglev)) {
      const size = ch.maglev.tableSize ?? 0;
      const p = path.child('consistentHash').child('maglev').child('tableSize');
      if (size === 0) c.required(p, 'tableSize must be set for maglev');
      else if (size >= 5000011) c.invalid(p, size, 'tableSize must be less than 5000011 for maglev');
      else if (!isPrime(size)) c.invalid(p, size, 'tableSize must be a prime number for maglev');
    }
  }
  checkDuration(lb.warmupDurationSecs, path.child('warmupDurationSecs'), c);
}

function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  for (let f = 3; f * f <= x; f += 2) if (x % f === 0) return false;
  return true;
}

function checkTrafficPolicy(policy: unknown, path: FieldPath, c: Causes): void {
  if (policy === undefined) return;
  const p = isObj(policy) ? policy : {};
  const fields = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol'];
  if (!fields.some((f) => p[f] !== undefined)) return c.required(path, 'traffic policy must have at least one field');
  if (p.tunnel !== undefined && p.proxyProtocol !== undefined) return c.objectRule(path, 'tunnel and proxyProtocol must not be set together');
  checkOutlier(p.outlierDetection, path.child('outlierDetection'), c);
  checkConnectionPool(p.connectionPool, path.child('connectionPool'), c);
  checkLoadBalancer(p.loadBalancer, path.child('loadBalancer'), c);
  checkClientTls(p.tls, path.child('tls'), c);
  list(p.portLevelSettings).forEach((pl, i) => {
    const pp = path.child('portLevelSettings').index(i);
    if (!isObj(pl)) return c.required(pp, 'traffic policy may not be null');
    if (pl.port === undefined) c.required(pp.child('port'), 'portTrafficPolicy must have valid port');
    if (pl.outlierDetection === undefined && pl.connectionPool === undefined && pl.loadBalancer === undefined && pl.tls === undefined) {
      return c.required(pp, 'port traffic policy must have at least one field');
    }
    checkOutlier(pl.outlierDetection, pp.child('outlierDetection'), c);
    checkConnectionPool(pl.connectionPool, pp.child('connectionPool'), c);
    checkLoadBalancer(pl.loadBalancer, pp.child('loadBalancer'), c);
    checkClientTls(pl.tls, pp.child('tls'), c);
  });
}

export function checkDestinationRule(spec: Record<string, any>, namespace: string, path: FieldPath, c: Causes): void {
  if (typeof spec.host === 'string') {
    const err = validateWildcardDomain(spec.host);
    if (spec.host === '') c.required(path.child('host'), err);
    else if (err) c.invalid(path.child('host'), spec.host, err);
  }
  checkTrafficPolicy(spec.trafficPolicy, path.child('trafficPolicy'), c);
  const names = new Set<string>();
  list(spec.subsets).forEach((s, i) => {
    const p = path.child('subsets').index(i);
    if (!isObj(s)) return c.required(p, 'subset may not be null');
    const name = String(s.name ?? '');
    if (names.has(name)) c.invalid(p.child('name'), name, `duplicate subset names: ${name}`);
    names.add(name);
    checkSubsetName(name, p.child('name'), c);
    if (isObj(s.labels)) for (const e of validateLabels(s.labels)) c.invalid(p.child('labels'), 'object', e);
    checkTrafficPolicy(s.trafficPolicy, p.child('trafficPolicy'), c);
  });
  checkExportTo(spec.exportTo, namespace, path.child('exportTo'), c);
  if (isObj(spec.workloadSelector)) checkSelectorLabels(spec.workloadSelector.matchLabels, path.child('workloadSelector').child('matchLabels'), c);
}

const PROTOCOLS = ['HTTP', 'HTTPS', 'GRPC', 'GRPC-WEB', 'HTTP2', 'HTTP_PROXY', 'MONGO', 'REDIS', 'MYSQL', 'TCP', 'TLS', 'UDP'];
const isKnownProtocol = (p: unknown) => PROTOCOLS.includes(String(p ?? '').toUpperCase());
const isTlsProtocol = (p: unknown) => ['HTTPS', 'TLS'].includes(String(p).toUpperCase());
const isHttpProtocol = (p: unknown) => ['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY'].includes(String(p).toUpperCase());

function checkServerTls(tls: unknown, path: FieldPath, c: Causes): void {
  if (!isObj(tls)) return;
  const mode = tls.mode ?? 'PASSTHROUGH';
  if (mode === 'ISTIO_MUTUAL') {
    if (tls.serverCertificate) c.objectRule(path, 'ISTIO_MUTUAL TLS cannot have associated server certificate');
    if (tls.privateKey) c.objectRule(path, 'ISTIO_MUTUAL TLS cannot have associated private key');
    if (tls.caCertificates) c.objectRule(path, 'ISTIO_MUTUAL TLS cannot have associated CA bundle');
    if (tls.credentialName) c.objectRule(path, 'ISTIO_MUTUAL TLS cannot have associated credentialName');
    return;
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') && (tls.credentialName || list(tls.credentialNames).length)) return;
  if (mode === 'SIMPLE') {
    if (!tls.serverCertificate) c.required(path.child('serverCertificate'), 'SIMPLE TLS requires a server certificate');
    if (!tls.privateKey) c.required(path.child('privateKey'), 'SIMPLE TLS requires a private key');
  } else if (mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') {
    if (!tls.serverCertificate) c.required(path.child('serverCertificate'), 'MUTUAL TLS requires a server certificate');
    if (!tls.privateKey) c.required(path.child('privateKey'), 'MUTUAL TLS requires a private key');
    if (!tls.caCertificates) c.required(path.child('caCertificates'), 'MUTUAL TLS requires a client CA bundle');
  }
}

const goPort = (port: Record<string, any>) => [port.number ? `number:${port.number}` : '', port.protocol ? `protocol:"${port.protocol}"` : ''].filter(Boolean).join(' ');

export function checkGateway(spec: Record<string, any>, name: string, path: FieldPath, c: Causes): void {
  if (name && !isDns1123Label(name)) c.invalid(new FieldPath('metadata.name'), name, `invalid gateway name: "${name}"`);
  const servers = list(spec.servers);
  if (!servers.length) c.required(path.child('servers'), 'gateway must have at least one server');
  const portNames = new Set<string>();
  servers.forEach((s, i) => {
    const p = path.child('servers').index(i);
    if (!isObj(s)) return c.required(p, 'server may not be nil');
    const hosts = list(s.hosts);
    if (!hosts.length && s.hosts !== undefined) c.required(p.child('hosts'), 'server config must contain at least one host');
    hosts.forEach((h, j) => {
      for (const e of validateNamespaceSlashHost(String(h), true)) c.invalid(p.child('hosts').index(j), h, e);
    });
    const port = isObj(s.port) ? s.port : undefined;
    let portOk = !!port;
    if (port) {
      const pp = p.child('port');
      if (!isKnownProtocol(port.protocol)) {
        portOk = false;
        c.invalid(pp.child('protocol'), port.protocol ?? '', `invalid protocol "${port.protocol ?? ''}", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`);
      }
      if (typeof port.number === 'number' && (port.number > 0 || !String(s.bind ?? '').startsWith('unix://'))) {
        const err = validatePort(port.number);
        if (err) {
          portOk = false;
          c.invalid(pp.child('number'), port.number, err);
        }
      }
      if (typeof port.targetPort === 'number' && port.targetPort > 0) c.invalid(pp.child('targetPort'), port.targetPort, 'targetPort has no impact on Gateways');
      if (port.name === '') {
        portOk = false;
        c.required(pp.child('name'), `port name must be set: ${goPort(port)}`);
      }
      if (port.name !== undefined) {
        if (portNames.has(port.name)) c.invalid(pp.child('name'), port.name, `port names in servers must be unique: duplicate name ${port.name}`);
        portNames.add(port.name);
      }
    }
    if (typeof s.bind === 'string' && s.bind && !s.bind.startsWith('unix://') && !isIpAddress(s.bind)) c.invalid(p.child('bind'), s.bind, `${s.bind} is not a valid IP`);
    checkServerTls(s.tls, p.child('tls'), c);
    if (port && portOk) {
      if (isTlsProtocol(port.protocol) && s.tls === undefined) c.required(p.child('tls'), 'server must have TLS settings for HTTPS/TLS protocols');
      else if (!isTlsProtocol(port.protocol) && isObj(s.tls)) {
        const redirectOnly = Object.keys(s.tls).every((k) => k === 'httpsRedirect');
        if (isHttpProtocol(port.protocol)) {
          if (!redirectOnly) c.objectRule(p.child('tls'), 'server cannot have TLS settings for plain text HTTP ports');
        } else c.objectRule(p.child('tls'), 'server cannot have TLS settings for non HTTPS/TLS ports');
      }
    }
  });
  if (isObj(spec.selector)) checkSelectorLabels(spec.selector, path.child('selector'), c);
}

export function checkServiceEntry(spec: Record<string, any>, namespace: string, path: FieldPath, c: Causes): void {
  const hosts = list(spec.hosts);
  if (!hosts.length && spec.hosts !== undefined) c.required(path.child('hosts'), 'service entry must have at least one host');
  hosts.forEach((h, i) => {
    if (h === '*') return c.invalid(path.child('hosts').index(i), h, 'invalid host *');
    const err = validateWildcardDomain(String(h));
    if (err) c.invalid(path.child('hosts').index(i), h, err);
  });
  const numbers = new Set<number>();
  const names = new Set<string>();
  list(spec.ports).forEach((port, i) => {
    if (!isObj(port)) return;
    const p = path.child('ports').index(i);
    if (typeof port.number === 'number') {
      const err = validatePort(port.number);
      if (err) c.invalid(p.child('number'), port.number, err);
      if (numbers.has(port.number)) c.invalid(p.child('number'), port.number, `service entry port ${port.number} already defined`);
      numbers.add(port.number);
    }
    if (typeof port.name === 'string') {
      if (names.has(port.name)) c.invalid(p.child('name'), port.name, `service entry port name ${port.name} already defined`);
      names.add(port.name);
    }
    if (port.protocol !== undefined && !isKnownProtocol(port.protocol)) c.invalid(p.child('protocol'), port.protocol, `unrecognized protocol name: ${port.protocol}`);
  });
  const resolution = spec.resolution ?? 'NONE';
  const endpoints = list(spec.endpoints);
  if (resolution === 'STATIC' && !endpoints.length && spec.workloadSelector === undefined && !hosts.length) {
    c.required(path.child('endpoints'), 'endpoints must be provided if service entry discovery mode is static');
  }
  endpoints.forEach((ep, i) => {
    if (!isObj(ep)) return;
    const p = path.child('endpoints').index(i);
    if (resolution === 'STATIC' && typeof ep.address === 'string' && !ep.address.startsWith('unix://') && !isIpAddress(ep.address)) {
      c.invalid(p.child('address'), ep.address, `endpoint address "${ep.address}" is not a valid IP address`);
    }
    for (const [name, port] of Object.entries(isObj(ep.ports) ? ep.ports : {})) {
      if (!names.has(name)) c.invalid(p.child('ports').key(name), port, `endpoint port ${port} is not defined by the service entry`);
    }
  });
  checkExportTo(spec.exportTo, namespace, path.child('exportTo'), c, true);
  if (isObj(spec.workloadSelector)) checkSelectorLabels(spec.workloadSelector.labels, path.child('workloadSelector').child('labels'), c);
}

export function checkSidecar(spec: Record<string, any>, path: FieldPath, c: Causes): void {
  if (isObj(spec.workloadSelector)) checkSelectorLabels(spec.workloadSelector.labels, path.child('workloadSelector').child('labels'), c);
  const ingress = list(spec.ingress);
  const egress = list(spec.egress);
  if (!ingress.length && !egress.length && spec.outboundTrafficPolicy === undefined && spec.inboundConnectionPool === undefined) {
    return c.required(path, 'sidecar: empty configuration provided');
  }
  const ports = new Set<number>();
  ingress.forEach((i, n) => {
    const p = path.child('ingress').index(n);
    if (!isObj(i)) return c.required(p, 'sidecar: ingress may not be null');
    if (!isObj(i.port)) return;
    if (typeof i.port.targetPort === 'number' && i.port.targetPort > 0) c.invalid(p.child('port').child('targetPort'), i.port.targetPort, 'targetPort has no impact on Sidecars');
    if (typeof i.port.number === 'number') {
      const err = validatePort(i.port.number);
      if (err) c.invalid(p.child('port').child('number'), i.port.number, err);
      if (ports.has(i.port.number)) c.invalid(p.child('port').child('number'), i.port.number, 'sidecar: ports on IP bound listeners must be unique');
      ports.add(i.port.number);
    }
    if (i.port.protocol !== undefined && !isKnownProtocol(i.port.protocol)) c.invalid(p.child('port').child('protocol'), i.port.protocol, `unrecognized protocol name: ${i.port.protocol}`);
    checkConnectionPool(i.connectionPool, p.child('connectionPool'), c);
  });
  checkConnectionPool(spec.inboundConnectionPool, path.child('inboundConnectionPool'), c);
  let catchAll = false;
  const egressPorts = new Set<number>();
  egress.forEach((e, n) => {
    const p = path.child('egress').index(n);
    if (!isObj(e)) return c.required(p, 'egress listener may not be null');
    if (e.port === undefined) {
      if (catchAll) return c.objectRule(p, 'sidecar: egress can have only one listener with empty port');
      if (n === egress.length - 1) catchAll = true;
      else c.objectRule(p, 'sidecar: the egress listener with empty port should be the last listener in the list');
    } else if (isObj(e.port) && typeof e.port.number === 'number' && e.port.number !== 0) {
      const err = validatePort(e.port.number);
      if (err) c.invalid(p.child('port').child('number'), e.port.number, err);
      if (egressPorts.has(e.port.number)) c.invalid(p.child('port').child('number'), e.port.number, 'sidecar: ports on IP bound listeners must be unique');
      egressPorts.add(e.port.number);
    }
    const hosts = list(e.hosts);
    if (!hosts.length) c.required(p.child('hosts'), 'sidecar: egress listener must contain at least one host');
    hosts.forEach((h, j) => {
      for (const err of validateNamespaceSlashHost(String(h), false)) c.invalid(p.child('hosts').index(j), h, err);
    });
  });
  const otp = spec.outboundTrafficPolicy;
  if (isObj(otp) && otp.egressProxy !== undefined) {
    const p = path.child('outboundTrafficPolicy');
    if (otp.mode !== 'ALLOW_ANY') c.objectRule(p, 'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode');
    else if (!isObj(otp.egressProxy) || otp.egressProxy.port === undefined) c.required(p.child('egressProxy').child('port'), 'sidecar: egress_proxy port must be non-nil');
    else checkDestination(otp.egressProxy, p.child('egressProxy'), c);
  }
}
