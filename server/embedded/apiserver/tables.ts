import { podStatusReason } from '../../cluster/pod-status.ts';
import { printerCell } from './crd/printer-columns.ts';
import { formatLabelSelector, formatLabels } from './selectors.ts';
import type { KubeObject, ResourceType } from './types.ts';

/** The Content-Type of a Table reply. */
export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

interface Column {
  name: string;
  type?: string;
  format?: string;
  description?: string;
  /** 0 = always shown; 1 = only with `-o wide`. */
  priority?: number;
  cell: (obj: KubeObject, now: number) => unknown;
}

/**
 * An AGE as `kubectl get` prints it, so the deck's tables read as a terminal's:
 * `45s`, `3m12s`, `15m`, `2h5m`, `3d4h`, `2y10d`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** Age of a timestamp at simulated time `now`; `<unknown>` when there is none. */
export function age(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

const ageColumn: Column = { name: 'Age', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', cell: (o, now) => age(o.metadata.creationTimestamp, now) };
const nameColumn: Column = { name: 'Name', format: 'name', description: 'Name must be unique within a namespace.', cell: (o) => o.metadata.name };
const none = (s: string | undefined | null) => (s ? s : '<none>');

function servicePorts(svc: KubeObject): string {
  const ports: any[] = svc.spec?.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

function loadBalancerIps(svc: KubeObject, wide: boolean): string {
  const ips = ((svc.status?.loadBalancer?.ingress ?? []) as any[]).map((i) => i.ip || i.hostname).filter(Boolean).join(',');
  return !wide && ips.length > 16 ? ips.slice(0, 13) + '...' : ips;
}

function serviceExternalIp(svc: KubeObject, wide: boolean): string {
  const external: string[] = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIps(svc, wide);
      if (external.length) return [...(lb ? lb.split(',') : []), ...external].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
  }
  return '<unknown>';
}

function formatEndpoints(ep: KubeObject): string {
  const subsets: any[] = ep.subsets ?? [];
  if (!subsets.length) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs: any[] = ss.addresses ?? [];
    const ports: any[] = ss.ports ?? [];
    if (!ports.length) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) more = true;
        if (!more) list.push(a.ip);
      }
    } else {
      for (const p of ports) {
        count += addrs.length;
        for (const a of addrs) {
          if (list.length === max) more = true;
          if (!more) list.push(a.ip.includes(':') ? `[${a.ip}]:${p.port}` : `${a.ip}:${p.port}`);
        }
      }
    }
  }
  const s = list.join(',');
  return more ? `${s} + ${count - max} more...` : s;
}

const containerNames = (spec: any) => ((spec?.containers ?? []) as any[]).map((c) => c.name).join(',');
const containerImages = (spec: any) => ((spec?.containers ?? []) as any[]).map((c) => c.image).join(',');

const createdAtColumn: Column = { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', cell: (o) => o.metadata.creationTimestamp ?? null };

/** An Ingress's hosts as kubectl lists them: up to four, `*` for a rule without one. */
function ingressHosts(ing: KubeObject): string {
  const hosts = ((ing.spec?.rules ?? []) as any[]).map((r) => r.host).filter(Boolean);
  if (!hosts.length) return '*';
  return hosts.length > 4 ? `${hosts.slice(0, 4).join(',')} + ${hosts.length - 4} more...` : hosts.join(',');
}

const ACCESS_MODE_SHORT: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

/** A binding's subjects of one kind, as the wide table lists them (service accounts as namespace/name). */
const bindingSubjects = (kind: string) => (o: KubeObject) =>
  ((o.subjects ?? []) as any[]).filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name)).join(', ');

const bindingColumns: Column[] = [
  nameColumn,
  { name: 'Role', description: 'RoleRef references the role the binding grants.', cell: (o) => `${o.roleRef?.kind ?? ''}/${o.roleRef?.name ?? ''}` },
  ageColumn,
  { name: 'Users', priority: 1, description: 'Users the binding applies to.', cell: bindingSubjects('User') },
  { name: 'Groups', priority: 1, description: 'Groups the binding applies to.', cell: bindingSubjects('Group') },
  { name: 'ServiceAccounts', priority: 1, description: 'Service accounts the binding applies to.', cell: bindingSubjects('ServiceAccount') },
];

