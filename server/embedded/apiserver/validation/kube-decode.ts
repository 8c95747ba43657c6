/**
 * What the kube-apiserver refuses while decoding a body into its Go types, before any
 * validation: a number where a string belongs, a fraction or a value past int32 in an
 * int32 field, data that is not base64. It answers 400 with Go's encoding/json message.
 */

interface StructType {
  struct: string;
  fields: Record<string, GoType>;
}

type GoType =
  | { go: 'string' | 'int32' | 'int64' | 'bool' | 'bytes' }
  | StructType
  | { list: GoType; name: string }
  | { map: GoType; name: string };

const STRING: GoType = { go: 'string' };
const INT32: GoType = { go: 'int32' };
const INT64: GoType = { go: 'int64' };
const BOOL: GoType = { go: 'bool' };
const BYTES: GoType = { go: 'bytes' };
const STRINGS: GoType = { list: STRING, name: '[]string' };
const STRING_MAP: GoType = { map: STRING, name: 'map[string]string' };
const struct = (name: string, fields: Record<string, GoType>): StructType => ({ struct: name, fields });
const list = (item: StructType): GoType => ({ list: item, name: `[]v1.${item.struct}` });

const OBJECT_META = struct('ObjectMeta', {
  name: STRING,
  generateName: STRING,
  namespace: STRING,
  labels: STRING_MAP,
  annotations: STRING_MAP,
  finalizers: STRINGS,
});

const LABEL_SELECTOR = struct('LabelSelector', {
  matchLabels: STRING_MAP,
  matchExpressions: list(struct('LabelSelectorRequirement', { key: STRING, operator: STRING, values: STRINGS })),
});

const CONTAINER = struct('Container', {
  name: STRING,
  image: STRING,
  command: STRINGS,
  args: STRINGS,
  workingDir: STRING,
  imagePullPolicy: STRING,
  ports: list(struct('ContainerPort', { name: STRING, hostPort: INT32, containerPort: INT32, protocol: STRING, hostIP: STRING })),
  env: list(struct('EnvVar', { name: STRING, value: STRING })),
});

const POD_SPEC = struct('PodSpec', {
  containers: list(CONTAINER),
  initContainers: list(CONTAINER),
  restartPolicy: STRING,
  terminationGracePeriodSeconds: INT64,
  activeDeadlineSeconds: INT64,
  dnsPolicy: STRING,
  nodeSelector: STRING_MAP,
  serviceAccountName: STRING,
  serviceAccount: STRING,
  nodeName: STRING,
  hostname: STRING,
  subdomain: STRING,
  schedulerName: STRING,
  priority: INT32,
});

const POD_TEMPLATE = struct('PodTemplateSpec', { metadata: OBJECT_META, spec: POD_SPEC });

const workloadSpec = (name: string) =>
  struct(name, {
    replicas: INT32,
    minReadySeconds: INT32,
    revisionHistoryLimit: INT32,
    progressDeadlineSeconds: INT32,
    paused: BOOL,
    selector: LABEL_SELECTOR,
    template: POD_TEMPLATE,
  });

const SERVICE_SPEC = struct('ServiceSpec', {
  ports: list(struct('ServicePort', { name: STRING, protocol: STRING, appProtocol: STRING, port: INT32, nodePort: INT32 })),
  selector: STRING_MAP,
  clusterIP: STRING,
  clusterIPs: STRINGS,
  type: STRING,
  externalIPs: STRINGS,
  sessionAffinity: STRING,
  externalName: STRING,
  externalTrafficPolicy: STRING,
  internalTrafficPolicy: STRING,
  publishNotReadyAddresses: BOOL,
});

const ENDPOINT_ADDRESS = struct('EndpointAddress', { ip: STRING, hostname: STRING, nodeName: STRING });
const ENDPOINT_SUBSET = struct('EndpointSubset', {
  addresses: list(ENDPOINT_ADDRESS),
  notReadyAddresses: list(ENDPOINT_ADDRESS),
  ports: list(struct('EndpointPort', { name: STRING, port: INT32, protocol: STRING, appProtocol: STRING })),
});

