/**
 * The spec shapes of the Istio kinds the embedded cluster serves, with the field names and
 * enums of Istio's current CRDs (networking v1, security v1; fields added since 1.28 included), so the embedded cluster
 * refuses what a cluster with Istio refuses; descriptions are short paraphrases for editor hovers.
 */
import { ISTIO_KIND_LIST, type IstioKindName } from '../../kinds.ts';
import { any, arr, bool, duration, enumOf, int, labels, map, num, obj, str, strings, uint32, type Shape } from './schema-dsl.ts';

const stringMatch = obj(
  { exact: str('exact string match'), prefix: str('prefix-based match'), regex: str('RE2 style regex-based match') },
  { oneOf: [['exact', 'prefix', 'regex']], description: 'Exactly one of exact, prefix or regex.' },
);
const percent = obj({ value: num('Percentage in the range of [0.0, 100.0].') });
const portSelector = obj({ number: uint32('Valid port number') });
const destination = obj(
  {
    host: str('The name of a service from the service registry, e.g. reviews or reviews.default.svc.cluster.local.'),
    subset: str('The name of a subset within the service (declared in a DestinationRule).'),
    port: portSelector,
  },
  { required: ['host'] },
);
const headerOperations = obj({ set: labels('Overwrite the headers specified by key with the given values'), add: labels('Append the given values to the headers specified by keys'), remove: strings('Remove the specified headers') });
const headers = obj({ request: headerOperations, response: headerOperations });
const workloadSelectorV1 = obj({ matchLabels: labels('One or more labels that indicate a specific set of pods/VMs.') });
const alphaWorkloadSelector = obj({ labels: labels('One or more labels that indicate a specific set of pods/VMs.') });
const policyTargetRef = obj({ group: str(), kind: str(), name: str(), namespace: str() }, { required: ['kind', 'name'] });

const httpMatchRequest = obj({
  name: str('The name assigned to a match.'),
  uri: stringMatch,
  scheme: stringMatch,
  method: stringMatch,
  authority: stringMatch,
  headers: map(stringMatch, 'The header keys must be lowercase and use hyphen as the separator.'),
  port: uint32('Specifies the ports on the host that is being addressed.'),
  sourceLabels: labels('One or more labels that constrain the applicability of a rule to source workloads.'),
  gateways: strings('Names of gateways where the rule should be applied.'),
  queryParams: map(stringMatch, 'Query parameters for matching.'),
  ignoreUriCase: bool('Flag to specify whether the URI matching should be case-insensitive.'),
  withoutHeaders: map(stringMatch, 'withoutHeader has the same syntax with the header, but has opposite meaning.'),
  sourceNamespace: str('Source namespace constraining the applicability of a rule to workloads in that namespace.'),
  statPrefix: str('The human readable prefix to use when emitting statistics for this route.'),
});

const httpRouteDestination = obj(
  {
    destination,
    weight: int('Weight specifies the relative proportion of traffic to be forwarded to the destination.'),
    headers,
  },
  { required: ['destination'] },
);

