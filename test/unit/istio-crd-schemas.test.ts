import { describe, expect, it } from 'vitest';
import { ISTIO_KIND_LIST } from '../../server/kinds.ts';
import type { JSONSchemaProps } from '../../server/embedded/apiserver/openapi/json-schema.ts';
import { istioCrdSchema } from '../../server/embedded/apiserver/openapi/istio-schemas.ts';
import { validateIstioObject } from '../../server/embedded/apiserver/validation/index.ts';

const at = (schema: JSONSchemaProps, path: string): JSONSchemaProps =>
  path.split('.').reduce((s, key) => (key === '[]' ? s.items! : key === '{}' ? (s.additionalProperties as JSONSchemaProps) : s.properties![key]), schema);

describe("istioCrdSchema: Istio's CRD schemas from the spec shapes", () => {
  it('lays out every Istio kind as its CRD does: no root description, a described spec, a free-form status, the same at every version', () => {
    for (const k of ISTIO_KIND_LIST) {
      const first = istioCrdSchema(k.kind, k.versions[0]);
      expect(first.description).toBeUndefined();
      expect(first.properties!.spec.type).toBe('object');
      expect(first.properties!.spec.description).toMatch(/\w/);
      expect(first.properties!.status).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
      for (const v of k.versions) expect(istioCrdSchema(k.kind, v)).toEqual(first);
    }
  });

  it('gives fields the types and formats of the generated CRDs', () => {
    const vs = istioCrdSchema('VirtualService', 'v1');
    expect(at(vs, 'spec.http.[].timeout')).toEqual({
      type: 'string',
      description: 'Timeout for HTTP requests, default is disabled.',
      'x-kubernetes-validations': [{ rule: "duration(self) >= duration('1ms')", message: 'must be a valid duration greater than 1ms' }],
    });
    expect(at(vs, 'spec.http.[].route.[].weight')).toMatchObject({ type: 'integer', format: 'int32' });
    expect(at(vs, 'spec.http.[].route.[].destination.port.number')).toMatchObject({ type: 'integer', minimum: 0, maximum: 4294967295 });
    expect(at(vs, 'spec.http.[].mirrorPercentage.value')).toMatchObject({ type: 'number', format: 'double' });
    expect(at(vs, 'spec.http.[].match.[].headers.{}').properties).toHaveProperty('exact');
    expect(at(vs, 'spec.http.[].route.[].destination').required).toEqual(['host']);
    const dr = istioCrdSchema('DestinationRule', 'v1');
    expect(at(dr, 'spec.trafficPolicy.tls.mode').enum).toEqual(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']);
  });

  it('declares exactly the fields the validator accepts', () => {
    const vs = istioCrdSchema('VirtualService', 'v1');
    const http = Object.keys(at(vs, 'spec.http.[]').properties!);
    const route = (extra: Record<string, unknown>) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r' }, spec: { hosts: ['r'], http: [{ route: [{ destination: { host: 'r' } }], ...extra }] } });
    expect(validateIstioObject('VirtualService', route({ notAField: 1 })).map((c) => c.field)).toEqual(['spec.http[0].notAField']);
    for (const field of http) expect(validateIstioObject('VirtualService', route({ [field]: null })).filter((c) => c.message === 'field not declared in schema')).toEqual([]);
  });

  it('says which kind or version it does not know', () => {
    expect(() => istioCrdSchema('Widget', 'v1')).toThrow('istioCrdSchema: "Widget" is not an Istio kind');
    expect(() => istioCrdSchema('PeerAuthentication', 'v1alpha3')).toThrow('istioCrdSchema: PeerAuthentication is not served at "v1alpha3" (served: v1, v1beta1)');
  });
});
