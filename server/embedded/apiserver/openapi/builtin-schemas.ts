/**
 * The OpenAPI v3 definitions of the built-in kinds the embedded API serves, named as the
 * kube-apiserver names them (`io.k8s.api.core.v1.PodSpec`) and linked by `$ref` where its
 * documents link them, with Kubernetes 1.32's field names, types and required fields.
 * Descriptions are short, in our own words. Types the embedded cluster never looks inside
 * (affinity, volume sources, security options) keep their fields open, so strict field
 * validation never refuses what a real cluster accepts.
 */
import type { JSONSchemaProps } from './json-schema.ts';

export const CORE = 'io.k8s.api.core.v1.';
export const APPS = 'io.k8s.api.apps.v1.';
export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const INTSTR = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

export const refTo = (name: string) => `#/components/schemas/${name}`;

const str = (description: string, extra: JSONSchemaProps = {}): JSONSchemaProps => ({ type: 'string', description, ...extra });
const enumOf = (values: string[], description: string): JSONSchemaProps => ({ type: 'string', description, enum: values });
const int32 = (description: string): JSONSchemaProps => ({ type: 'integer', format: 'int32', description });
const int64 = (description: string): JSONSchemaProps => ({ type: 'integer', format: 'int64', description });
const bool = (description: string): JSONSchemaProps => ({ type: 'boolean', description });
const strings = (description: string, extra: JSONSchemaProps = {}): JSONSchemaProps => ({ type: 'array', items: { type: 'string', default: '' }, description, ...extra });
const stringMap = (description: string): JSONSchemaProps => ({ type: 'object', additionalProperties: { type: 'string', default: '' }, description });
const byteMap = (description: string): JSONSchemaProps => ({ type: 'object', additionalProperties: { type: 'string', format: 'byte' }, description });
/** A field of another definition's type: allOf with one $ref, so the field keeps its own description. */
const ref = (name: string, description: string): JSONSchemaProps => ({ allOf: [{ $ref: refTo(name) }], description, default: {} });
const refs = (name: string, description: string, extra: JSONSchemaProps = {}): JSONSchemaProps => ({
  type: 'array',
  items: { allOf: [{ $ref: refTo(name) }], default: {} },
  description,
  ...extra,
});
const mapKeyed = (...keys: string[]): JSONSchemaProps => ({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys });
/** An object whose inside the embedded cluster does not model: any fields are kept. */
const open = (description: string): JSONSchemaProps => ({ type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true });
const time = (description: string) => ref(`${META}Time`, description);

/** Types the embedded cluster never looks inside: named as Kubernetes names them, any fields kept. */
const OPAQUE: Record<string, JSONSchemaProps> = {};
function opaqueRef(name: string, description: string): JSONSchemaProps {
  OPAQUE[name] ??= open(`${name.split('.').pop()} is kept as given: the embedded cluster does not model its fields.`);
  return ref(name, description);
}
function opaqueRefs(name: string, itemDescription: string, description: string, extra: JSONSchemaProps = {}): JSONSchemaProps {
  OPAQUE[name] ??= open(`${itemDescription} (${name.split('.').pop()}: the embedded cluster does not model its fields.)`);
  return refs(name, description, extra);
}
const object = (description: string, properties: Record<string, JSONSchemaProps>, required?: string[]): JSONSchemaProps => ({
  type: 'object',
  description,
  properties,
  ...(required ? { required } : {}),
});

const API_VERSION = str(
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
);
const KIND = str('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.');
export const METADATA_DESCRIPTION = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
export const API_VERSION_FIELD = API_VERSION;
export const KIND_FIELD = KIND;

/** A top-level kind: apiVersion, kind, metadata, then its own fields. */
function kindSchema(description: string, properties: Record<string, JSONSchemaProps>, required?: string[]): JSONSchemaProps {
  return object(description, { apiVersion: API_VERSION, kind: KIND, metadata: ref(`${META}ObjectMeta`, METADATA_DESCRIPTION), ...properties }, required);
}

function listSchema(item: string, description: string): JSONSchemaProps {
  return object(description, { apiVersion: API_VERSION, items: refs(item, 'The objects in the list.'), kind: KIND, metadata: ref(`${META}ListMeta`, 'Standard list metadata.') }, ['items']);
}