const httpRoute = obj({
  name: str('The name assigned to the route for debugging purposes.'),
  match: arr(httpMatchRequest, 'Match conditions to be satisfied for the rule to be activated.'),
  route: arr(httpRouteDestination, 'A HTTP rule can either return a direct_response, redirect or forward (default) traffic.'),
  redirect: obj(
    {
      uri: str(), authority: str(), port: uint32(), derivePort: enumOf(['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT']),
      scheme: str(), redirectCode: uint32(), prefixRewrite: str('On a redirect, replace the matched prefix with this value.'),
    },
    { oneOf: [['port', 'derivePort']] },
  ),
  directResponse: obj({ status: uint32('Specifies the HTTP response status to be returned.'), body: obj({ string: str(), bytes: str() }, { oneOf: [['string', 'bytes']] }) }, { required: ['status'] }),
  delegate: obj({ name: str(), namespace: str() }),
  rewrite: obj({ uri: str(), authority: str(), uriRegexRewrite: obj({ match: str(), rewrite: str() }) }),
  timeout: duration('Timeout for HTTP requests, default is disabled.'),
  retries: obj({
    attempts: int('Number of retries to be allowed for a given request.'),
    perTryTimeout: duration('Timeout per attempt for a given request, including the initial call and any retries.'),
    retryOn: str('Specifies the conditions under which retry takes place.'),
    retryRemoteLocalities: bool('Flag to specify whether the retries should retry to other localities.'),
    retryIgnorePreviousHosts: bool(),
    backoff: duration(),
  }),
  fault: obj({
    delay: obj(
      {
        fixedDelay: duration('Add a fixed delay before forwarding the request.'),
        exponentialDelay: duration(),
        percentage: percent,
        percent: int('Percentage of requests on which the delay will be injected (deprecated; use percentage).'),
      },
      { oneOf: [['fixedDelay', 'exponentialDelay']] },
    ),
    abort: obj(
      {
        httpStatus: int('HTTP status code to use to abort the Http request.'),
        grpcStatus: str('GRPC status code to use to abort the request.'),
        http2Error: str(),
        percentage: percent,
        percent: int('Percentage of requests to be aborted (deprecated; use percentage).'),
      },
      { oneOf: [['httpStatus', 'grpcStatus', 'http2Error']] },
    ),
  }),
  mirror: destination,
  mirrors: arr(obj({ destination, percentage: percent }, { required: ['destination'] })),
  mirrorPercentage: percent,
  mirrorPercent: uint32('Deprecated; use mirrorPercentage.'),
  mirror_percent: uint32(),
  corsPolicy: obj({
    allowOrigins: arr(stringMatch),
    allowOrigin: strings('Deprecated; use allowOrigins.'),
    allowMethods: strings(),
    allowHeaders: strings(),
    exposeHeaders: strings(),
    maxAge: duration(),
    allowCredentials: bool(),
    unmatchedPreflights: enumOf(['UNSPECIFIED', 'FORWARD', 'IGNORE']),
  }),
  headers,
});

const l4Match = {
  destinationSubnets: strings('IPv4 or IPv6 ip addresses of destination with optional subnet.'),
  port: uint32(),
  sourceLabels: labels(),
  gateways: strings(),
  sourceNamespace: str(),
};
const tcpMatch = { ...l4Match, sourceSubnet: str() };
const routeDestination = obj({ destination, weight: int() }, { required: ['destination'] });

const virtualService = obj({
  hosts: strings('The destination hosts to which traffic is being sent.'),
  gateways: strings('The names of gateways and sidecars that should apply these routes.'),
  http: arr(httpRoute, 'An ordered list of route rules for HTTP traffic.'),
  tls: arr(obj({ match: arr(obj({ sniHosts: strings('SNI (server name indicator) to match on.'), ...l4Match }, { required: ['sniHosts'] })), route: arr(routeDestination) }, { required: ['match'] })),
  tcp: arr(obj({ match: arr(obj(tcpMatch)), route: arr(routeDestination) })),
  exportTo: strings('A list of namespaces to which this virtual service is exported.'),
});

