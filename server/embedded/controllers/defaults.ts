import type { AdmissionHook, ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { allocateClusterIp, allocateNodePort } from './addresses.ts';
import { addNamespaceFinalizer } from './namespace-controller.ts';

/** The fields a real API server fills in on a pod spec, so `-o yaml` looks like a cluster's. */
export function applyPodSpecDefaults(spec: any): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.imagePullPolicy ??= /:latest$|^[^:]*$/.test(String(c.image ?? '')) ? 'Always' : 'IfNotPresent';
    c.resources ??= {};
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  }
  spec.tolerations ??= [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ];
}

export function applyPodDefaults(pod: KubeObject): void {
  pod.spec ??= {};
  applyPodSpecDefaults(pod.spec);
  pod.status ??= {};
  pod.status.phase ??= 'Pending';
  pod.status.qosClass ??= qosClass(pod.spec);
}

function qosClass(spec: any): string {
  const containers: any[] = spec.containers ?? [];
  const anyResources = containers.some((c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length);
  if (!anyResources) return 'BestEffort';
  const guaranteed = containers.every((c) => c.resources?.limits?.cpu && c.resources?.limits?.memory
    && (c.resources.requests?.cpu ?? c.resources.limits.cpu) === c.resources.limits.cpu
    && (c.resources.requests?.memory ?? c.resources.limits.memory) === c.resources.limits.memory);
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function applyDeploymentDefaults(d: KubeObject): void {
  d.spec ??= {};
  d.spec.replicas ??= 1;
  d.spec.revisionHistoryLimit ??= 10;
  d.spec.progressDeadlineSeconds ??= 600;
  d.spec.strategy ??= { type: 'RollingUpdate' };
  if ((d.spec.strategy.type ?? 'RollingUpdate') === 'RollingUpdate') {
    d.spec.strategy.type = 'RollingUpdate';
    d.spec.strategy.rollingUpdate = { maxSurge: '25%', maxUnavailable: '25%', ...d.spec.strategy.rollingUpdate };
  }
  applyTemplateDefaults(d.spec);
}

/** What apps/v1 defaulting fills in on a DaemonSet: roll one node at a time, keep ten revisions. */
export function applyDaemonSetDefaults(ds: KubeObject): void {
  ds.spec ??= {};
  ds.spec.revisionHistoryLimit ??= 10;
  ds.spec.updateStrategy ??= {};
  ds.spec.updateStrategy.type ??= 'RollingUpdate';
  if (ds.spec.updateStrategy.type === 'RollingUpdate') ds.spec.updateStrategy.rollingUpdate = { maxUnavailable: 1, maxSurge: 0, ...ds.spec.updateStrategy.rollingUpdate };
  applyTemplateDefaults(ds.spec);
}

/** A workload's pod template gets a pod's spec defaults; its metadata never carries a creation time (kubectl create deployment sends creationTimestamp: null). */
function applyTemplateDefaults(spec: any): void {
  spec.template ??= {};
  spec.template.metadata ??= {};
  spec.template.spec ??= {};
  applyPodSpecDefaults(spec.template.spec);
  delete spec.template.metadata.creationTimestamp;
}

/** What apps/v1 defaulting fills in on a StatefulSet: ordered pods, rolling updates from partition 0, claims retained. */
export function applyStatefulSetDefaults(sts: KubeObject): void {
  sts.spec ??= {};
  const spec = sts.spec;
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= 'OrderedReady';
  spec.revisionHistoryLimit ??= 10;
  spec.updateStrategy ??= {};
  spec.updateStrategy.type ??= 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') spec.updateStrategy.rollingUpdate = { partition: 0, ...spec.updateStrategy.rollingUpdate };
  spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Retain', whenScaled: 'Retain', ...spec.persistentVolumeClaimRetentionPolicy };
  for (const t of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) {
    if (t && typeof t === 'object') applyClaimSpecDefaults((t.spec ??= {}));
  }
  applyTemplateDefaults(spec);
}

/** A claim's volume is a filesystem unless it asks for a block device. */
function applyClaimSpecDefaults(spec: any): void {
  spec.volumeMode ??= 'Filesystem';
}

/** ClusterIP, port protocol/targetPort and nodePorts, as the Service registry assigns them. */
export function applyServiceDefaults(store: ObjectStore, svc: KubeObject, old?: KubeObject): void {
  svc.spec ??= {};
  const spec = svc.spec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  spec.internalTrafficPolicy ??= 'Cluster';
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
  if (spec.type !== 'ExternalName') {
    spec.clusterIP ??= old?.spec?.clusterIP ?? allocateClusterIp(store);
    spec.clusterIPs ??= spec.clusterIP === 'None' ? ['None'] : [spec.clusterIP];
  }
  if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  const taken = new Set<number>();
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
    if ((spec.type === 'LoadBalancer' || spec.type === 'NodePort') && !p.nodePort) {
      const before = old?.spec?.ports?.find((o: any) => o.port === p.port && (o.name ?? '') === (p.name ?? ''))?.nodePort;
      p.nodePort = before ?? allocateNodePort(store, taken);
    }
    if (p.nodePort) taken.add(p.nodePort);
  }
  svc.status ??= structuredClone(old?.status) ?? { loadBalancer: {} };
  // Like Docker Desktop or k3s' service load balancer: every LoadBalancer Service is reachable on the node.
  if (spec.type === 'LoadBalancer' && !svc.status.loadBalancer?.ingress?.length) {
    svc.status.loadBalancer = { ingress: [{ ip: LOAD_BALANCER_IP, ipMode: 'VIP' }] };
  }
}

/** The EXTERNAL-IP every LoadBalancer Service gets. */
export const LOAD_BALANCER_IP = '127.0.0.1';

/** Namespaces carry their name as a label and start Active, as the apiserver makes them. */
export function applyNamespaceDefaults(ns: KubeObject): void {
  ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata.name };
  addNamespaceFinalizer(ns);
  ns.status ??= {};
  ns.status.phase ??= 'Active';
}

/** Mutating admission for Pods, Deployments, DaemonSets, StatefulSets, claims, Services and Namespaces written by anyone (kubectl, client-node, controllers). */
export function makeDefaultsHook(store: ObjectStore): AdmissionHook {
  return (op, type, obj, old) => {
    if (op === 'DELETE') return;
    if (type.group === '' && type.kind === 'Pod' && op === 'CREATE') applyPodDefaults(obj);
    else if (type.group === 'apps' && type.kind === 'Deployment') applyDeploymentDefaults(obj);
    else if (type.group === 'apps' && type.kind === 'DaemonSet') applyDaemonSetDefaults(obj);
    else if (type.group === 'apps' && type.kind === 'StatefulSet') applyStatefulSetDefaults(obj);
    else if (type.group === '' && type.kind === 'PersistentVolumeClaim') applyClaimSpecDefaults((obj.spec ??= {}));
    else if (type.group === '' && type.kind === 'Service') applyServiceDefaults(store, obj, old);
    else if (type.group === '' && type.kind === 'Namespace') applyNamespaceDefaults(obj);
  };
}
