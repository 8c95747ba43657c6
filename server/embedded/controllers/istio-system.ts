/** What a default Istio 1.28 install (plus the tracing addon) puts in istio-system, trimmed to what shows. */

export const ISTIO_VERSION = '1.28.0';

export interface WorkloadSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  podLabels: Record<string, string>;
  podAnnotations?: Record<string, string>;
  serviceAccount: string;
  replicas?: number;
  /** A node agent: a DaemonSet (one pod per matching node) instead of a Deployment. */
  daemon?: boolean;
  nodeSelector?: Record<string, string>;
  containers: any[];
}

export interface ServiceSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  selector?: Record<string, string>;
  type?: string;
  clusterIP?: string;
  ports: any[];
  status?: any;
}

export const readiness = (path: string, port: number) => ({
  httpGet: { path, port, scheme: 'HTTP' },
  initialDelaySeconds: 1,
  periodSeconds: 3,
  timeoutSeconds: 5,
  successThreshold: 1,
  failureThreshold: 3,
});

const istiodLabels = { app: 'istiod', istio: 'pilot', 'istio.io/rev': 'default', 'install.operator.istio.io/owning-resource': 'unknown', 'operator.istio.io/component': 'Pilot' };
const gatewayLabels = { app: 'istio-ingressgateway', istio: 'ingressgateway', 'install.operator.istio.io/owning-resource': 'unknown', 'operator.istio.io/component': 'IngressGateways', 'istio.io/rev': 'default' };