const meta: Record<string, JSONSchemaProps> = {
  ObjectMeta: object('ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.', {
    annotations: stringMap('Annotations is an unstructured key value map stored with a resource that tools may set to store and retrieve arbitrary metadata. They are not queryable.'),
    creationTimestamp: time('The time this object was created, set by the server. Clients may not set it. Read-only.'),
    deletionGracePeriodSeconds: int64('Seconds the object is given to terminate gracefully once deletion was requested. Set by the server with deletionTimestamp. Read-only.'),
    deletionTimestamp: time('The time after which this object will be deleted, set by the server when a graceful deletion is requested. Read-only.'),
    finalizers: strings('Must be empty before the object is deleted from the registry. Each entry names a component that will remove it once its cleanup is done.', { 'x-kubernetes-list-type': 'set' }),
    generateName: str('An optional prefix the server uses to generate a unique name when Name is not provided.'),
    generation: int64('A sequence number representing a specific generation of the desired state, set by the system. Read-only.'),
    labels: stringMap('Map of string keys and values that can be used to organize and categorize (scope and select) objects.'),
    managedFields: refs(`${META}ManagedFieldsEntry`, 'Maps workflow-id and version to the set of fields that are managed by that workflow. Mostly for internal housekeeping.'),
    name: str('Name must be unique within a namespace. Required when creating resources, although some resources may allow a client to request a generated name. Cannot be updated.'),
    namespace: str('The namespace this object lives in; an empty namespace is the "default" namespace. Cluster-scoped objects have none. Cannot be updated.'),
    ownerReferences: refs(`${META}OwnerReference`, 'List of objects depended by this object. Once all of them are deleted, this object is garbage collected.', {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['uid'],
    }),
    resourceVersion: str('An opaque value the server changes on every modification of the object, for optimistic concurrency and watches. Read-only.'),
    selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
    uid: str('The unique in time and space value for this object, generated by the server on successful creation. Read-only.'),
  }),
  ListMeta: object('ListMeta describes metadata that synthetic resources must have, including lists and various status objects.', {
    continue: str('Set when the list was truncated: pass it to the next list call to get the rest.'),
    remainingItemCount: int64('The number of items left after this page, when the server can count them.'),
    resourceVersion: str('The version of the list, for watches that start from it. Read-only.'),
    selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
  }),
  Time: { type: 'string', format: 'date-time', description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON, as RFC 3339.' },
  MicroTime: { type: 'string', format: 'date-time', description: 'MicroTime is version of Time with microsecond level precision.' },
  FieldsV1: { type: 'object', description: 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.', 'x-kubernetes-preserve-unknown-fields': true },
  ManagedFieldsEntry: object('ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.', {
    apiVersion: str('The version of the resource this field set applies to.'),
    fieldsType: str('The type of the field set: only "FieldsV1".'),
    fieldsV1: ref(`${META}FieldsV1`, 'The first JSON version of the field set.'),
    manager: str('An identifier of the workflow managing these fields.'),
    operation: str('The type of operation which lead to this entry being created: Apply or Update.'),
    subresource: str('The name of the subresource used to update that object, or empty for the main resource.'),
    time: time('The timestamp of when the entry was last changed.'),
  }),
  OwnerReference: object(
    'OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped.',
    {
      apiVersion: str('API version of the referent.'),
      blockOwnerDeletion: bool('If true, and the owner has the "foregroundDeletion" finalizer, the owner cannot be deleted from the key-value store until this reference is removed.'),
      controller: bool('If true, this reference points to the managing controller.'),
      kind: str('Kind of the referent.'),
      name: str('Name of the referent.'),
      uid: str('UID of the referent.'),
    },
    ['apiVersion', 'kind', 'name', 'uid'],
  ),
  LabelSelector: object('A label selector is a label query over a set of resources. The requirements are ANDed; an empty selector matches all objects, a null one none.', {
    matchExpressions: refs(`${META}LabelSelectorRequirement`, 'A list of label selector requirements. The requirements are ANDed.'),
    matchLabels: stringMap('A map of {key,value} pairs; each is the same as a matchExpressions element with operator "In" and that single value.'),
  }),
  LabelSelectorRequirement: object(
    'A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.',
    {
      key: str('The label key that the selector applies to.'),
      operator: str("How the key relates to the values: In, NotIn, Exists and DoesNotExist."),
      values: strings('The values: non-empty for In and NotIn, empty for Exists and DoesNotExist.'),
    },
    ['key', 'operator'],
  ),
};

/** Two JSON types in one field: no `type`, so kubectl names it by its definition (`<IntOrString>`). */
const intOrString: JSONSchemaProps = {
  description: 'A value that can be an int32 or a string (a port number or a port name, a count or a percentage).',
  format: 'int-or-string',
  oneOf: [{ type: 'integer' }, { type: 'string' }],
};
const quantity: JSONSchemaProps = {
  description: 'A fixed-point amount of a resource, such as `500m` CPU or `128Mi` of memory, written as a string or a number.',
  oneOf: [{ type: 'string' }, { type: 'number' }],
};

const probe = object('Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.', {
  exec: ref(`${CORE}ExecAction`, 'Exec specifies a command to execute in the container.'),
  failureThreshold: int32('Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3.'),
  grpc: opaqueRef(`${CORE}GRPCAction`, 'GRPC specifies a GRPC HealthCheckRequest.'),
  httpGet: ref(`${CORE}HTTPGetAction`, 'HTTPGet specifies an HTTP GET request to perform.'),
  initialDelaySeconds: int32('Number of seconds after the container has started before liveness probes are initiated.'),
  periodSeconds: int32('How often (in seconds) to perform the probe. Default to 10 seconds.'),
  successThreshold: int32('Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1.'),
  tcpSocket: ref(`${CORE}TCPSocketAction`, 'TCPSocket specifies a connection to a TCP port.'),
  terminationGracePeriodSeconds: int64('Optional duration in seconds the pod needs to terminate gracefully upon probe failure.'),
  timeoutSeconds: int32('Number of seconds after which the probe times out. Defaults to 1 second.'),
});

const containerFields: Record<string, JSONSchemaProps> = {
  args: strings("Arguments to the entrypoint. The container image's CMD is used if this is not provided.", { 'x-kubernetes-list-type': 'atomic' }),
  command: strings("Entrypoint array, not run within a shell. The container image's ENTRYPOINT is used if this is not provided.", { 'x-kubernetes-list-type': 'atomic' }),
  env: refs(`${CORE}EnvVar`, 'List of environment variables to set in the container. Cannot be updated.', mapKeyed('name')),
  envFrom: refs(`${CORE}EnvFromSource`, 'List of sources to populate environment variables in the container. Cannot be updated.', { 'x-kubernetes-list-type': 'atomic' }),
  image: str('Container image name.'),
  imagePullPolicy: enumOf(['Always', 'IfNotPresent', 'Never'], 'Image pull policy. Defaults to Always if the :latest tag is specified, or IfNotPresent otherwise. Cannot be updated.'),
  lifecycle: ref(`${CORE}Lifecycle`, 'Actions that the management system should take in response to container lifecycle events. Cannot be updated.'),
  livenessProbe: ref(`${CORE}Probe`, 'Periodic probe of container liveness. Container will be restarted if the probe fails. Cannot be updated.'),
  name: str('Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated.'),
  ports: refs(`${CORE}ContainerPort`, 'List of ports to expose from the container. Informational: a container listening on 0.0.0.0 is reachable whether or not its port is listed.', {
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
  }),
  readinessProbe: ref(`${CORE}Probe`, 'Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails. Cannot be updated.'),
  resizePolicy: opaqueRefs(`${CORE}ContainerResizePolicy`, 'A resize policy for one resource.', 'Resources resize policy for the container.', { 'x-kubernetes-list-type': 'atomic' }),
  resources: ref(`${CORE}ResourceRequirements`, 'Compute Resources required by this container.'),
  restartPolicy: str('RestartPolicy defines the restart behavior of individual containers in a pod; only "Always" is allowed, for init containers that run as sidecars.'),
  securityContext: opaqueRef(`${CORE}SecurityContext`, 'SecurityContext defines the security options the container should be run with.'),
  startupProbe: ref(`${CORE}Probe`, 'StartupProbe indicates that the Pod has successfully initialized. Other probes wait until it succeeds. Cannot be updated.'),
  stdin: bool('Whether this container should allocate a buffer for stdin in the container runtime. Default is false.'),
  stdinOnce: bool('Whether the container runtime should close the stdin channel after it has been opened by a single attach. Default is false.'),
  terminationMessagePath: str("Path at which the file to which the container's termination message will be written is mounted. Defaults to /dev/termination-log. Cannot be updated."),
  terminationMessagePolicy: enumOf(['FallbackToLogsOnError', 'File'], 'Indicate how the termination message should be populated. Defaults to File. Cannot be updated.'),
  tty: bool("Whether this container should allocate a TTY for itself, also requires 'stdin' to be true. Default is false."),
  volumeDevices: opaqueRefs(`${CORE}VolumeDevice`, 'A block device mapping.', 'volumeDevices is the list of block devices to be used by the container.'),
  volumeMounts: refs(`${CORE}VolumeMount`, "Pod volumes to mount into the container's filesystem. Cannot be updated.", mapKeyed('mountPath')),
  workingDir: str("Container's working directory. Defaults to the container runtime's default. Cannot be updated."),
};

const podSpec = object(
  'PodSpec is a description of a pod.',
  {
    activeDeadlineSeconds: int64('Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers.'),
    affinity: opaqueRef(`${CORE}Affinity`, "If specified, the pod's scheduling constraints."),
    automountServiceAccountToken: bool('AutomountServiceAccountToken indicates whether a service account token should be automatically mounted.'),
    containers: refs(`${CORE}Container`, 'List of containers belonging to the pod. There must be at least one container in a Pod. Cannot be updated.', mapKeyed('name')),
    dnsConfig: opaqueRef(`${CORE}PodDNSConfig`, 'Specifies the DNS parameters of a pod, merged into the configuration generated from DNSPolicy.'),
    dnsPolicy: enumOf(['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'], "Set DNS policy for the pod. Defaults to \"ClusterFirst\"."),
    enableServiceLinks: bool("EnableServiceLinks indicates whether information about services should be injected into pod's environment variables. Optional: Defaults to true."),
    ephemeralContainers: refs(`${CORE}EphemeralContainer`, 'List of ephemeral containers run in this pod, for user-initiated activities such as debugging.', mapKeyed('name')),
    hostAliases: refs(`${CORE}HostAlias`, "HostAliases is an optional list of hosts and IPs that will be injected into the pod's hosts file if specified.", mapKeyed('ip')),
    hostIPC: bool("Use the host's ipc namespace. Optional: Default to false."),
    hostNetwork: bool('Host networking requested for this pod. Use the host\'s network namespace. Default to false.'),
    hostPID: bool("Use the host's pid namespace. Optional: Default to false."),
    hostUsers: bool("Use the host's user namespace. Optional: Default to true."),
    hostname: str("Specifies the hostname of the Pod. If not specified, the pod's hostname will be set to a system-defined value."),
    imagePullSecrets: refs(`${CORE}LocalObjectReference`, 'An optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec.', mapKeyed('name')),
    initContainers: refs(`${CORE}Container`, 'List of initialization containers belonging to the pod, run in order before the app containers start.', mapKeyed('name')),
    nodeName: str('Indicates in which node this pod is scheduled. Set by the scheduler unless given.'),
    nodeSelector: stringMap("A selector which must be true for the pod to fit on a node: it must match a node's labels."),
    os: opaqueRef(`${CORE}PodOS`, 'Specifies the OS of the containers in the pod.'),
    overhead: { type: 'object', additionalProperties: { $ref: refTo(QUANTITY) }, description: 'The resource overhead of running a pod for a given RuntimeClass.' },
    preemptionPolicy: enumOf(['Never', 'PreemptLowerPriority'], 'PreemptionPolicy is the Policy for preempting pods with lower priority. Defaults to PreemptLowerPriority if unset.'),
    priority: int32('The priority value. Various system components use this field to find the priority of the pod.'),
    priorityClassName: str("If specified, indicates the pod's priority. \"system-node-critical\" and \"system-cluster-critical\" are two special keywords."),
    readinessGates: opaqueRefs(`${CORE}PodReadinessGate`, 'A condition the pod readiness waits for.', 'If specified, all readiness gates will be evaluated for pod readiness.', { 'x-kubernetes-list-type': 'atomic' }),
    resourceClaims: opaqueRefs(`${CORE}PodResourceClaim`, 'A resource claim of the pod.', 'ResourceClaims defines which ResourceClaims must be allocated and reserved before the Pod is allowed to start.', mapKeyed('name')),
    resources: ref(`${CORE}ResourceRequirements`, 'Resources is the total amount of CPU and Memory resources required by all containers in the pod (alpha).'),
    restartPolicy: enumOf(['Always', 'Never', 'OnFailure'], 'Restart policy for all containers within the pod. One of Always, OnFailure, Never. Default to Always.'),
    runtimeClassName: str('RuntimeClassName refers to a RuntimeClass object in the node.k8s.io group, which should be used to run this pod.'),
    schedulerName: str('If specified, the pod will be dispatched by specified scheduler. If not specified, the pod will be dispatched by default scheduler.'),
    schedulingGates: opaqueRefs(`${CORE}PodSchedulingGate`, 'A gate that blocks scheduling.', 'SchedulingGates is an opaque list of values that if specified will block scheduling the pod.', mapKeyed('name')),
    securityContext: opaqueRef(`${CORE}PodSecurityContext`, 'SecurityContext holds pod-level security attributes and common container settings. Optional: Defaults to empty.'),
    serviceAccount: str('DeprecatedServiceAccount is a deprecated alias for ServiceAccountName. Deprecated: Use serviceAccountName instead.'),
    serviceAccountName: str('ServiceAccountName is the name of the ServiceAccount to use to run this pod.'),
    setHostnameAsFQDN: bool("If true the pod's hostname will be configured as the pod's FQDN, rather than the leaf name (the default)."),
    shareProcessNamespace: bool('Share a single process namespace between all of the containers in a pod. Optional: Default to false.'),
    subdomain: str('If specified, the fully qualified Pod hostname will be "<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>".'),
    terminationGracePeriodSeconds: int64('Optional duration in seconds the pod needs to terminate gracefully. Defaults to 30 seconds.'),
    tolerations: refs(`${CORE}Toleration`, "If specified, the pod's tolerations.", { 'x-kubernetes-list-type': 'atomic' }),
    topologySpreadConstraints: opaqueRefs(`${CORE}TopologySpreadConstraint`, 'How a group of pods spreads across a topology.', 'TopologySpreadConstraints describes how a group of pods ought to spread across topology domains.', mapKeyed('topologyKey', 'whenUnsatisfiable')),
    volumes: refs(`${CORE}Volume`, 'List of volumes that can be mounted by containers belonging to the pod.', mapKeyed('name')),
  },
  ['containers'],
);

/** Volume source fields and their types' names. */
const VOLUME_SOURCES: Record<string, string> = {
  awsElasticBlockStore: 'AWSElasticBlockStoreVolumeSource', azureDisk: 'AzureDiskVolumeSource', azureFile: 'AzureFileVolumeSource', cephfs: 'CephFSVolumeSource',
  cinder: 'CinderVolumeSource', configMap: 'ConfigMapVolumeSource', csi: 'CSIVolumeSource', downwardAPI: 'DownwardAPIVolumeSource', emptyDir: 'EmptyDirVolumeSource',
  ephemeral: 'EphemeralVolumeSource', fc: 'FCVolumeSource', flexVolume: 'FlexVolumeSource', flocker: 'FlockerVolumeSource', gcePersistentDisk: 'GCEPersistentDiskVolumeSource',
  gitRepo: 'GitRepoVolumeSource', glusterfs: 'GlusterfsVolumeSource', hostPath: 'HostPathVolumeSource', image: 'ImageVolumeSource', iscsi: 'ISCSIVolumeSource',
  nfs: 'NFSVolumeSource', persistentVolumeClaim: 'PersistentVolumeClaimVolumeSource', photonPersistentDisk: 'PhotonPersistentDiskVolumeSource',
  portworxVolume: 'PortworxVolumeSource', projected: 'ProjectedVolumeSource', quobyte: 'QuobyteVolumeSource', rbd: 'RBDVolumeSource', scaleIO: 'ScaleIOVolumeSource',
  secret: 'SecretVolumeSource', storageos: 'StorageOSVolumeSource', vsphereVolume: 'VsphereVirtualDiskVolumeSource',
};

const core: Record<string, JSONSchemaProps> = {
  Namespace: kindSchema('Namespace provides a scope for Names. Use of multiple namespaces is optional.', {
    spec: ref(`${CORE}NamespaceSpec`, 'Spec defines the behavior of the Namespace.'),
    status: ref(`${CORE}NamespaceStatus`, 'Status describes the current status of a Namespace.'),
  }),
  NamespaceSpec: object('NamespaceSpec describes the attributes on a Namespace.', {
    finalizers: strings('Finalizers is an opaque list of values that must be empty to permanently remove object from storage.', { 'x-kubernetes-list-type': 'atomic' }),
  }),
  NamespaceStatus: object('NamespaceStatus is information about the current status of a Namespace.', {
    conditions: opaqueRefs(`${CORE}NamespaceCondition`, 'A condition of the namespace.', "Represents the latest available observations of a namespace's current state.", mapKeyed('type')),
    phase: enumOf(['Active', 'Terminating'], 'Phase is the current lifecycle phase of the namespace.'),
  }),
  Pod: kindSchema('Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.', {
    spec: ref(`${CORE}PodSpec`, 'Specification of the desired behavior of the pod.'),
    status: ref(`${CORE}PodStatus`, 'Most recently observed status of the pod. This data may not be up to date. Populated by the system. Read-only.'),
  }),
  PodSpec: podSpec,
  PodStatus: object('PodStatus represents information about the status of a pod. Status may trail the actual state of a system.', {
    conditions: opaqueRefs(`${CORE}PodCondition`, 'A condition of the pod.', 'Current service state of pod.', mapKeyed('type')),
    containerStatuses: opaqueRefs(`${CORE}ContainerStatus`, 'The status of one container.', 'The list has one entry per container in the manifest.', { 'x-kubernetes-list-type': 'atomic' }),
    ephemeralContainerStatuses: opaqueRefs(`${CORE}ContainerStatus`, 'The status of one ephemeral container.', 'Statuses for any ephemeral containers that have run in this pod.', { 'x-kubernetes-list-type': 'atomic' }),
    hostIP: str('hostIP holds the IP address of the host to which the pod is assigned.'),
    hostIPs: opaqueRefs(`${CORE}HostIP`, 'An IP address of the host.', 'hostIPs holds the IP addresses allocated to the host.', { 'x-kubernetes-list-type': 'atomic' }),
    initContainerStatuses: opaqueRefs(`${CORE}ContainerStatus`, 'The status of one init container.', 'The list has one entry per init container in the manifest.', { 'x-kubernetes-list-type': 'atomic' }),
    message: str('A human readable message indicating details about why the pod is in this condition.'),
    nominatedNodeName: str('nominatedNodeName is set only when this pod preempts other pods on the node.'),
    phase: enumOf(['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'], "The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle."),
    podIP: str('podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
    podIPs: opaqueRefs(`${CORE}PodIP`, 'An IP address of the pod.', 'podIPs holds the IP addresses allocated to the pod.', mapKeyed('ip')),
    qosClass: enumOf(['BestEffort', 'Burstable', 'Guaranteed'], 'The Quality of Service (QOS) classification assigned to the pod based on resource requirements.'),
    reason: str("A brief CamelCase message indicating details about why the pod is in this state. e.g. 'Evicted'"),
    resize: str('Status of resources resize desired for pod\'s containers.'),
    resourceClaimStatuses: opaqueRefs(`${CORE}PodResourceClaimStatus`, 'The status of one resource claim.', 'Status of resource claims.', mapKeyed('name')),
    startTime: time('RFC 3339 date and time at which the object was acknowledged by the Kubelet.'),
  }),
  PodTemplateSpec: object('PodTemplateSpec describes the data a pod should have when created from a template.', {
    metadata: ref(`${META}ObjectMeta`, METADATA_DESCRIPTION),
    spec: ref(`${CORE}PodSpec`, 'Specification of the desired behavior of the pod.'),
  }),
  Container: object('A single application container that you want to run within a pod.', containerFields, ['name']),
  EphemeralContainer: object(
    'An EphemeralContainer is a temporary container that you may add to an existing Pod for user-initiated activities such as debugging.',
    { ...containerFields, targetContainerName: str('If set, the name of the container from PodSpec that this ephemeral container targets.') },
    ['name'],
  ),
  ContainerPort: object(
    'ContainerPort represents a network port in a single container.',
    {
      containerPort: int32("Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536."),
      hostIP: str('What host IP to bind the external port to.'),
      hostPort: int32('Number of port to expose on the host. If specified, this must be a valid port number, 0 < x < 65536.'),
      name: str('If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port in a pod must have a unique name.'),
      protocol: enumOf(['SCTP', 'TCP', 'UDP'], 'Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".'),
    },
    ['containerPort'],
  ),
  EnvVar: object(
    'EnvVar represents an environment variable present in a Container.',
    {
      name: str('Name of the environment variable. Must be a C_IDENTIFIER.'),
      value: str('Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables. Defaults to "".'),
      valueFrom: ref(`${CORE}EnvVarSource`, "Source for the environment variable's value. Cannot be used if value is not empty."),
    },
    ['name'],
  ),
  EnvVarSource: object('EnvVarSource represents a source for the value of an EnvVar.', {
    configMapKeyRef: opaqueRef(`${CORE}ConfigMapKeySelector`, 'Selects a key of a ConfigMap.'),
    fieldRef: opaqueRef(`${CORE}ObjectFieldSelector`, 'Selects a field of the pod: metadata.name, metadata.namespace, metadata.labels, status.podIP and others.'),
    resourceFieldRef: opaqueRef(`${CORE}ResourceFieldSelector`, 'Selects a resource of the container: limits and requests of cpu and memory.'),
    secretKeyRef: opaqueRef(`${CORE}SecretKeySelector`, "Selects a key of a secret in the pod's namespace."),
  }),
  EnvFromSource: object('EnvFromSource represents the source of a set of ConfigMaps or Secrets.', {
    configMapRef: opaqueRef(`${CORE}ConfigMapEnvSource`, 'The ConfigMap to select from.'),
    prefix: str('Optional text to prepend to the name of each environment variable. Must be a C_IDENTIFIER.'),
    secretRef: opaqueRef(`${CORE}SecretEnvSource`, 'The Secret to select from.'),
  }),
  ResourceRequirements: object('ResourceRequirements describes the compute resource requirements.', {
    claims: opaqueRefs(`${CORE}ResourceClaim`, 'A resource claim the container uses.', 'Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container.', mapKeyed('name')),
    limits: { type: 'object', additionalProperties: { $ref: refTo(QUANTITY) }, description: 'Limits describes the maximum amount of compute resources allowed.' },
    requests: { type: 'object', additionalProperties: { $ref: refTo(QUANTITY) }, description: 'Requests describes the minimum amount of compute resources required.' },
  }),
  VolumeMount: object(
    'VolumeMount describes a mounting of a Volume within a container.',
    {
      mountPath: str("Path within the container at which the volume should be mounted. Must not contain ':'."),
      mountPropagation: str('mountPropagation determines how mounts are propagated from the host to container and the other way around.'),
      name: str('This must match the Name of a Volume.'),
      readOnly: bool('Mounted read-only if true, read-write otherwise (false or unspecified). Defaults to false.'),
      recursiveReadOnly: str('RecursiveReadOnly specifies whether read-only mounts should be handled recursively.'),
      subPath: str("Path within the volume from which the container's volume should be mounted. Defaults to \"\" (volume's root)."),
      subPathExpr: str('Expanded path within the volume from which the container\'s volume should be mounted, with $(VAR_NAME) references expanded.'),
    },
    ['name', 'mountPath'],
  ),
  Volume: object(
    'Volume represents a named volume in a pod that may be accessed by any container in the pod.',
    {
      ...Object.fromEntries(Object.entries(VOLUME_SOURCES).map(([field, type]) => [field, opaqueRef(`${CORE}${type}`, `The volume's source: ${field}.`)])),
      name: str('name of the volume. Must be a DNS_LABEL and unique within the pod.'),
    },
    ['name'],
  ),
  Probe: probe,
  ExecAction: object('ExecAction describes a "run in container" action.', {
    command: strings('Command is the command line to execute inside the container, not run in a shell. Exit status of 0 is treated as live/healthy.', { 'x-kubernetes-list-type': 'atomic' }),
  }),
  HTTPGetAction: object(
    'HTTPGetAction describes an action based on HTTP Get requests.',
    {
      host: str('Host name to connect to, defaults to the pod IP.'),
      httpHeaders: opaqueRefs(`${CORE}HTTPHeader`, 'A header to set in the request.', 'Custom headers to set in the request. HTTP allows repeated headers.', { 'x-kubernetes-list-type': 'atomic' }),
      path: str('Path to access on the HTTP server.'),
      port: ref(INTSTR, 'Name or number of the port to access on the container. Number must be in the range 1 to 65535.'),
      scheme: enumOf(['HTTP', 'HTTPS'], 'Scheme to use for connecting to the host. Defaults to HTTP.'),
    },
    ['port'],
  ),
  TCPSocketAction: object(
    'TCPSocketAction describes an action based on opening a socket',
    {
      host: str('Optional: Host name to connect to, defaults to the pod IP.'),
      port: ref(INTSTR, 'Number or name of the port to access on the container. Number must be in the range 1 to 65535.'),
    },
    ['port'],
  ),
  Lifecycle: object('Lifecycle describes actions that the management system should take in response to container lifecycle events.', {
    postStart: opaqueRef(`${CORE}LifecycleHandler`, 'PostStart is called immediately after a container is created. If the handler fails, the container is terminated and restarted according to its restart policy.'),
    preStop: opaqueRef(`${CORE}LifecycleHandler`, 'PreStop is called immediately before a container is terminated due to an API request or management event.'),
  }),
  LocalObjectReference: object('LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace.', {
    name: str('Name of the referent.', { default: '' }),
  }),
  HostAlias: object(
    "HostAlias holds the mapping between IP and hostnames that will be injected as an entry in the pod's hosts file.",
    { hostnames: strings('Hostnames for the above IP address.', { 'x-kubernetes-list-type': 'atomic' }), ip: str('IP address of the host file entry.') },
    ['ip'],
  ),
  Toleration: object('The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator <operator>.', {
    effect: enumOf(['NoExecute', 'NoSchedule', 'PreferNoSchedule'], 'Effect indicates the taint effect to match. Empty means match all taint effects.'),
    key: str('Key is the taint key that the toleration applies to. Empty means match all taint keys.'),
    operator: enumOf(['Equal', 'Exists'], "Operator represents a key's relationship to the value. Valid operators are Exists and Equal. Defaults to Equal."),
    tolerationSeconds: int64('TolerationSeconds represents the period of time the toleration (which must be of effect NoExecute) tolerates the taint.'),
    value: str('Value is the taint value the toleration matches to. If the operator is Exists, the value should be empty.'),
  }),
  Service: kindSchema('Service is a named abstraction of software service (for example, mysql) consisting of local port that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.', {
    spec: ref(`${CORE}ServiceSpec`, 'Spec defines the behavior of a service.'),
    status: ref(`${CORE}ServiceStatus`, 'Most recently observed status of the service. Populated by the system. Read-only.'),
  }),
  ServiceSpec: object('ServiceSpec describes the attributes that a user creates on a service.', {
    allocateLoadBalancerNodePorts: bool('Whether NodePorts are automatically allocated for services with type LoadBalancer. Default is "true".'),
    clusterIP: str('The IP address of the service, usually assigned randomly. "None" makes a headless service.'),
    clusterIPs: strings('IP addresses assigned to this service, usually assigned randomly; the first is the same as clusterIP.', { 'x-kubernetes-list-type': 'atomic' }),
    externalIPs: strings('A list of IP addresses for which nodes in the cluster will also accept traffic for this service.', { 'x-kubernetes-list-type': 'atomic' }),
    externalName: str('The external reference that discovery mechanisms will return as an alias for this service (e.g. a DNS CNAME record). Requires type ExternalName.'),
    externalTrafficPolicy: enumOf(['Cluster', 'Local'], 'Describes how nodes distribute service traffic they receive on one of the Service\'s "externally-facing" addresses.'),
    healthCheckNodePort: int32('Specifies the healthcheck nodePort for the service, for type LoadBalancer with externalTrafficPolicy Local.'),
    internalTrafficPolicy: enumOf(['Cluster', 'Local'], 'Describes how nodes distribute service traffic they receive on the ClusterIP.'),
    ipFamilies: { type: 'array', items: { type: 'string', default: '', enum: ['', 'IPv4', 'IPv6'] }, description: 'The IP families (e.g. IPv4, IPv6) assigned to this service.', 'x-kubernetes-list-type': 'atomic' },
    ipFamilyPolicy: enumOf(['PreferDualStack', 'RequireDualStack', 'SingleStack'], 'IPFamilyPolicy represents the dual-stack-ness requested or required by this Service.'),
    loadBalancerClass: str('The class of the load balancer implementation this Service belongs to.'),
    loadBalancerIP: str('Only applies to Service Type: LoadBalancer. Deprecated: this field was under-specified.'),
    loadBalancerSourceRanges: strings('If specified and supported by the platform, traffic through the cloud-provider load-balancer will be restricted to the specified client IPs.', { 'x-kubernetes-list-type': 'atomic' }),
    ports: refs(`${CORE}ServicePort`, 'The list of ports that are exposed by this service.', mapKeyed('port', 'protocol')),
    publishNotReadyAddresses: bool('Indicates that any agent which deals with endpoints for this Service should disregard any indications of ready/not-ready.'),
    selector: stringMap('Route service traffic to pods with label keys and values matching this selector.'),
    sessionAffinity: enumOf(['ClientIP', 'None'], 'Supports "ClientIP" and "None". Used to maintain session affinity. Defaults to None.'),
    sessionAffinityConfig: opaqueRef(`${CORE}SessionAffinityConfig`, 'sessionAffinityConfig contains the configurations of session affinity.'),
    trafficDistribution: str('TrafficDistribution offers a way to express preferences for how traffic is distributed to Service endpoints.'),
    type: enumOf(['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'], 'type determines how the Service is exposed. Defaults to ClusterIP.'),
  }),
  ServicePort: object(
    "ServicePort contains information on service's port.",
    {
      appProtocol: str('The application protocol for this port, used as a hint for implementations to offer richer behavior.'),
      name: str('The name of this port within the service. This must be a DNS_LABEL. All ports within a ServiceSpec must have unique names.'),
      nodePort: int32('The port on each node on which this service is exposed when type is NodePort or LoadBalancer. Usually assigned by the system.'),
      port: int32('The port that will be exposed by this service.'),
      protocol: enumOf(['SCTP', 'TCP', 'UDP'], 'The IP protocol for this port. Supports "TCP", "UDP", and "SCTP". Default is TCP.'),
      targetPort: ref(INTSTR, "Number or name of the port to access on the pods targeted by the service. Defaults to the value of the 'port' field."),
    },
    ['port'],
  ),
  ServiceStatus: object('ServiceStatus represents the current status of a service.', {
    conditions: opaqueRefs(`${META}Condition`, 'A condition of the service.', 'Current service state', mapKeyed('type')),
    loadBalancer: ref(`${CORE}LoadBalancerStatus`, 'LoadBalancer contains the current status of the load-balancer, if one is present.'),
  }),
  LoadBalancerStatus: object('LoadBalancerStatus represents the status of a load-balancer.', {
    ingress: refs(`${CORE}LoadBalancerIngress`, 'Ingress is a list containing ingress points for the load-balancer.', { 'x-kubernetes-list-type': 'atomic' }),
  }),
  LoadBalancerIngress: object('LoadBalancerIngress represents the status of a load-balancer ingress point.', {
    hostname: str('Hostname is set for load-balancer ingress points that are DNS based.'),
    ip: str('IP is set for load-balancer ingress points that are IP based.'),
    ipMode: str('IPMode specifies how the load-balancer IP behaves: "VIP" or "Proxy".'),
    ports: opaqueRefs(`${CORE}PortStatus`, 'The status of one port.', 'Ports is a list of records of service ports.', { 'x-kubernetes-list-type': 'atomic' }),
  }),
  Endpoints: kindSchema('Endpoints is a collection of endpoints that implement the actual service.', {
    subsets: refs(`${CORE}EndpointSubset`, 'The set of all endpoints is the union of all subsets.', { 'x-kubernetes-list-type': 'atomic' }),
  }),
  EndpointSubset: object('EndpointSubset is a group of addresses with a common set of ports.', {
    addresses: refs(`${CORE}EndpointAddress`, 'IP addresses which offer the related ports that are marked as ready.', { 'x-kubernetes-list-type': 'atomic' }),
    notReadyAddresses: refs(`${CORE}EndpointAddress`, 'IP addresses which offer the related ports but are not currently marked as ready.', { 'x-kubernetes-list-type': 'atomic' }),
    ports: refs(`${CORE}EndpointPort`, 'Port numbers available on the related IP addresses.', { 'x-kubernetes-list-type': 'atomic' }),
  }),
  EndpointAddress: object(
    'EndpointAddress is a tuple that describes single IP address.',
    {
      hostname: str('The Hostname of this endpoint'),
      ip: str('The IP of this endpoint. May not be loopback, link-local or link-local multicast.'),
      nodeName: str('Optional: Node hosting this endpoint. This can be used to determine endpoints local to a node.'),
      targetRef: ref(`${CORE}ObjectReference`, 'Reference to object providing the endpoint.'),
    },
    ['ip'],
  ),
  EndpointPort: object(
    'EndpointPort is a tuple that describes a single port.',
    {
      appProtocol: str('The application protocol for this port.'),
      name: str('The name of this port. This must match the \'name\' field in the corresponding ServicePort.'),
      port: int32('The port number of the endpoint.'),
      protocol: enumOf(['SCTP', 'TCP', 'UDP'], 'The IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.'),
    },
    ['port'],
  ),
  ObjectReference: object('ObjectReference contains enough information to let you inspect or modify the referred object.', {
    apiVersion: str('API version of the referent.'),
    fieldPath: str('If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as spec.containers{name}.'),
    kind: str('Kind of the referent.'),
    name: str('Name of the referent.'),
    namespace: str('Namespace of the referent.'),
    resourceVersion: str('Specific resourceVersion to which this reference is made, if any.'),
    uid: str('UID of the referent.'),
  }),
  ServiceAccount: kindSchema('ServiceAccount binds together: a name understood by users and perhaps by peripheral systems, a principal that can be authenticated and authorized, and a set of secrets.', {
    automountServiceAccountToken: bool('AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted.'),
    imagePullSecrets: refs(`${CORE}LocalObjectReference`, 'ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.', { 'x-kubernetes-list-type': 'atomic' }),
    secrets: refs(`${CORE}ObjectReference`, 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', mapKeyed('name')),
  }),
  ConfigMap: kindSchema('ConfigMap holds configuration data for pods to consume.', {
    binaryData: byteMap('BinaryData contains the binary data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'.'),
    data: stringMap("Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'."),
    immutable: bool('Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified).'),
  }),
  Secret: kindSchema('Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.', {
    data: byteMap('Data contains the secret data, base64 encoded. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'.'),
    immutable: bool('Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).'),
    stringData: stringMap('stringData allows specifying non-binary secret data in string form. It is merged into the data field on write. Write-only.'),
    type: str('Used to facilitate programmatic handling of secret data.'),
  }),
  Event: kindSchema(
    'Event is a report of an event somewhere in the cluster.',
    {
      action: str('What action was taken/failed regarding to the Regarding object.'),
      count: int32('The number of times this event has occurred.'),
      eventTime: ref(`${META}MicroTime`, 'Time when this Event was first observed.'),
      firstTimestamp: time('The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
      involvedObject: ref(`${CORE}ObjectReference`, 'The object that this event is about.'),
      lastTimestamp: time('The time at which the most recent occurrence of this event was recorded.'),
      message: str('A human-readable description of the status of this operation.'),
      reason: str("This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
      related: ref(`${CORE}ObjectReference`, 'Optional secondary object for more complex actions.'),
      reportingComponent: str('Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.', { default: '' }),
      reportingInstance: str('ID of the controller instance, e.g. `kubelet-xyzf`.', { default: '' }),
      series: opaqueRef(`${CORE}EventSeries`, 'Data about the Event series this event represents or nil if it\'s a singleton Event.'),
      source: ref(`${CORE}EventSource`, 'The component reporting this event. Should be a short machine understandable string.'),
      type: str('Type of this event (Normal, Warning), new types could be added in the future'),
    },
    ['metadata', 'involvedObject'],
  ),
  EventSource: object('EventSource contains information for an event.', {
    component: str('Component from which the event is generated.'),
    host: str('Node name on which the event is generated.'),
  }),
};

const replicaSetConditions = opaqueRefs(`${APPS}ReplicaSetCondition`, 'A condition of the replica set.', "Represents the latest available observations of a replica set's current state.", mapKeyed('type'));
const MIN_READY_SECONDS = int32('Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.');

const apps: Record<string, JSONSchemaProps> = {
  Deployment: kindSchema('Deployment enables declarative updates for Pods and ReplicaSets.', {
    spec: ref(`${APPS}DeploymentSpec`, 'Specification of the desired behavior of the Deployment.'),
    status: ref(`${APPS}DeploymentStatus`, 'Most recently observed status of the Deployment.'),
  }),
  DeploymentSpec: object(
    'DeploymentSpec is the specification of the desired behavior of the Deployment.',
    {
      minReadySeconds: MIN_READY_SECONDS,
      paused: bool('Indicates that the deployment is paused.'),
      progressDeadlineSeconds: int32('The maximum time in seconds for a deployment to make progress before it is considered to be failed. Defaults to 600s.'),
      replicas: int32('Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.'),
      revisionHistoryLimit: int32('The number of old ReplicaSets to retain to allow rollback. Defaults to 10.'),
      selector: ref(`${META}LabelSelector`, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."),
      strategy: ref(`${APPS}DeploymentStrategy`, 'The deployment strategy to use to replace existing pods with new ones.'),
      template: ref(`${CORE}PodTemplateSpec`, 'Template describes the pods that will be created. The only allowed template.spec.restartPolicy value is "Always".'),
    },
    ['selector', 'template'],
  ),
  DeploymentStrategy: object('DeploymentStrategy describes how to replace existing pods with new ones.', {
    rollingUpdate: ref(`${APPS}RollingUpdateDeployment`, 'Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.'),
    type: enumOf(['Recreate', 'RollingUpdate'], 'Type of deployment. Can be "Recreate" or "RollingUpdate". Default is RollingUpdate.'),
  }),
  RollingUpdateDeployment: object('Spec to control the desired behavior of rolling update.', {
    maxSurge: ref(INTSTR, 'The maximum number of pods that can be scheduled above the desired number of pods: a number or a percentage. Defaults to 25%.'),
    maxUnavailable: ref(INTSTR, 'The maximum number of pods that can be unavailable during the update: a number or a percentage. Defaults to 25%.'),
  }),
  DeploymentStatus: object('DeploymentStatus is the most recently observed status of the Deployment.', {
    availableReplicas: int32('Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    collisionCount: int32('Count of hash collisions for the Deployment, used as a collision avoidance mechanism when naming the newest ReplicaSet.'),
    conditions: refs(`${APPS}DeploymentCondition`, "Represents the latest available observations of a deployment's current state.", mapKeyed('type')),
    observedGeneration: int64('The generation observed by the deployment controller.'),
    readyReplicas: int32('readyReplicas is the number of pods targeted by this Deployment with a Ready Condition.'),
    replicas: int32('Total number of non-terminated pods targeted by this deployment (their labels match the selector).'),
    unavailableReplicas: int32('Total number of unavailable pods targeted by this deployment.'),
    updatedReplicas: int32('Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
  }),
  DeploymentCondition: object(
    'DeploymentCondition describes the state of a deployment at a certain point.',
    {
      lastTransitionTime: time('Last time the condition transitioned from one status to another.'),
      lastUpdateTime: time('The last time this condition was updated.'),
      message: str('A human readable message indicating details about the transition.'),
      reason: str("The reason for the condition's last transition."),
      status: str('Status of the condition, one of True, False, Unknown.'),
      type: str('Type of deployment condition.'),
    },
    ['type', 'status'],
  ),
  ReplicaSet: kindSchema('ReplicaSet ensures that a specified number of pod replicas are running at any given time.', {
    spec: ref(`${APPS}ReplicaSetSpec`, 'Spec defines the specification of the desired behavior of the ReplicaSet.'),
    status: ref(`${APPS}ReplicaSetStatus`, 'Status is the most recently observed status of the ReplicaSet. Populated by the system. Read-only.'),
  }),
  ReplicaSetSpec: object(
    'ReplicaSetSpec is the specification of a ReplicaSet.',
    {
      minReadySeconds: MIN_READY_SECONDS,
      replicas: int32('Replicas is the number of desired pods. Defaults to 1.'),
      selector: ref(`${META}LabelSelector`, 'Selector is a label query over pods that should match the replica count. It must match the pod template\'s labels.'),
      template: ref(`${CORE}PodTemplateSpec`, 'Template is the object that describes the pod that will be created if insufficient replicas are detected.'),
    },
    ['selector'],
  ),
  ReplicaSetStatus: object(
    'ReplicaSetStatus represents the current status of a ReplicaSet.',
    {
      availableReplicas: int32('The number of available pods (ready for at least minReadySeconds) for this replica set.'),
      conditions: replicaSetConditions,
      fullyLabeledReplicas: int32('The number of pods that have labels matching the labels of the pod template of the replicaset.'),
      observedGeneration: int64('ObservedGeneration reflects the generation of the most recently observed ReplicaSet.'),
      readyReplicas: int32('readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.'),
      replicas: int32('Replicas is the most recently observed number of non-terminating pods.'),
    },
    ['replicas'],
  ),
  DaemonSet: kindSchema('DaemonSet represents the configuration of a daemon set.', {
    spec: ref(`${APPS}DaemonSetSpec`, 'The desired behavior of this daemon set.'),
    status: ref(`${APPS}DaemonSetStatus`, 'The current status of this daemon set. This data may be out of date by some window of time.'),
  }),
  DaemonSetSpec: object(
    'DaemonSetSpec is the specification of a daemon set.',
    {
      minReadySeconds: int32('The minimum number of seconds for which a newly created DaemonSet pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.'),
      revisionHistoryLimit: int32('The number of old history to retain to allow rollback. Defaults to 10.'),
      selector: ref(`${META}LabelSelector`, "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels."),
      template: ref(`${CORE}PodTemplateSpec`, 'An object that describes the pod that will be created. The DaemonSet will create exactly one copy of this pod on every node that matches the template\'s node selector. The only allowed template.spec.restartPolicy value is "Always".'),
      updateStrategy: ref(`${APPS}DaemonSetUpdateStrategy`, 'An update strategy to replace existing DaemonSet pods with new pods.'),
    },
    ['selector', 'template'],
  ),
  DaemonSetUpdateStrategy: object('DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet.', {
    rollingUpdate: ref(`${APPS}RollingUpdateDaemonSet`, 'Rolling update config params. Present only if type = "RollingUpdate".'),
    type: enumOf(['OnDelete', 'RollingUpdate'], 'Type of daemon set update. Can be "RollingUpdate" or "OnDelete". Default is RollingUpdate.'),
  }),
  RollingUpdateDaemonSet: object('Spec to control the desired behavior of daemon set rolling update.', {
    maxSurge: ref(INTSTR, 'The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during an update: a number or a percentage. Defaults to 0.'),
    maxUnavailable: ref(INTSTR, 'The maximum number of DaemonSet pods that can be unavailable during the update: a number or a percentage. Defaults to 1.'),
  }),
  DaemonSetStatus: object(
    'DaemonSetStatus represents the current status of a daemon set.',
    {
      collisionCount: int32('Count of hash collisions for the DaemonSet, used as a collision avoidance mechanism when naming the newest ControllerRevision.'),
      conditions: opaqueRefs(`${APPS}DaemonSetCondition`, 'A condition of the daemon set.', "Represents the latest available observations of a DaemonSet's current state.", mapKeyed('type')),
      currentNumberScheduled: int32('The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
      desiredNumberScheduled: int32('The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
      numberAvailable: int32('The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
      numberMisscheduled: int32('The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod.'),
      numberReady: int32('numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
      numberUnavailable: int32('The number of nodes that should be running the daemon pod and have none of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
      observedGeneration: int64('The most recent generation observed by the daemon set controller.'),
      updatedNumberScheduled: int32('The total number of nodes that are running updated daemon pod'),
    },
    ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'],
  ),
};

const quantities = (description: string): JSONSchemaProps => ({ type: 'object', additionalProperties: { $ref: refTo(QUANTITY) }, description });

/** PersistentVolumeClaims: the spec as a claim states it; the cluster binds every claim at once (no volumes are modelled). */
const storage: Record<string, JSONSchemaProps> = {
  PersistentVolumeClaim: kindSchema("PersistentVolumeClaim is a user's request for and claim to a persistent volume.", {
    spec: ref(`${CORE}PersistentVolumeClaimSpec`, 'The desired characteristics of the volume requested by the claim.'),
    status: ref(`${CORE}PersistentVolumeClaimStatus`, 'The current information about the claim. Read-only.'),
  }),
  PersistentVolumeClaimSpec: object('PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for provider-specific attributes.', {
    accessModes: strings('The desired access modes the volume should have (ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod).', { 'x-kubernetes-list-type': 'atomic' }),
    dataSource: opaqueRef(`${CORE}TypedLocalObjectReference`, 'An existing object to populate the volume from (a VolumeSnapshot or another claim).'),
    dataSourceRef: opaqueRef(`${CORE}TypedObjectReference`, 'The object to populate the volume with data from, possibly in another namespace.'),
    resources: ref(`${CORE}VolumeResourceRequirements`, 'The minimum resources the volume should have.'),
    selector: ref(`${META}LabelSelector`, 'A label query over volumes to consider for binding.'),
    storageClassName: str('The name of the StorageClass required by the claim.'),
    volumeAttributesClassName: str('The VolumeAttributesClass used by this claim.'),
    volumeMode: enumOf(['Block', 'Filesystem'], 'What type of volume is required by the claim. Filesystem is implied when not included.'),
    volumeName: str('The binding reference to the PersistentVolume backing this claim.'),
  }),
  VolumeResourceRequirements: object('VolumeResourceRequirements describes the storage resource requirements for a volume.', {
    limits: quantities('The maximum amount of compute resources allowed.'),
    requests: quantities('The minimum amount of compute resources required.'),
  }),
  PersistentVolumeClaimStatus: object('PersistentVolumeClaimStatus is the current status of a persistent volume claim.', {
    accessModes: strings('The access modes the volume backing the claim has.', { 'x-kubernetes-list-type': 'atomic' }),
    capacity: quantities('The actual resources of the underlying volume.'),
    conditions: opaqueRefs(`${CORE}PersistentVolumeClaimCondition`, 'A condition of the claim.', 'The current conditions of the claim.', mapKeyed('type')),
    phase: enumOf(['Bound', 'Lost', 'Pending'], 'The current phase of the claim.'),
  }),
};

const statefulSets: Record<string, JSONSchemaProps> = {
  StatefulSet: kindSchema('StatefulSet represents a set of pods with consistent identities: network names and storage that survive rescheduling.', {
    spec: ref(`${APPS}StatefulSetSpec`, 'Spec defines the desired identities of pods in this set.'),
    status: ref(`${APPS}StatefulSetStatus`, 'Status is the current status of Pods in this StatefulSet. This data may be out of date by some window of time.'),
  }),
  StatefulSetSpec: object(
    'A StatefulSetSpec is the specification of a StatefulSet.',
    {
      minReadySeconds: MIN_READY_SECONDS,
      ordinals: opaqueRef(`${APPS}StatefulSetOrdinals`, 'Controls the numbering of replica indices in a StatefulSet.'),
      persistentVolumeClaimRetentionPolicy: opaqueRef(`${APPS}StatefulSetPersistentVolumeClaimRetentionPolicy`, 'The lifecycle of claims created from volumeClaimTemplates.'),
      podManagementPolicy: enumOf(['OrderedReady', 'Parallel'], 'How pods are created during initial scale up, when replacing pods on nodes, or when scaling down. Defaults to OrderedReady.'),
      replicas: int32('The desired number of replicas of the given Template. Defaults to 1.'),
      revisionHistoryLimit: int32('The maximum number of revisions maintained in the revision history. Defaults to 10.'),
      selector: ref(`${META}LabelSelector`, "A label query over pods that should match the replica count. It must match the pod template's labels."),
      serviceName: str('The name of the service that governs this StatefulSet: it gives the pods their network identity.'),
      template: ref(`${CORE}PodTemplateSpec`, 'The object that describes the pod that will be created if insufficient replicas are detected; each pod is named <statefulsetname>-<ordinal>.'),
      updateStrategy: opaqueRef(`${APPS}StatefulSetUpdateStrategy`, 'The strategy used to update Pods when a revision is made to Template.'),
      volumeClaimTemplates: refs(`${CORE}PersistentVolumeClaim`, 'Claims that pods are allowed to reference; each pod gets its own claim per template.', { 'x-kubernetes-list-type': 'atomic' }),
    },
    ['selector', 'template'],
  ),
  StatefulSetStatus: object(
    'StatefulSetStatus represents the current state of a StatefulSet.',
    {
      availableReplicas: int32('Total number of available pods (ready for at least minReadySeconds) targeted by this statefulset.'),
      collisionCount: int32('The count of hash collisions for the StatefulSet.'),
      conditions: opaqueRefs(`${APPS}StatefulSetCondition`, 'A condition of the stateful set.', "The latest available observations of a statefulset's current state.", mapKeyed('type')),
      currentReplicas: int32('The number of Pods created by the StatefulSet controller from the StatefulSet version indicated by currentRevision.'),
      currentRevision: str('The version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).'),
      observedGeneration: int64("The most recent generation observed for this StatefulSet. It corresponds to the StatefulSet's generation."),
      readyReplicas: int32('The number of pods created for this StatefulSet with a Ready Condition.'),
      replicas: int32('The number of Pods created by the StatefulSet controller.'),
      updateRevision: str('The version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas).'),
      updatedReplicas: int32('The number of Pods created by the StatefulSet controller from the StatefulSet version indicated by updateRevision.'),
    },
    ['replicas'],
  ),
};

export const NETWORKING = 'io.k8s.api.networking.v1.';
export const RBAC = 'io.k8s.api.rbac.v1.';

const networking: Record<string, JSONSchemaProps> = {
  Ingress: kindSchema('Ingress is a collection of rules that allow inbound connections to reach the endpoints defined by a backend.', {
    spec: ref(`${NETWORKING}IngressSpec`, 'Spec is the desired state of the Ingress.'),
    status: ref(`${NETWORKING}IngressStatus`, 'Status is the current state of the Ingress.'),
  }),
  IngressSpec: object('IngressSpec describes the Ingress the user wishes to exist.', {
    defaultBackend: ref(`${NETWORKING}IngressBackend`, 'The backend for requests no rule matches.'),
    ingressClassName: str('The name of an IngressClass cluster resource: the controller that should implement this Ingress.'),
    rules: refs(`${NETWORKING}IngressRule`, 'A list of host rules used to configure the Ingress.', { 'x-kubernetes-list-type': 'atomic' }),
    tls: refs(`${NETWORKING}IngressTLS`, 'TLS configuration: the hosts and the Secret holding their certificate.', { 'x-kubernetes-list-type': 'atomic' }),
  }),
  IngressBackend: object('IngressBackend describes all endpoints for a given service and port.', {
    resource: opaqueRef(`${CORE}TypedLocalObjectReference`, 'An object in the same namespace as the Ingress; mutually exclusive with service.'),
    service: ref(`${NETWORKING}IngressServiceBackend`, 'A Service as a backend; mutually exclusive with resource.'),
  }),
  IngressServiceBackend: object('IngressServiceBackend references a Kubernetes Service as a Backend.', {
    name: str('The referenced service. The service must exist in the same namespace as the Ingress object.', { default: '' }),
    port: ref(`${NETWORKING}ServiceBackendPort`, 'The port of the referenced service.'),
  }, ['name']),
  ServiceBackendPort: object('ServiceBackendPort is the service port being referenced.', {
    name: str('The name of the port on the Service; mutually exclusive with number.'),
    number: int32('The numerical port number on the Service; mutually exclusive with name.'),
  }),
  IngressRule: object('IngressRule represents the rules mapping the paths under a specified host to the related backend services.', {
    host: str('The fully qualified domain name of a network host (a wildcard `*.` prefix is allowed); unset matches every host.'),
    http: ref(`${NETWORKING}HTTPIngressRuleValue`, 'The HTTP paths of the rule.'),
  }),
  HTTPIngressRuleValue: object('HTTPIngressRuleValue is a list of http selectors pointing to backends.', {
    paths: refs(`${NETWORKING}HTTPIngressPath`, 'A collection of paths that map requests to backends.', { 'x-kubernetes-list-type': 'atomic' }),
  }, ['paths']),
  HTTPIngressPath: object('HTTPIngressPath associates a path with a backend.', {
    backend: ref(`${NETWORKING}IngressBackend`, 'Where matching requests are sent.'),
    path: str('Matched against the path of an incoming request; must begin with a "/".'),
    pathType: enumOf(['Exact', 'ImplementationSpecific', 'Prefix'], 'How the path is matched: Exact, Prefix (by path elements split by "/") or ImplementationSpecific (the IngressClass decides).'),
  }, ['pathType', 'backend']),
  IngressTLS: object('IngressTLS describes the transport layer security associated with an ingress.', {
    hosts: strings('Hosts included in the TLS certificate.', { 'x-kubernetes-list-type': 'atomic' }),
    secretName: str('The Secret used to terminate TLS traffic on port 443.'),
  }),
  IngressStatus: object('IngressStatus describes the current state of the Ingress.', {
    loadBalancer: ref(`${NETWORKING}IngressLoadBalancerStatus`, 'The current state of the load-balancer.'),
  }),
  IngressLoadBalancerStatus: object('IngressLoadBalancerStatus represents the status of a load-balancer.', {
    ingress: refs(`${NETWORKING}IngressLoadBalancerIngress`, 'The ingress points of the load-balancer.', { 'x-kubernetes-list-type': 'atomic' }),
  }),
  IngressLoadBalancerIngress: object('IngressLoadBalancerIngress represents the status of a load-balancer ingress point.', {
    hostname: str('Set for load-balancer ingress points that are DNS based.'),
    ip: str('Set for load-balancer ingress points that are IP based.'),
    ports: opaqueRefs(`${NETWORKING}IngressPortStatus`, 'A port of the ingress point.', 'Information about the ports exposed by this load-balancer.', { 'x-kubernetes-list-type': 'atomic' }),
  }),
  IngressClass: kindSchema('IngressClass represents the class of the Ingress, referenced by the Ingress Spec.', {
    spec: ref(`${NETWORKING}IngressClassSpec`, 'Spec is the desired state of the IngressClass.'),
  }),
  IngressClassSpec: object('IngressClassSpec provides information about the class of an Ingress.', {
    controller: str('The name of the controller that should handle this class, e.g. "istio.io/ingress-controller". Immutable.'),
    parameters: opaqueRef(`${NETWORKING}IngressClassParametersReference`, 'A link to a resource with additional configuration for the controller.'),
  }),
};

const roleRules = refs(`${RBAC}PolicyRule`, 'Rules holds all the PolicyRules for this role.', { 'x-kubernetes-list-type': 'atomic' });
const subjects = refs(`${RBAC}Subject`, 'Subjects holds references to the objects the role applies to.', { 'x-kubernetes-list-type': 'atomic' });
const roleRef = ref(`${RBAC}RoleRef`, 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. Immutable.');

const rbac: Record<string, JSONSchemaProps> = {
  ClusterRole: kindSchema('ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.', {
    aggregationRule: ref(`${RBAC}AggregationRule`, 'An optional field that describes how to build the Rules for this ClusterRole from other ClusterRoles.'),
    rules: roleRules,
  }),
  AggregationRule: object('AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole.', {
    clusterRoleSelectors: refs(`${META}LabelSelector`, 'Selectors of ClusterRoles whose rules are aggregated.', { 'x-kubernetes-list-type': 'atomic' }),
  }),
  Role: kindSchema('Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.', { rules: roleRules }),
  PolicyRule: object('PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.', {
    apiGroups: strings('The API groups of the resources; "" is the core group, "*" every group.', { 'x-kubernetes-list-type': 'atomic' }),
    nonResourceURLs: strings('Partial URLs a user should have access to (only in a ClusterRole bound by a ClusterRoleBinding).', { 'x-kubernetes-list-type': 'atomic' }),
    resourceNames: strings('An optional allow list of names the rule applies to.', { 'x-kubernetes-list-type': 'atomic' }),
    resources: strings('The resources the rule applies to; "*" means all.', { 'x-kubernetes-list-type': 'atomic' }),
    verbs: strings('The verbs the rule allows ("get", "list", "watch", …); "*" means all.', { 'x-kubernetes-list-type': 'atomic' }),
  }, ['verbs']),
  ClusterRoleBinding: kindSchema('ClusterRoleBinding references a ClusterRole, but not contain it. It can reference a ClusterRole in the global namespace, and adds who information via Subject.', { roleRef, subjects }, ['roleRef']),
  RoleBinding: kindSchema('RoleBinding references a role, but does not contain it. It can reference a Role in the same namespace or a ClusterRole in the global namespace.', { roleRef, subjects }, ['roleRef']),
  RoleRef: object('RoleRef contains information that points to the role being used.', {
    apiGroup: str('The group for the resource being referenced.', { default: '' }),
    kind: str('The type of resource being referenced.', { default: '' }),
    name: str('The name of resource being referenced.', { default: '' }),
  }, ['apiGroup', 'kind', 'name']),
  Subject: object('Subject contains a reference to the object or user identities a role binding applies to.', {
    apiGroup: str('The API group of the referenced subject: "" for ServiceAccount, "rbac.authorization.k8s.io" for User and Group.'),
    kind: str('The kind of object being referenced: "User", "Group" or "ServiceAccount".', { default: '' }),
    name: str('The name of the object being referenced.', { default: '' }),
    namespace: str('The namespace of the referenced object (ServiceAccount subjects).'),
  }, ['kind', 'name']),
};

const withPrefix = (prefix: string, defs: Record<string, JSONSchemaProps>) => Object.entries(defs).map(([name, schema]) => [prefix + name, schema] as const);

/** Every definition the built-in kinds use, by its full name. */
export const BUILTIN_DEFINITIONS: Readonly<Record<string, JSONSchemaProps>> = Object.fromEntries([
  ...withPrefix(META, meta),
  ...withPrefix(CORE, core),
  ...withPrefix(APPS, apps),
  ...withPrefix(CORE, storage),
  ...withPrefix(APPS, statefulSets),
  ...withPrefix(NETWORKING, networking),
  ...withPrefix(RBAC, rbac),
  ...Object.entries(OPAQUE),
  [INTSTR, intOrString],
  [QUANTITY, quantity],
]);

/** The definition name of a built-in kind, e.g. ('apps', 'Deployment') → io.k8s.api.apps.v1.Deployment. */
export function builtinDefinitionName(group: string, kind: string): string | undefined {
  const prefix = ({ '': CORE, apps: APPS, 'networking.k8s.io': NETWORKING, 'rbac.authorization.k8s.io': RBAC } as Record<string, string>)[group];
  return prefix && BUILTIN_DEFINITIONS[prefix + kind] ? prefix + kind : undefined;
}

/** The List definition of a built-in kind (built on request: only the documents need them). */
export const builtinListDefinition = (itemName: string, kind: string): JSONSchemaProps => listSchema(itemName, `${kind}List is a list of ${kind} objects.`);