const clientTls = obj({
  mode: enumOf(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'], 'Indicates whether connections to this port should be secured using TLS.'),
  clientCertificate: str(),
  privateKey: str(),
  caCertificates: str(),
  credentialName: str(),
  subjectAltNames: strings(),
  sni: str(),
  insecureSkipVerify: bool(),
  caCrl: str(),
});

const loadBalancer = obj(
  {
    simple: enumOf(['UNSPECIFIED', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST', 'LEAST_CONN']),
    consistentHash: obj(
      {
        httpHeaderName: str('Hash based on a specific HTTP header.'),
        httpCookie: obj({ name: str('Name of the cookie.'), path: str('Path to set for the cookie.'), ttl: duration('Lifetime of the cookie.'), attributes: arr(obj({ name: str(), value: str() })) }, { required: ['name'] }),
        useSourceIp: bool('Hash based on the source IP address.'),
        httpQueryParameterName: str('Hash based on a specific HTTP query parameter.'),
        ringHash: obj({ minimumRingSize: uint32() }),
        maglev: obj({ tableSize: uint32() }),
        minimumRingSize: uint32('Deprecated.'),
      },
      { oneOf: [['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'], ['ringHash', 'maglev']] },
    ),
    localityLbSetting: obj({
      distribute: arr(obj({ from: str(), to: map(uint32()) })),
      failover: arr(obj({ from: str(), to: str() })),
      failoverPriority: strings(),
      enabled: bool(),
    }),
    warmupDurationSecs: duration('Represents the warmup duration of Service.'),
    warmup: obj({ duration: duration(), minimumPercent: num(), aggression: num() }, { required: ['duration'] }),
    backendUtilization: obj({
      weightUpdatePeriod: str(), weightExpirationPeriod: str(), weightStabilizationPeriod: str(),
      errorUtilizationPenaltyPercent: uint32(), metricNamesForComputingUtilization: strings(),
    }),
    zoneAwareLbSetting: obj({ enabled: bool(), minClusterSize: uint32(), failover: arr(obj({ from: str(), to: str() })), failoverPriority: strings() }),
  },
  { oneOf: [['simple', 'consistentHash']] },
);

const connectionPool = obj({
  tcp: obj({
    maxConnections: int('Maximum number of HTTP1 /TCP connections to a destination host.'),
    connectTimeout: duration('TCP connection timeout.'),
    tcpKeepalive: obj({ probes: uint32(), time: duration(), interval: duration() }),
    maxConnectionDuration: duration(),
    idleTimeout: duration(),
  }),
  http: obj({
    http1MaxPendingRequests: int('Maximum number of requests that will be queued while waiting for a ready connection pool connection.'),
    http2MaxRequests: int('Maximum number of active requests to a destination.'),
    maxRequestsPerConnection: int('Maximum number of requests per connection to a backend.'),
    maxRetries: int('Maximum number of retries that can be outstanding to all hosts in a cluster at a given time.'),
    idleTimeout: duration('The idle timeout for upstream connection pool connections.'),
    h2UpgradePolicy: enumOf(['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE']),
    useClientProtocol: bool(),
    maxConcurrentStreams: int(),
    http2KeepAlive: obj({ interval: duration(), timeout: duration() }),
  }),
});

const outlierDetection = obj({
  splitExternalLocalOriginErrors: bool(),
  consecutiveLocalOriginFailures: uint32(),
  consecutiveGatewayErrors: uint32('Number of gateway errors before a host is ejected from the connection pool.'),
  consecutive5xxErrors: uint32('Number of 5xx errors before a host is ejected from the connection pool.'),
  interval: duration('Time interval between ejection sweep analysis.'),
  baseEjectionTime: duration('Minimum ejection duration.'),
  maxEjectionPercent: int('Maximum % of hosts in the load balancing pool for the upstream service that can be ejected.'),
  minHealthPercent: int('Outlier detection will be enabled as long as the associated load balancing pool has at least minHealthPercent hosts in healthy mode.'),
  consecutiveErrors: int('Deprecated; use consecutiveGatewayErrors or consecutive5xxErrors.'),
  outlierDetectionHttpErrorCodes: arr(int(undefined, { minimum: 0, maximum: 599 })),
});

const portTrafficPolicy = obj({ port: portSelector, loadBalancer, connectionPool, outlierDetection, tls: clientTls });

const trafficPolicy = obj({
  loadBalancer,
  connectionPool,
  outlierDetection,
  tls: clientTls,
  portLevelSettings: arr(portTrafficPolicy, 'Traffic policies specific to individual ports.'),
  tunnel: obj({ protocol: str(), targetHost: str(), targetPort: uint32() }, { required: ['targetHost', 'targetPort'] }),
  proxyProtocol: obj({ version: enumOf(['V1', 'V2']) }),
  retryBudget: obj({ percent: num(), minRetryConcurrency: uint32(), budgetInterval: str() }),
});

const destinationRule = obj(
  {
    host: str('The name of a service from the service registry.'),
    trafficPolicy,
    subsets: arr(obj({ name: str('Name of the subset.'), labels: labels('Labels apply a filter over the endpoints of a service in the service registry.'), trafficPolicy }, { required: ['name'] })),
    exportTo: strings('A list of namespaces to which this destination rule is exported.'),
    workloadSelector: workloadSelectorV1,
  },
  { required: ['host'] },
);

const serverTls = obj({
  httpsRedirect: bool(),
  mode: enumOf(['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL']),
  serverCertificate: str(),
  privateKey: str(),
  caCertificates: str(),
  caCrl: str(),
  credentialName: str(),
  credentialNames: strings(),
  tlsCertificates: arr(obj({ serverCertificate: str(), privateKey: str(), caCertificates: str() })),
  subjectAltNames: strings(),
  verifyCertificateSpki: strings(),
  verifyCertificateHash: strings(),
  minProtocolVersion: enumOf(['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3']),
  maxProtocolVersion: enumOf(['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3']),
  cipherSuites: strings(),
  ecdhCurves: strings(),
  caCertCredentialName: str(),
  insecureSkipVerify: bool(),
});

const serverPort = obj(
  { number: uint32('A valid non-negative integer port number.'), protocol: str('The protocol exposed on the port: HTTP|HTTPS|GRPC|GRPC-WEB|HTTP2|MONGO|TCP|TLS.'), name: str('Label assigned to the port.'), targetPort: uint32() },
  { required: ['number', 'protocol', 'name'] },
);

const gateway = obj({
  servers: arr(
    obj(
      {
        port: serverPort,
        bind: str(),
        hosts: strings('One or more hosts exposed by this gateway.'),
        tls: serverTls,
        defaultEndpoint: str(),
        name: str('An optional name of the server.'),
      },
      { required: ['port', 'hosts'] },
    ),
    'A list of server specifications.',
  ),
  selector: labels('One or more labels that indicate a specific set of pods/VMs on which this gateway configuration should be applied.'),
});

const serviceEntry = obj(
  {
    hosts: strings('The hosts associated with the ServiceEntry.'),
    addresses: strings('The virtual IP addresses associated with the service.'),
    ports: arr(obj({ number: uint32(), protocol: str(), name: str(), targetPort: uint32() }, { required: ['number', 'name'] })),
    location: enumOf(['MESH_EXTERNAL', 'MESH_INTERNAL']),
    resolution: enumOf(['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS']),
    endpoints: arr(obj({ address: str(), ports: map(uint32()), labels: labels(), network: str(), locality: str(), weight: uint32(), serviceAccount: str() })),
    workloadSelector: alphaWorkloadSelector,
    exportTo: strings(),
    subjectAltNames: strings(),
  },
  { required: ['hosts'] },
);

const sidecarPort = obj({ number: uint32(), protocol: str(), name: str(), targetPort: uint32() });
const sidecar = obj({
  workloadSelector: alphaWorkloadSelector,
  ingress: arr(
    obj(
      {
        port: sidecarPort,
        bind: str(),
        captureMode: enumOf(['DEFAULT', 'IPTABLES', 'NONE']),
        defaultEndpoint: str(),
        tls: serverTls,
        connectionPool,
      },
      { required: ['port'] },
    ),
  ),
  egress: arr(obj({ port: sidecarPort, bind: str(), captureMode: enumOf(['DEFAULT', 'IPTABLES', 'NONE']), hosts: strings() }, { required: ['hosts'] })),
  inboundConnectionPool: connectionPool,
  outboundTrafficPolicy: obj({ mode: enumOf(['REGISTRY_ONLY', 'ALLOW_ANY']), egressProxy: destination }),
});

const mtls = obj({ mode: enumOf(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'], 'Defines the mTLS mode used for peer authentication.') });
const peerAuthentication = obj({
  selector: workloadSelectorV1,
  mtls,
  portLevelMtls: map(mtls, 'Port specific mutual TLS settings.'),
});

const source = obj({
  principals: strings(), notPrincipals: strings(),
  requestPrincipals: strings(), notRequestPrincipals: strings(),
  namespaces: strings(), notNamespaces: strings(),
  serviceAccounts: strings(), notServiceAccounts: strings(),
  ipBlocks: strings(), notIpBlocks: strings(),
  remoteIpBlocks: strings(), notRemoteIpBlocks: strings(),
  trustDomains: strings(), notTrustDomains: strings(),
});
const operation = obj({
  hosts: strings(), notHosts: strings(),
  ports: strings(), notPorts: strings(),
  methods: strings(), notMethods: strings(),
  paths: strings(), notPaths: strings(),
});
const authorizationPolicy = obj({
  selector: workloadSelectorV1,
  targetRef: policyTargetRef,
  targetRefs: arr(policyTargetRef),
  rules: arr(
    obj({
      from: arr(obj({ source })),
      to: arr(obj({ operation })),
      when: arr(obj({ key: str('The name of an Istio attribute.'), values: strings(), notValues: strings() }, { required: ['key'] })),
    }),
    'Optional. A list of rules to match the request.',
  ),
  action: enumOf(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'], 'Optional. The action to take if the request is matched with the rules. Default is ALLOW if not specified.'),
  provider: obj({ name: str('Specifies the name of the extension provider.') }),
});

const requestAuthentication = obj({
  selector: workloadSelectorV1,
  targetRef: policyTargetRef,
  targetRefs: arr(policyTargetRef),
  jwtRules: arr(
    obj(
      {
        issuer: str('Identifies the issuer that issued the JWT.'),
        audiences: strings(),
        jwksUri: str(),
        jwks_uri: str(),
        jwks: str(),
        fromHeaders: arr(obj({ name: str(), prefix: str() }, { required: ['name'] })),
        fromParams: strings(),
        outputPayloadToHeader: str(),
        fromCookies: strings(),
        forwardOriginalToken: bool(),
        outputClaimToHeaders: arr(obj({ header: str(), claim: str() })),
        timeout: duration(),
        presence: enumOf(['OPTIONAL', 'REQUIRED']),
        spaceDelimitedClaims: strings(),
      },
      { required: ['issuer'] },
    ),
  ),
});

export interface IstioKind {
  kind: string;
  group: string;
  versions: readonly string[];
  spec: Shape;
}

/** Each Istio kind's spec shape; the type makes a new Istio kind in the list of kinds need one. */
const SPECS: Record<IstioKindName, Shape> = {
  VirtualService: virtualService,
  DestinationRule: destinationRule,
  Gateway: gateway,
  ServiceEntry: serviceEntry,
  Sidecar: sidecar,
  PeerAuthentication: peerAuthentication,
  AuthorizationPolicy: authorizationPolicy,
  RequestAuthentication: requestAuthentication,
};

/** The Istio kinds by name (unique among Istio's groups), from the one list of kinds. */
const ISTIO_KINDS = new Map<string, IstioKind>(
  ISTIO_KIND_LIST.map((k) => [k.kind, { kind: k.kind, group: k.group, versions: k.versions, spec: SPECS[k.kind as IstioKindName] }]),
);

/** The Istio kind of this name, or undefined (own entries only: `constructor` is no kind). */
export const istioKind = (kind: string): IstioKind | undefined => ISTIO_KINDS.get(kind);
export const ISTIO_KIND_NAMES: readonly string[] = [...ISTIO_KINDS.keys()];
/** Istio's API groups, where the validating webhook applies. */
export const ISTIO_GROUPS: ReadonlySet<string> = new Set(ISTIO_KIND_LIST.map((k) => k.group));

/** Free-form metadata as the apiserver accepts it on every object. */
export const METADATA_SHAPE: Shape = obj({
  name: str(), namespace: str(), generateName: str(), labels: labels(), annotations: labels(),
  uid: str(), resourceVersion: str(), generation: int(), creationTimestamp: any(), deletionTimestamp: any(),
  deletionGracePeriodSeconds: int(), finalizers: strings(), ownerReferences: arr(any()), managedFields: arr(any()),
});
