/**
 * JSON schemas for the Istio kinds the editor validates against. The validation engineer's
 * `istioJsonSchemas` (server/embedded/apiserver/validation/schemas.ts) is the source of
 * truth; the glob makes it optional at build time, and the small local schemas below
 * cover the talk's kinds until it exists.
 */
type Schema = Record<string, unknown>;

const serverSchemas = import.meta.glob<{ istioJsonSchemas?: Record<string, Schema> }>('../../server/embedded/apiserver/validation/schemas.ts');

const metadata: Schema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
    namespace: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
};
const destination: Schema = {
  type: 'object',
  required: ['host'],
  additionalProperties: false,
  properties: { host: { type: 'string' }, subset: { type: 'string' }, port: { type: 'object', properties: { number: { type: 'integer' } } } },
};
const percent: Schema = { type: 'object', properties: { value: { type: 'number', minimum: 0, maximum: 100 } } };
const duration: Schema = { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' };
const stringMatch: Schema = { type: 'object', properties: { exact: { type: 'string' }, prefix: { type: 'string' }, regex: { type: 'string' } } };

const istio = (kind: string, spec: Schema): Schema => ({
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { enum: ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'] },
    kind: { const: kind },
    metadata,
    spec,
  },
});

export const FALLBACK_SCHEMAS: Record<string, Schema> = {
  VirtualService: istio('VirtualService', {
    type: 'object',
    required: ['hosts'],
    additionalProperties: false,
    properties: {
      hosts: { type: 'array', items: { type: 'string' }, minItems: 1 },
      gateways: { type: 'array', items: { type: 'string' } },
      http: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: { type: 'string' },
            match: { type: 'array', items: { type: 'object', properties: { headers: { type: 'object', additionalProperties: stringMatch }, uri: stringMatch } } },
            route: {
              type: 'array',
              items: { type: 'object', required: ['destination'], additionalProperties: false, properties: { destination, weight: { type: 'integer', minimum: 0, maximum: 100 } } },
            },
            fault: {
              type: 'object',
              properties: {
                delay: { type: 'object', properties: { percentage: percent, fixedDelay: duration } },
                abort: { type: 'object', properties: { percentage: percent, httpStatus: { type: 'integer', minimum: 200, maximum: 599 } } },
              },
            },
            timeout: duration,
            retries: { type: 'object', properties: { attempts: { type: 'integer', minimum: 0 }, perTryTimeout: duration, retryOn: { type: 'string' } } },
          },
        },
      },
    },
  }),
  DestinationRule: istio('DestinationRule', {
    type: 'object',
    required: ['host'],
    additionalProperties: false,
    properties: {
      host: { type: 'string' },
      trafficPolicy: { type: 'object' },
      subsets: {
        type: 'array',
        items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } }, trafficPolicy: { type: 'object' } } },
      },
    },
  }),
  Gateway: istio('Gateway', {
    type: 'object',
    required: ['servers'],
    additionalProperties: false,
    properties: {
      selector: { type: 'object', additionalProperties: { type: 'string' } },
      servers: {
        type: 'array',
        items: {
          type: 'object',
          required: ['port', 'hosts'],
          properties: {
            port: { type: 'object', required: ['number', 'protocol'], properties: { number: { type: 'integer' }, name: { type: 'string' }, protocol: { type: 'string' } } },
            hosts: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  }),
};

/** The schemas per kind: the server's when present, else the fallback. */
export async function loadIstioSchemas(): Promise<Record<string, Schema>> {
  const load = Object.values(serverSchemas)[0];
  if (load) {
    try {
      const mod = await load();
      if (mod.istioJsonSchemas && Object.keys(mod.istioJsonSchemas).length) return mod.istioJsonSchemas;
    } catch {
      /* fall through */
    }
  }
  return FALLBACK_SCHEMAS;
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
