/**
 * The openAPIV3Schema of each Istio CRD version. Minimal form: spec and status are objects
 * that keep unknown fields (istiod's own validation checks them), with no defaults.
 */
import type { JSONSchemaProps } from './json-schema.ts';

export function istioCrdSchema(_kind: string, _version: string): JSONSchemaProps {
  return {
    type: 'object',
    properties: {
      spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  };
}