export const ISTIO_WORKLOADS: WorkloadSpec[] = [
  {
    name: 'istiod',
    namespace: 'istio-system',
    labels: { ...istiodLabels, release: 'istio' },
    podLabels: { ...istiodLabels, 'sidecar.istio.io/inject': 'false' },
    podAnnotations: { 'prometheus.io/port': '15014', 'prometheus.io/scrape': 'true', 'sidecar.istio.io/inject': 'false' },
    serviceAccount: 'istiod',
    containers: [
      {
        name: 'discovery',
        image: `docker.io/istio/pilot:${ISTIO_VERSION}`,
        args: ['discovery', '--monitoringAddr=:15014', '--log_output_level=default:info', '--domain', 'cluster.local', '--keepaliveMaxServerConnectionAge', '30m'],
        ports: [
          { containerPort: 8080, name: 'http-debug', protocol: 'TCP' },
          { containerPort: 15010, name: 'grpc-xds', protocol: 'TCP' },
          { containerPort: 15012, name: 'tls-xds', protocol: 'TCP' },
          { containerPort: 15017, name: 'https-webhooks', protocol: 'TCP' },
          { containerPort: 15014, name: 'http-monitoring', protocol: 'TCP' },
        ],
        readinessProbe: readiness('/ready', 8080),
        resources: { requests: { cpu: '500m', memory: '2Gi' } },
      },
    ],
  },
  {
    name: 'istio-ingressgateway',
    namespace: 'istio-system',
    labels: { ...gatewayLabels, release: 'istio' },
    podLabels: { ...gatewayLabels, chart: 'gateways', heritage: 'Tiller', release: 'istio', 'service.istio.io/canonical-name': 'istio-ingressgateway', 'service.istio.io/canonical-revision': 'latest', 'sidecar.istio.io/inject': 'false' },
    podAnnotations: { 'prometheus.io/path': '/stats/prometheus', 'prometheus.io/port': '15020', 'prometheus.io/scrape': 'true', 'sidecar.istio.io/inject': 'false' },
    serviceAccount: 'istio-ingressgateway-service-account',
    containers: [
      {
        name: 'istio-proxy',
        image: `docker.io/istio/proxyv2:${ISTIO_VERSION}`,
        args: ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info'],
        ports: [
          { containerPort: 15021, protocol: 'TCP' },
          { containerPort: 8080, protocol: 'TCP' },
          { containerPort: 8443, protocol: 'TCP' },
          { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
        ],
        readinessProbe: readiness('/healthz/ready', 15021),
        resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
      },
    ],
  },
  {
    name: 'jaeger',
    namespace: 'istio-system',
    labels: { app: 'jaeger' },
    podLabels: { app: 'jaeger', 'sidecar.istio.io/inject': 'false' },
    podAnnotations: { 'prometheus.io/port': '14269', 'prometheus.io/scrape': 'true' },
    serviceAccount: 'default',
    containers: [
      {
        name: 'jaeger',
        image: 'docker.io/jaegertracing/all-in-one:1.67.0',
        env: [
          { name: 'BADGER_EPHEMERAL', value: 'false' },
          { name: 'SPAN_STORAGE_TYPE', value: 'badger' },
          { name: 'COLLECTOR_ZIPKIN_HOST_PORT', value: ':9411' },
          { name: 'COLLECTOR_OTLP_ENABLED', value: 'true' },
          { name: 'QUERY_BASE_PATH', value: '/jaeger' },
        ],
        readinessProbe: readiness('/', 14269),
        resources: { requests: { cpu: '10m' } },
      },
    ],
  },
];

export const ISTIO_SERVICES: ServiceSpec[] = [
  {
    name: 'istiod',
    namespace: 'istio-system',
    labels: { app: 'istiod', istio: 'pilot', 'istio.io/rev': 'default', 'install.operator.istio.io/owning-resource': 'unknown', 'operator.istio.io/component': 'Pilot', release: 'istio' },
    selector: { app: 'istiod', istio: 'pilot' },
    ports: [
      { name: 'grpc-xds', port: 15010, protocol: 'TCP', targetPort: 15010 },
      { name: 'https-dns', port: 15012, protocol: 'TCP', targetPort: 15012 },
      { name: 'https-webhook', port: 443, protocol: 'TCP', targetPort: 15017 },
      { name: 'http-monitoring', port: 15014, protocol: 'TCP', targetPort: 15014 },
    ],
  },
  {
    name: 'istio-ingressgateway',
    namespace: 'istio-system',
    labels: { ...gatewayLabels, release: 'istio' },
    selector: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    type: 'LoadBalancer',
    ports: [
      { name: 'status-port', port: 15021, protocol: 'TCP', targetPort: 15021, nodePort: 32021 },
      { name: 'http2', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 31380 },
      { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443, nodePort: 31390 },
    ],
    status: { loadBalancer: { ingress: [{ ip: '127.0.0.1', ipMode: 'VIP' }] } },
  },
  {
    name: 'tracing',
    namespace: 'istio-system',
    labels: { app: 'jaeger' },
    selector: { app: 'jaeger' },
    ports: [
      { name: 'http-query', port: 80, protocol: 'TCP', targetPort: 16686 },
      { name: 'grpc-query', port: 16685, protocol: 'TCP', targetPort: 16685 },
    ],
  },
  {
    name: 'zipkin',
    namespace: 'istio-system',
    labels: { name: 'zipkin' },
    selector: { app: 'jaeger' },
    ports: [{ name: 'http-query', port: 9411, protocol: 'TCP', targetPort: 9411 }],
  },
  {
    name: 'jaeger-collector',
    namespace: 'istio-system',
    labels: { app: 'jaeger' },
    selector: { app: 'jaeger' },
    ports: [
      { name: 'jaeger-collector-http', port: 14268, protocol: 'TCP', targetPort: 14268 },
      { name: 'jaeger-collector-grpc', port: 14250, protocol: 'TCP', targetPort: 14250 },
      { name: 'http-zipkin', port: 9411, protocol: 'TCP', targetPort: 9411 },
      { name: 'grpc-otel', port: 4317, protocol: 'TCP', targetPort: 4317 },
      { name: 'http-otel', port: 4318, protocol: 'TCP', targetPort: 4318 },
    ],
  },
];

/** kube-system's DNS, so `kubectl get pods -A` looks like a cluster's. */
export const KUBE_SYSTEM_WORKLOADS: WorkloadSpec[] = [
  {
    name: 'coredns',
    namespace: 'kube-system',
    labels: { 'k8s-app': 'kube-dns' },
    podLabels: { 'k8s-app': 'kube-dns' },
    serviceAccount: 'coredns',
    replicas: 2,
    containers: [
      {
        name: 'coredns',
        image: 'registry.k8s.io/coredns/coredns:v1.11.3',
        args: ['-conf', '/etc/coredns/Corefile'],
        ports: [
          { containerPort: 53, name: 'dns', protocol: 'UDP' },
          { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
          { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
        ],
        readinessProbe: readiness('/ready', 8181),
        resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
      },
    ],
  },
];

export const KUBE_SYSTEM_SERVICES: ServiceSpec[] = [
  {
    name: 'kube-dns',
    namespace: 'kube-system',
    labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
    selector: { 'k8s-app': 'kube-dns' },
    clusterIP: '10.96.0.10',
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
      { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
    ],
  },
];

/**
 * The mesh config istiod reads (the `istio` ConfigMap's `mesh` key), as the demo profile sets
 * it: access logging to the proxies' stdout is on.
 */
export const ISTIO_MESH_CONFIGMAP = {
  name: 'istio',
  namespace: 'istio-system',
  labels: { app: 'istiod', 'install.operator.istio.io/owning-resource': 'unknown', 'istio.io/rev': 'default', 'operator.istio.io/component': 'Pilot', release: 'istio' },
  data: {
    mesh: [
      'accessLogFile: /dev/stdout',
      'defaultConfig:',
      '  discoveryAddress: istiod.istio-system.svc:15012',
      '  tracing:',
      '    zipkin:',
      '      address: zipkin.istio-system:9411',
      'defaultProviders:',
      '  metrics:',
      '  - prometheus',
      'enablePrometheusMerge: true',
      'rootNamespace: istio-system',
      'trustDomain: cluster.local',
    ].join('\n'),
    meshNetworks: 'networks: {}',
  },
};
