/**
 * Validation of Istio objects the way a cluster with Istio does it: the CRDs'
 * structural schemas first (types, unknown fields, enums, durations), then istiod's
 * validating webhook rules. Causes carry field paths as a real API server writes them, and the whole
 * text, because kubectl prints only the causes of a 422.
 */
import { invalid } from '../errors.ts';
import type { AdmissionHook } from '../store.ts';
import type { StatusCause } from '../types.ts';
import { Causes, FieldPath } from './causes.ts';
import { ISTIO_GROUPS, ISTIO_KIND_NAMES, istioKind } from '../../istio-api/descriptors.ts';
import { labels } from '../../istio-api/schema-dsl.ts';
import { checkDestinationRule, checkGateway, checkServiceEntry, checkSidecar, checkVirtualService } from './networking-rules.ts';
import { checkAuthorizationPolicy, checkPeerAuthentication, checkRequestAuthentication } from './security-rules.ts';
import { checkShape } from './structural.ts';

export { istioJsonSchemas } from '../../istio-api/schemas.ts';
export { fieldPathSegments } from '../../../field-path.ts';
export { istioWarnings } from './warnings.ts';
export { builtinValidationHook, validateBuiltinObject, builtinDecodeError, UNDELETABLE_NAMESPACES } from './kube-strategies.ts';

const STRING_MAP = labels();
const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

/** What the CRD's structural schema alone rejects: types, unknown fields, enums, ranges, required fields, durations. */
export function checkIstioSchema(kind: string, obj: unknown): StatusCause[] {
  const def = istioKind(kind);
  if (!def) return [{ reason: 'FieldValueNotSupported', field: 'kind', message: `Unsupported value: ${JSON.stringify(kind)}: supported values: ${ISTIO_KIND_NAMES.map((k) => JSON.stringify(k)).join(', ')}` }];
  const causes = new Causes();
  const root = new FieldPath('');
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    causes.typeInvalid(new FieldPath('<root>'), Array.isArray(obj) ? 'array' : typeof obj, 'object');
    return causes.list;
  }
  const o = obj as Record<string, any>;
  for (const key of Object.keys(o)) if (!TOP_LEVEL.has(key)) causes.unknown(root.child(key));
  // Metadata is the apiserver's business; only the string maps matter here.
  if (o.metadata && typeof o.metadata === 'object') {
    for (const field of ['labels', 'annotations']) {
      if (o.metadata[field] !== undefined) checkShape(STRING_MAP, o.metadata[field], root.child('metadata').child(field), causes);
    }
  }
  checkShape(def.spec, o.spec ?? {}, root.child('spec'), causes);
  return causes.list;
}

/** The problems with an Istio object, empty when it is valid. `kind` is e.g. 'VirtualService'. */
export function validateIstioObject(kind: string, obj: unknown): StatusCause[] {
  const schemaCauses = checkIstioSchema(kind, obj);
  // As on a real cluster, a schema failure stops the request before the webhook sees it.
  if (schemaCauses.length) return schemaCauses;
  const o = obj as Record<string, any>;
  const spec = o.spec ?? {};
  const causes = new Causes();
  const name = String(o.metadata?.name ?? '');
  const namespace = String(o.metadata?.namespace ?? 'default');
  const path = new FieldPath('spec');
  switch (kind) {
    case 'VirtualService':
      checkVirtualService(spec, namespace, path, causes);
      break;
    case 'DestinationRule':
      checkDestinationRule(spec, namespace, path, causes);
      break;
    case 'Gateway':
      checkGateway(spec, name, path, causes);
      break;
    case 'ServiceEntry':
      checkServiceEntry(spec, namespace, path, causes);
      break;
    case 'Sidecar':
      checkSidecar(spec, path, causes);
      break;
    case 'PeerAuthentication':
      checkPeerAuthentication(spec, path, causes);
      break;
    case 'AuthorizationPolicy':
      checkAuthorizationPolicy(spec, name, namespace, path, causes);
      break;
    case 'RequestAuthentication':
      checkRequestAuthentication(spec, path, causes);
      break;
  }
  return causes.list;
}

/** Field paths the schema does not declare, for a strict-decoding `unknown field "spec.foo"` error. */
export function unknownIstioFields(kind: string, obj: unknown): string[] {
  return checkIstioSchema(kind, obj)
    .filter((c) => c.message === 'field not declared in schema')
    .map((c) => c.field!);
}

/** The validating admission hook for the embedded store: rejects invalid Istio objects with 422 Invalid. */
export const istioValidationHook: AdmissionHook = (op, type, object) => {
  if (op === 'DELETE' || !ISTIO_GROUPS.has(type.group) || !istioKind(type.kind)) return;
  const causes = validateIstioObject(type.kind, object);
  if (causes.length) throw invalid(type, object.metadata?.name ?? '', causes);
};
