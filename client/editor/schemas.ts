/**
 * JSON schemas for the Istio kinds the editor validates against: the embedded API's own
 * (made from the same descriptors it validates with), so the editor and the cluster agree.
 * Part of the editor's lazily loaded chunk, like the editor itself.
 */
import { istioJsonSchemas } from '../../server/embedded/istio-api/schemas.ts';
import { KIND_LIST } from '../../server/kinds.ts';

/**
 * The Gateway API's routing kinds the Gateway API tabs edit: accepted here, and checked by the
 * cluster on Dry run (the editor has Istio's schemas only). Istio's Gateway shares a name with
 * the Gateway API's, so Istio's schemas apply only to documents in an Istio API group.
 */
const GATEWAY_API_KINDS = KIND_LIST.filter((k) => k.group === 'gateway.networking.k8s.io' && k.change).map((k) => k.kind);

type Schema = Record<string, unknown>;

/** The schemas per kind. */
export async function loadIstioSchemas(): Promise<Record<string, Schema>> {
  return istioJsonSchemas as Record<string, Schema>;
}

/** One schema for a multi-document file: each document is checked against its kind's schema. */
export function combinedSchema(byKind: Record<string, Schema>): Schema {
  return {
    type: 'object',
    required: ['apiVersion', 'kind'],
    properties: { kind: { enum: [...new Set([...Object.keys(byKind), ...GATEWAY_API_KINDS])] } },
    allOf: Object.entries(byKind).map(([kind, schema]) => ({
      if: { properties: { kind: { const: kind }, apiVersion: { pattern: '\\.istio\\.io/' } }, required: ['kind', 'apiVersion'] },
      then: schema,
    })),
  };
}
