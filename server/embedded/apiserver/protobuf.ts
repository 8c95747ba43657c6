import protobuf from 'protobufjs';
import { ApiError } from './errors.ts';
import type { KubeObject } from './types.ts';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/**
 * Just the fields kubectl's generator commands (create namespace|configmap|secret
 * generic|deployment) set, with the field numbers kubectl encodes them under (they must
 * match kubectl's, or its bodies would decode into the wrong fields). Everything else in the
 * body is skipped.
 */
const SCHEMA = `
syntax = "proto2";
package k8s;
message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; optional string contentEncoding = 3; optional string contentType = 4; }
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3;
  map<string, string> labels = 11; map<string, string> annotations = 12;
}
message NamespaceSpec { repeated string finalizers = 1; }
message Namespace { optional ObjectMeta metadata = 1; optional NamespaceSpec spec = 2; }
message ConfigMap { optional ObjectMeta metadata = 1; map<string, string> data = 2; map<string, bytes> binaryData = 3; optional bool immutable = 4; }
message Secret { optional ObjectMeta metadata = 1; map<string, bytes> data = 2; optional string type = 3; map<string, string> stringData = 4; optional bool immutable = 5; }
message LabelSelector { map<string, string> matchLabels = 1; }
message ContainerPort { optional string name = 1; optional int32 hostPort = 2; optional int32 containerPort = 3; optional string protocol = 4; }
message Container {
  optional string name = 1; optional string image = 2; repeated string command = 3; repeated string args = 4;
  repeated ContainerPort ports = 6; optional string terminationMessagePath = 13; optional string imagePullPolicy = 14;
}
message PodSpec { repeated Container containers = 2; optional string restartPolicy = 3; }
message PodTemplateSpec { optional ObjectMeta metadata = 1; optional PodSpec spec = 2; }
message DeploymentStrategy { optional string type = 1; }
message DeploymentSpec { optional int32 replicas = 1; optional LabelSelector selector = 2; optional PodTemplateSpec template = 3; optional DeploymentStrategy strategy = 4; }
message Deployment { optional ObjectMeta metadata = 1; optional DeploymentSpec spec = 2; }
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;
const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"
const DECODABLE = new Set(['v1/Namespace', 'v1/ConfigMap', 'v1/Secret', 'apps/v1/Deployment']);

/** Turns kubectl's protobuf request body into the JSON object it stands for. */
export function decodeProtobufObject(body: Uint8Array): KubeObject {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) {
    throw new ApiError(400, 'BadRequest', 'protobuf body does not start with the k8s\\0 envelope magic');
  }
  let envelope: any;
  try {
    envelope = root.lookupType('k8s.Unknown').toObject(root.lookupType('k8s.Unknown').decode(body.subarray(4)));
  } catch (err) {
    throw new ApiError(400, 'BadRequest', `cannot decode protobuf envelope: ${(err as Error).message}`);
  }
  const apiVersion: string = envelope.typeMeta?.apiVersion ?? '';
  const kind: string = envelope.typeMeta?.kind ?? '';
  if (!DECODABLE.has(`${apiVersion}/${kind}`)) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the embedded API decodes protobuf only for Namespace, ConfigMap, Secret and Deployment, not ${apiVersion} ${kind}; send application/json`,
    );
  }
  const type = root.lookupType(`k8s.${kind}`);
  let obj: any;
  try {
    obj = type.toObject(type.decode(envelope.raw ?? new Uint8Array()), { bytes: String, longs: Number, defaults: false });
  } catch (err) {
    throw new ApiError(400, 'BadRequest', `cannot decode protobuf ${kind}: ${(err as Error).message}`);
  }
  return withDefaults({ apiVersion, kind, ...dropEmpty(obj) } as KubeObject);
}

/** Go writes every string field, set or not; the few server defaults kubectl users expect. */
function withDefaults(obj: KubeObject): KubeObject {
  if (obj.kind === 'Secret') obj.type ??= 'Opaque';
  if (obj.kind === 'Deployment') {
    obj.spec ??= {};
    obj.spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
    const pod = obj.spec.template?.spec;
    if (pod) {
      pod.restartPolicy ??= 'Always';
      for (const c of pod.containers ?? []) {
        for (const p of c.ports ?? []) p.protocol ??= 'TCP';
        c.imagePullPolicy ??= String(c.image ?? '').endsWith(':latest') || !String(c.image ?? '').includes(':') ? 'Always' : 'IfNotPresent';
        c.terminationMessagePath ??= '/dev/termination-log';
      }
    }
  }
  return obj;
}

/** protobufjs gives empty maps and arrays for absent fields; JSON leaves them out. */
function dropEmpty(v: any): any {
  if (Array.isArray(v)) return v.map(dropEmpty);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, c] of Object.entries(v)) {
      const d = dropEmpty(c);
      if (d === undefined || d === '') continue;
      if (d === 0 && k !== 'replicas') continue;
      if (Array.isArray(d) && d.length === 0) continue;
      if (d && typeof d === 'object' && !Array.isArray(d) && Object.keys(d).length === 0 && k !== 'metadata') continue;
      out[k] = d;
    }
    return out;
  }
  return v;
}
