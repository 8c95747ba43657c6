import type { AdmissionHook, ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { kindsOf } from './kinds.ts';
import { DATAPLANE_MODE_LABEL } from '../istio-api/ambient-labels.ts';

export const PROXY_IMAGE = 'docker.io/istio/proxyv2:1.28.0';
const INJECT = 'sidecar.istio.io/inject';
const STATUS = 'sidecar.istio.io/status';

/**
 * Istio's injection policy: opt-in by namespace label `istio-injection=enabled` (or
 * `istio.io/rev`), or by the pod's `sidecar.istio.io/inject: "true"` label or annotation;
 * `"false"` on the pod, or `istio-injection=disabled` on the namespace, always wins.
 */
export function shouldInject(pod: KubeObject, namespace: KubeObject | undefined): boolean {
  if (podRefusesInjection(pod)) return false;
  const podSays = pod.metadata.labels?.[INJECT] ?? pod.metadata.annotations?.[INJECT];
  const nsLabels = namespace?.metadata.labels ?? {};
  if (nsLabels['istio-injection'] === 'disabled') return false;
  if (podSays === 'true') return true;
  if (nsLabels['istio-injection'] === 'enabled') return true;
  // An ambient-enrolled pod gets a sidecar only when injection is asked for explicitly, not by a revision label.
  const ambient = (pod.metadata.labels?.[DATAPLANE_MODE_LABEL] ?? nsLabels[DATAPLANE_MODE_LABEL]) === 'ambient';
  return !ambient && !!nsLabels['istio.io/rev'] && nsLabels['istio-injection'] === undefined;
}

/**
 * What rules a pod out whoever injects (the webhook or `istioctl kube-inject`): it already has
 * a sidecar, it runs on the host network, or it says `sidecar.istio.io/inject: "false"`.
 */
export function podRefusesInjection(pod: KubeObject): boolean {
  if (pod.metadata.annotations?.[STATUS]) return true;
  if (pod.spec?.hostNetwork) return true;
  return (pod.metadata.labels?.[INJECT] ?? pod.metadata.annotations?.[INJECT]) === 'false';
}

/** Adds istio-init and istio-proxy the way istiod's injection template does (trimmed to what shows). */
export function injectSidecar(pod: KubeObject): void {
  const meta = pod.metadata;
  const spec = (pod.spec ??= {});
  const appContainers: any[] = spec.containers ?? [];
  const appPorts = appContainers.flatMap((c) => (c.ports ?? []).map((p: any) => p.containerPort)).filter(Boolean);
  const labels = (meta.labels ??= {});
  const canonicalName = labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? labels.app ?? workloadName(meta);
  const canonicalRevision = labels['service.istio.io/canonical-revision'] ?? labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest';
  labels['security.istio.io/tlsMode'] = 'istio';
  labels['service.istio.io/canonical-name'] = canonicalName;
  labels['service.istio.io/canonical-revision'] = canonicalRevision;
  const annotations = (meta.annotations ??= {});
  const first = appContainers[0]?.name;
  if (first) {
    annotations['kubectl.kubernetes.io/default-container'] ??= first;
    annotations['kubectl.kubernetes.io/default-logs-container'] ??= first;
  }
  annotations['istio.io/rev'] = 'default';
  annotations['prometheus.io/path'] = '/stats/prometheus';
  annotations['prometheus.io/port'] = '15020';
  annotations['prometheus.io/scrape'] = 'true';
  const volumes = ['workload-socket', 'credential-socket', 'workload-certs', 'istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert'];
  annotations[STATUS] = JSON.stringify({ initContainers: ['istio-init'], containers: ['istio-proxy'], volumes, imagePullSecrets: null, revision: 'default' });

  spec.initContainers = [...(spec.initContainers ?? []), initContainer()];
  spec.containers = [...appContainers, proxyContainer(appPorts)];
  spec.volumes = [
    ...(spec.volumes ?? []),
    { name: 'workload-socket', emptyDir: {} },
    { name: 'credential-socket', emptyDir: {} },
    { name: 'workload-certs', emptyDir: {} },
    { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
    { name: 'istio-data', emptyDir: {} },
    { name: 'istio-podinfo', downwardAPI: { defaultMode: 420, items: [
      { path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } },
      { path: 'annotations', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.annotations' } },
    ] } },
    { name: 'istio-token', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] } },
    { name: 'istiod-ca-cert', configMap: { defaultMode: 420, name: 'istio-ca-root-cert' } },
  ];
}

function workloadName(meta: KubeObject['metadata']): string {
  const owner = meta.ownerReferences?.find((r) => r.controller) ?? meta.ownerReferences?.[0];
  // A ReplicaSet `reviews-v1-545db77b95` belongs to the Deployment `reviews-v1`.
  if (owner?.kind === 'ReplicaSet') return owner.name.replace(/-[a-z0-9]+$/, '');
  if (owner) return owner.name;
  return meta.name || (meta.generateName ?? '').replace(/-$/, '');
}

function initContainer() {
  return {
    name: 'istio-init',
    image: PROXY_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    args: ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--log_output_level=default:info'],
    resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: false, runAsGroup: 0, runAsNonRoot: false, runAsUser: 0 },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

function proxyContainer(appPorts: number[]) {
  return {
    name: 'istio-proxy',
    image: PROXY_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info'],
    env: [
      { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
      { name: 'CA_ADDR', value: 'istiod.istio-system.svc:15012' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
      { name: 'INSTANCE_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
      { name: 'SERVICE_ACCOUNT', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.serviceAccountName' } } },
      { name: 'ISTIO_META_APP_CONTAINERS', value: '' },
      { name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes' },
      { name: 'ISTIO_META_MESH_ID', value: 'cluster.local' },
      { name: 'TRUST_DOMAIN', value: 'cluster.local' },
      { name: 'ISTIO_KUBE_APP_PROBERS', value: '{}' },
      ...(appPorts.length ? [{ name: 'ISTIO_META_POD_PORTS', value: JSON.stringify(appPorts.map((containerPort) => ({ containerPort, protocol: 'TCP' }))) }] : []),
    ],
    ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
    readinessProbe: { failureThreshold: 4, httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' }, periodSeconds: 15, successThreshold: 1, timeoutSeconds: 3 },
    resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsGroup: 1337, runAsNonRoot: true, runAsUser: 1337 },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    volumeMounts: [
      { mountPath: '/var/run/secrets/workload-spiffe-uds', name: 'workload-socket' },
      { mountPath: '/var/run/secrets/credential-uds', name: 'credential-socket' },
      { mountPath: '/var/run/secrets/workload-spiffe-credentials', name: 'workload-certs' },
      { mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' },
      { mountPath: '/var/lib/istio/data', name: 'istio-data' },
      { mountPath: '/etc/istio/proxy', name: 'istio-envoy' },
      { mountPath: '/var/run/secrets/tokens', name: 'istio-token' },
      { mountPath: '/etc/istio/pod', name: 'istio-podinfo' },
    ],
  };
}

/**
 * The mutating webhook: injects on Pod CREATE when the policy says so. Like the real
 * one it exists only once Istio is installed, i.e. while istio-system has istiod.
 */
export function makeSidecarInjectorHook(store: ObjectStore): AdmissionHook {
  const kinds = kindsOf(store);
  return (op, type, obj) => {
    if (op !== 'CREATE' || type.group !== '' || type.kind !== 'Pod') return;
    if (!store.get(kinds.deployments, 'istio-system', 'istiod')) return;
    const ns = store.get(kinds.namespaces, undefined, obj.metadata.namespace || 'default');
    if (shouldInject(obj, ns)) injectSidecar(obj);
  };
}