/** Columns of the kinds Istio's add-ons and Kubernetes Ingress bring, as `kubectl get` prints them. */
const ADDON_COLUMNS: Record<string, Column[]> = {
  StatefulSet: [
    nameColumn,
    { name: 'Ready', description: 'Number of the pod with ready state', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}` },
    ageColumn,
    { name: 'Containers', priority: 1, description: 'Names of each container in the template.', cell: (o) => containerNames(o.spec?.template?.spec) },
    { name: 'Images', priority: 1, description: 'Images referenced by each container in the template.', cell: (o) => containerImages(o.spec?.template?.spec) },
  ],
  PersistentVolumeClaim: [
    nameColumn,
    { name: 'Status', description: 'The current phase of the claim.', cell: (o) => o.status?.phase ?? 'Pending' },
    { name: 'Volume', description: 'The binding reference to the PersistentVolume backing this claim.', cell: (o) => o.spec?.volumeName ?? '' },
    { name: 'Capacity', description: 'The actual resources of the underlying volume.', cell: (o) => o.status?.capacity?.storage ?? '' },
    { name: 'Access Modes', description: 'The access modes the volume has.', cell: (o) => ((o.status?.accessModes ?? []) as string[]).map((m) => ACCESS_MODE_SHORT[m] ?? m).join(',') },
    { name: 'StorageClass', description: 'The name of the StorageClass required by the claim.', cell: (o) => o.spec?.storageClassName ?? '<unset>' },
    { name: 'VolumeAttributesClass', description: 'The VolumeAttributesClass used by this claim.', cell: (o) => o.spec?.volumeAttributesClassName ?? '<unset>' },
    ageColumn,
    { name: 'VolumeMode', priority: 1, description: 'What type of volume is required by the claim.', cell: (o) => o.spec?.volumeMode ?? 'Filesystem' },
  ],
  Ingress: [
    nameColumn,
    { name: 'Class', description: 'The name of the IngressClass cluster resource.', cell: (o) => o.spec?.ingressClassName ?? '<none>' },
    { name: 'Hosts', description: 'Hosts that incoming requests are matched against.', cell: ingressHosts },
    { name: 'Address', description: 'Address is a list containing ingress points for the load-balancer.', cell: (o) => loadBalancerIps(o, false) },
    { name: 'Ports', description: 'Ports of TLS configurations that open.', cell: (o) => ((o.spec?.tls ?? []).length ? '80, 443' : '80') },
    ageColumn,
  ],
  IngressClass: [
    nameColumn,
    { name: 'Controller', description: 'Controller that is responsible for handling this class.', cell: (o) => o.spec?.controller ?? '' },
    {
      name: 'Parameters',
      description: 'A reference to a resource with additional parameters.',
      cell: (o) => {
        const p = o.spec?.parameters;
        return p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
      },
    },
    ageColumn,
  ],
  ClusterRole: [nameColumn, createdAtColumn],
  Role: [nameColumn, createdAtColumn],
  ClusterRoleBinding: bindingColumns,
  RoleBinding: bindingColumns,
};

const COLUMNS: Record<string, Column[]> = {
  Pod: [
    nameColumn,
    { name: 'Ready', description: 'The aggregate readiness state of this pod for accepting traffic.', cell: (o) => { const s = podStatusReason(o); return `${s.ready}/${s.total}`; } },
    { name: 'Status', description: 'The aggregate status of the containers in this pod.', cell: (o) => podStatusReason(o).reason },
    {
      name: 'Restarts',
      description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      cell: (o, now) => {
        const s = podStatusReason(o);
        return s.restarts && s.lastRestart ? `${s.restarts} (${age(s.lastRestart, now)} ago)` : String(s.restarts);
      },
    },
    ageColumn,
    { name: 'IP', priority: 1, description: 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', cell: (o) => none(o.status?.podIP) },
    { name: 'Node', priority: 1, description: 'NodeName is a request to schedule this pod onto a specific node.', cell: (o) => none(o.spec?.nodeName) },
    { name: 'Nominated Node', priority: 1, description: 'nominatedNodeName is set only when this pod preempts other pods on the node.', cell: (o) => none(o.status?.nominatedNodeName) },
    {
      name: 'Readiness Gates',
      priority: 1,
      description: 'If specified, all readiness gates will be evaluated for pod readiness.',
      cell: (o) => {
        const gates: any[] = o.spec?.readinessGates ?? [];
        if (!gates.length) return '<none>';
        const conds: any[] = o.status?.conditions ?? [];
        const ok = gates.filter((g) => conds.some((c) => c.type === g.conditionType && c.status === 'True')).length;
        return `${ok}/${gates.length}`;
      },
    },
  ],
  Deployment: [
    nameColumn,
    { name: 'Ready', description: 'Number of the pod with ready state', cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}` },
    { name: 'Up-to-date', type: 'integer', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', cell: (o) => o.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', cell: (o) => o.status?.availableReplicas ?? 0 },
    ageColumn,
    { name: 'Containers', priority: 1, description: 'Names of each container in the template.', cell: (o) => containerNames(o.spec?.template?.spec) },
    { name: 'Images', priority: 1, description: 'Images referenced by each container in the template.', cell: (o) => containerImages(o.spec?.template?.spec) },
    { name: 'Selector', priority: 1, description: 'Label selector for pods.', cell: (o) => formatLabelSelector(o.spec?.selector) },
  ],
  ReplicaSet: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'Number of desired pods.', cell: (o) => o.spec?.replicas ?? 1 },
    { name: 'Current', type: 'integer', description: 'Number of actual replicas.', cell: (o) => o.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', description: 'The number of ready replicas.', cell: (o) => o.status?.readyReplicas ?? 0 },
    ageColumn,
    { name: 'Containers', priority: 1, description: 'Names of each container in the template.', cell: (o) => containerNames(o.spec?.template?.spec) },
    { name: 'Images', priority: 1, description: 'Images referenced by each container in the template.', cell: (o) => containerImages(o.spec?.template?.spec) },
    { name: 'Selector', priority: 1, description: 'Label selector for pods.', cell: (o) => formatLabelSelector(o.spec?.selector) },
  ],
  DaemonSet: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', cell: (o) => o.status?.desiredNumberScheduled ?? 0 },
    { name: 'Current', type: 'integer', description: 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', cell: (o) => o.status?.currentNumberScheduled ?? 0 },
    { name: 'Ready', type: 'integer', description: 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.', cell: (o) => o.status?.numberReady ?? 0 },
    { name: 'Up-to-date', type: 'integer', description: 'The total number of nodes that are running updated daemon pod', cell: (o) => o.status?.updatedNumberScheduled ?? 0 },
    { name: 'Available', type: 'integer', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', cell: (o) => o.status?.numberAvailable ?? 0 },
    { name: 'Node Selector', description: "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node.", cell: (o) => formatLabels(o.spec?.template?.spec?.nodeSelector) },
    ageColumn,
    { name: 'Containers', priority: 1, description: 'Names of each container in the template.', cell: (o) => containerNames(o.spec?.template?.spec) },
    { name: 'Images', priority: 1, description: 'Images referenced by each container in the template.', cell: (o) => containerImages(o.spec?.template?.spec) },
    { name: 'Selector', priority: 1, description: 'A label query over pods that are managed by the daemon set.', cell: (o) => formatLabelSelector(o.spec?.selector) },
  ],
  Service: [
    nameColumn,
    { name: 'Type', description: 'How the service is exposed.', cell: (o) => o.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', description: 'ClusterIP assigned to the service.', cell: (o) => none(o.spec?.clusterIP) },
    { name: 'External-IP', description: 'External IP addresses of the service.', cell: (o) => serviceExternalIp(o, false) },
    { name: 'Port(s)', description: 'The ports exposed by the service.', cell: servicePorts },
    ageColumn,
    { name: 'Selector', priority: 1, description: 'Route service traffic to pods with label keys and values matching this selector.', cell: (o) => formatLabels(o.spec?.selector) },
  ],
  Namespace: [
    nameColumn,
    { name: 'Status', description: 'The status of the namespace', cell: (o) => o.status?.phase ?? (o.metadata.deletionTimestamp ? 'Terminating' : 'Active') },
    ageColumn,
  ],
  ConfigMap: [nameColumn, { name: 'Data', type: 'integer', description: 'Number of data entries.', cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length }, ageColumn],
  Secret: [
    nameColumn,
    { name: 'Type', description: 'The type of the secret', cell: (o) => o.type ?? 'Opaque' },
    { name: 'Data', type: 'integer', description: 'The number of data entries.', cell: (o) => Object.keys(o.data ?? {}).length },
    ageColumn,
  ],
  ServiceAccount: [nameColumn, { name: 'Secrets', type: 'integer', description: 'Secrets is a list of the secrets.', cell: (o) => (o.secrets ?? []).length }, ageColumn],
  Endpoints: [nameColumn, { name: 'Endpoints', description: 'Endpoints of the service.', cell: formatEndpoints }, ageColumn],
  Event: [
    { name: 'Last Seen', description: 'Time when the most recent occurrence of this event was recorded.', cell: (o, now) => age(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp, now) },
    { name: 'Type', description: 'Type of this event.', cell: (o) => o.type ?? '' },
    { name: 'Reason', description: 'Short, machine understandable string that gives the reason for the event.', cell: (o) => o.reason ?? '' },
    { name: 'Object', description: 'The object that this event is about.', cell: (o) => `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}` },
    { name: 'Subobject', priority: 1, description: 'The field of the object.', cell: (o) => o.involvedObject?.fieldPath ?? '' },
    { name: 'Source', priority: 1, description: 'The component reporting this event.', cell: (o) => [o.source?.component, o.source?.host].filter(Boolean).join(', ') },
    { name: 'Message', description: 'A human-readable description of the status of this operation.', cell: (o) => o.message ?? '' },
    { name: 'First Seen', priority: 1, description: 'The time at which the event was first recorded.', cell: (o, now) => age(o.firstTimestamp ?? o.metadata.creationTimestamp, now) },
    { name: 'Count', priority: 1, type: 'integer', description: 'The number of times this event has occurred.', cell: (o) => o.count ?? 1 },
    { name: 'Name', priority: 1, description: 'Name of the event.', cell: (o) => o.metadata.name },
  ],
  // The apiserver's default table: the creation time as RFC 3339, not an age.
  CustomResourceDefinition: [nameColumn, createdAtColumn],
  ...ADDON_COLUMNS,
};

function columnsFor(type: ResourceType): Column[] {
  const custom = type.customResource?.printerColumns;
  if (custom) {
    return [
      nameColumn,
      ...custom.map((c) => ({ name: c.name, type: c.type, format: c.format, description: c.description, priority: c.priority, cell: (o: KubeObject, now: number) => printerCell(c, o, (ts) => age(ts, now)) })),
    ];
  }
  return COLUMNS[type.kind] ?? [nameColumn, ageColumn];
}

/** A row's object: what kubectl needs for -A (namespace), --show-labels and -L. */
function partialObjectMetadata(obj: KubeObject) {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

function row(obj: KubeObject, cols: Column[], now: number) {
  return {
    cells: cols.map((c) => {
      try {
        const v = c.cell(obj, now);
        return v === undefined ? null : v;
      } catch {
        return null;
      }
    }),
    object: partialObjectMetadata(obj),
  };
}

/** A meta.k8s.io/v1 Table for `kubectl get`; `withColumns=false` for watch events after the first. */
export function toTable(type: ResourceType, objects: KubeObject[], resourceVersion: string, now: number, withColumns = true) {
  const cols = columnsFor(type);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    ...(withColumns
      ? {
          columnDefinitions: cols.map((c) => ({
            name: c.name,
            type: c.type ?? 'string',
            format: c.format ?? '',
            description: c.description ?? '',
            priority: c.priority ?? 0,
          })),
        }
      : { columnDefinitions: [] }),
    rows: objects.map((o) => row(o, cols, now)),
  };
}