/** The fields of each built-in kind whose Go type decoding can refuse. */
const KINDS: Record<string, StructType> = {
  Namespace: struct('Namespace', { metadata: OBJECT_META }),
  Pod: struct('Pod', { metadata: OBJECT_META, spec: POD_SPEC }),
  Service: struct('Service', { metadata: OBJECT_META, spec: SERVICE_SPEC }),
  Endpoints: struct('Endpoints', { metadata: OBJECT_META, subsets: list(ENDPOINT_SUBSET) }),
  ServiceAccount: struct('ServiceAccount', { metadata: OBJECT_META, automountServiceAccountToken: BOOL }),
  ConfigMap: struct('ConfigMap', { metadata: OBJECT_META, data: STRING_MAP, binaryData: { map: BYTES, name: 'map[string][]uint8' }, immutable: BOOL }),
  Secret: struct('Secret', { metadata: OBJECT_META, data: { map: BYTES, name: 'map[string][]uint8' }, stringData: STRING_MAP, type: STRING, immutable: BOOL }),
  Event: struct('Event', { metadata: OBJECT_META, reason: STRING, message: STRING, type: STRING, count: INT32 }),
  Deployment: struct('Deployment', { metadata: OBJECT_META, spec: workloadSpec('DeploymentSpec') }),
  ReplicaSet: struct('ReplicaSet', { metadata: OBJECT_META, spec: workloadSpec('ReplicaSetSpec') }),
  DaemonSet: struct('DaemonSet', {
    metadata: OBJECT_META,
    spec: struct('DaemonSetSpec', {
      minReadySeconds: INT32,
      revisionHistoryLimit: INT32,
      selector: LABEL_SELECTOR,
      template: POD_TEMPLATE,
      updateStrategy: struct('DaemonSetUpdateStrategy', { type: STRING }),
    }),
  }),
};

const INT32_RANGE = [-(2 ** 31), 2 ** 31 - 1];

/** How encoding/json names a JSON value it cannot store. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function goTypeName(t: GoType): string {
  if ('go' in t) return t.go === 'bytes' ? '[]uint8' : t.go;
  if ('struct' in t) return `v1.${t.struct}`;
  return t.name;
}

/** Where base64.StdEncoding stops on `s` (line breaks are skipped), or undefined when it decodes. */
export function base64ErrorAt(s: string): number | undefined {
  const ALPHABET = /[A-Za-z0-9+/]/;
  let data = 0;
  let i = 0;
  for (; i < s.length && s[i] !== '='; i++) {
    if (s[i] === '\n' || s[i] === '\r') continue;
    if (!ALPHABET.test(s[i])) return i;
    data++;
  }
  const needed = [0, -1, 2, 1][data % 4];
  if (needed < 0) return i > 0 ? i - 1 : 0;
  if (i === s.length) return needed === 0 ? undefined : i - (data % 4);
  let pads = 0;
  for (; i < s.length; i++) {
    if (s[i] === '\n' || s[i] === '\r') continue;
    if (s[i] !== '=' || pads >= needed) return i;
    pads++;
  }
  return pads === needed ? undefined : s.length;
}

interface Failure {
  message: string;
}

function check(value: unknown, t: GoType, owner: string, fields: string[]): Failure | undefined {
  if (value === null || value === undefined) return undefined;
  const wrong = (shown: string): Failure => ({
    message: fields.length
      ? `json: cannot unmarshal ${shown} into Go struct field ${owner}.${fields.join('.')} of type ${goTypeName(t)}`
      : `json: cannot unmarshal ${shown} into Go value of type ${goTypeName(t)}`,
  });
  if ('go' in t) {
    switch (t.go) {
      case 'string':
        return typeof value === 'string' ? undefined : wrong(jsonKind(value));
      case 'bool':
        return typeof value === 'boolean' ? undefined : wrong(jsonKind(value));
      case 'bytes': {
        if (typeof value !== 'string') return wrong(jsonKind(value));
        const at = base64ErrorAt(value);
        return at === undefined ? undefined : { message: `illegal base64 data at input byte ${at}` };
      }
      default: {
        if (typeof value !== 'number') return wrong(jsonKind(value));
        const fits = Number.isInteger(value) && (t.go === 'int64' ? Number.isSafeInteger(value) : value >= INT32_RANGE[0] && value <= INT32_RANGE[1]);
        return fits ? undefined : wrong(`number ${value}`);
      }
    }
  }
  if ('struct' in t) {
    if (typeof value !== 'object' || Array.isArray(value)) return wrong(jsonKind(value));
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const type = Object.hasOwn(t.fields, key) ? t.fields[key] : undefined;
      if (!type) continue;
      const failed = check(child, type, t.struct, [...fields, key]);
      if (failed) return failed;
    }
    return undefined;
  }
  if ('list' in t) {
    if (!Array.isArray(value)) return wrong(jsonKind(value));
    for (const item of value) {
      const failed = check(item, t.list, owner, fields);
      if (failed) return failed;
    }
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return wrong(jsonKind(value));
  for (const item of Object.values(value as Record<string, unknown>)) {
    const failed = check(item, t.map, owner, fields);
    if (failed) return failed;
  }
  return undefined;
}

/**
 * The apiserver's decode error for a built-in object, e.g. `ConfigMap in version "v1"
 * cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field
 * ConfigMap.data of type string`; undefined when the object decodes.
 */
export function decodeError(kind: string, obj: unknown): string | undefined {
  const type = KINDS[kind];
  if (!type) return undefined;
  const failed = check(obj, type, type.struct, []);
  return failed && `${kind} in version "v1" cannot be handled as a ${kind}: ${failed.message}`;
}
