/**
 * JSON schemas for the Istio kinds the editor validates against: the embedded API's own
 * (made from the same descriptors it validates with), so the editor and the cluster agree.
 * Part of the editor's lazily loaded chunk, like the editor itself.
 */
import { istioJsonSchemas } from '../../server/embedded/istio-api/schemas.ts';

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
    properties: { kind: { enum: Object.keys(byKind) } },
    allOf: Object.entries(byKind).map(([kind, schema]) => ({ if: { properties: { kind: { const: kind } }, required: ['kind'] }, then: schema })),
  };
}
