/**
 * JSON Schemas (draft-07) for the editor (monaco-yaml), one per Istio kind, derived
 * from the same descriptors the embedded API validates with. Browser-safe: no Node imports.
 */
import { ISTIO_KIND_NAMES, METADATA_SHAPE, istioKind } from './descriptors.ts';
import { GO_DURATION_PATTERN, type Shape } from './schema-dsl.ts';

function toJsonSchema(shape: Shape): Record<string, unknown> {
  const d = shape.description ? { description: shape.description } : {};
  switch (shape.type) {
    case 'any':
      return { ...d };
    case 'string':
      return {
        type: 'string',
        ...d,
        ...(shape.enum ? { enum: shape.enum } : {}),
        ...(shape.format === 'duration' ? { pattern: GO_DURATION_PATTERN } : {}),
      };
    case 'integer':
    case 'number':
      return {
        type: shape.type,
        ...d,
        ...(shape.minimum !== undefined ? { minimum: shape.minimum } : {}),
        ...(shape.maximum !== undefined ? { maximum: shape.maximum } : {}),
      };
    case 'boolean':
      return { type: 'boolean', ...d };
    case 'array':
      return { type: 'array', ...d, items: toJsonSchema(shape.items) };
    case 'map':
      return { type: 'object', ...d, additionalProperties: toJsonSchema(shape.values) };
    case 'object': {
      const props = Object.keys(shape.properties);
      const schema: Record<string, unknown> = {
        type: 'object',
        ...d,
        properties: Object.fromEntries(Object.entries(shape.properties).map(([k, v]) => [k, toJsonSchema(v)])),
        additionalProperties: false,
      };
      if (shape.required?.length) schema.required = shape.required;
      // A oneof spanning every field is "at most one property"; otherwise forbid each pair.
      const groups = shape.oneOf ?? [];
      if (groups.length === 1 && groups[0].length === props.length) schema.maxProperties = 1;
      else {
        const pairs = groups.flatMap((g) => g.flatMap((a, i) => g.slice(i + 1).map((b) => ({ not: { required: [a, b] } }))));
        if (pairs.length) schema.allOf = pairs;
      }
      return schema;
    }
  }
}

function kindSchema(kind: string): object {
  const k = istioKind(kind)!;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `${kind} (${k.group})`,
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { type: 'string', enum: k.versions.map((v) => `${k.group}/${v}`) },
      kind: { type: 'string', const: kind },
      metadata: { ...toJsonSchema(METADATA_SHAPE), required: ['name'] },
      spec: toJsonSchema(k.spec),
      status: { type: 'object' },
    },
    additionalProperties: false,
  };
}

export const istioJsonSchemas: Record<string, object> = Object.fromEntries(ISTIO_KIND_NAMES.map((kind) => [kind, kindSchema(kind)]));
