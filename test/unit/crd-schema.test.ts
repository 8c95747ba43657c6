import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { jsonPathValues } from '../../server/embedded/apiserver/crd/jsonpath.ts';
import { printerCell } from '../../server/embedded/apiserver/crd/printer-columns.ts';
import { applyDefaults, prune } from '../../server/embedded/apiserver/crd/prune-default.ts';
import { validateCrd } from '../../server/embedded/apiserver/crd/validate-crd.ts';
import { validateValue } from '../../server/embedded/apiserver/crd/validate-object.ts';
import { byVersionPriority } from '../../server/embedded/apiserver/crd/version-priority.ts';
import type { JSONSchemaProps } from '../../server/embedded/apiserver/openapi/json-schema.ts';
import { present } from '../../server/embedded/apiserver/request.ts';
import { ObjectStore } from '../../server/embedded/apiserver/store.ts';

const messages = (schema: JSONSchemaProps, value: unknown, path = 'spec') => validateValue(schema, value, path).map((e) => `${e.field}: ${e.message}`);

const ROUTE: JSONSchemaProps = {
  type: 'object',
  required: ['parentRefs'],
  properties: {
    parentRefs: {
      type: 'array',
      maxItems: 2,
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 5 }, port: { type: 'integer', minimum: 1, maximum: 65535 } } },
    },
    hostnames: { type: 'array', items: { type: 'string', pattern: '^[a-z.]+$' }, 'x-kubernetes-list-type': 'set' },
    mode: { type: 'string', enum: ['Same', 'All'] },
    since: { type: 'string', format: 'date-time' },
    weight: { type: 'integer', minimum: 0, exclusiveMinimum: true },
    target: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, oneOf: [{ required: ['a'] }, { required: ['b'] }] },
  },
};

describe('custom object validation, worded as the apiserver words it', () => {
  it('names each failing field by its path with the apiserver\'s message', () => {
    expect(messages(ROUTE, { parentRefs: [{ name: '' }, { port: 0 }, { name: 'toolongname', port: 70000 }] })).toEqual([
      'spec.parentRefs: Too many: 3: must have at most 2 items',
      'spec.parentRefs[0].name: Invalid value: "": spec.parentRefs[0].name in body should be at least 1 chars long',
      'spec.parentRefs[1].name: Required value',
      'spec.parentRefs[1].port: Invalid value: 0: spec.parentRefs[1].port in body should be greater than or equal to 1',
      'spec.parentRefs[2].name: Too long: may not be more than 5 bytes',
      'spec.parentRefs[2].port: Invalid value: 70000: spec.parentRefs[2].port in body should be less than or equal to 65535',
    ]);
  });

  it('reports types, enums, patterns, formats, exclusive bounds, sets and oneOf', () => {
    expect(messages(ROUTE, { parentRefs: 'gw', mode: 'Any', hostnames: ['a.b', 'A', 'a.b'], since: 'yesterday', weight: 0, target: {} })).toEqual([
      'spec.parentRefs: Invalid value: "string": spec.parentRefs in body must be of type array: "string"',
      'spec.mode: Unsupported value: "Any": supported values: "Same", "All"',
      'spec.hostnames[1]: Invalid value: "A": spec.hostnames[1] in body should match \'^[a-z.]+$\'',
      'spec.hostnames[2]: Duplicate value: "a.b"',
      'spec.since: Invalid value: "yesterday": spec.since in body must be of type date-time: "yesterday"',
      'spec.weight: Invalid value: 0: spec.weight in body should be greater than 0',
      'spec.target: Invalid value: "object": spec.target in body must validate one and only one schema (oneOf)',
    ]);
    expect(messages(ROUTE, { parentRefs: [{ name: 'gw', port: 80 }], since: '2026-01-02T03:04:05Z', target: { a: 'x' } })).toEqual([]);
  });

  it('takes an int-or-string field either way, and nothing else', () => {
    const port: JSONSchemaProps = { 'x-kubernetes-int-or-string': true };
    expect(messages(port, 80, 'spec.port')).toEqual([]);
    expect(messages(port, 'http', 'spec.port')).toEqual([]);
    expect(messages(port, true, 'spec.port')).toEqual(['spec.port: Invalid value: "boolean": spec.port in body must be of type integer or string: "boolean"']);
  });
});

describe('pruning and defaulting', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          rules: { type: 'array', items: { type: 'object', properties: { weight: { type: 'integer', default: 1 }, kind: { type: 'string', default: 'Service' } } } },
          labels: { type: 'object', additionalProperties: { type: 'object', properties: { on: { type: 'boolean', default: true } } } },
          extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          note: { type: 'string' },
        },
      },
    },
  };

  it('drops undeclared fields and non-nullable nulls, keeps apiVersion, kind, metadata and preserved subtrees', () => {
    const obj: any = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a', whatever: 1 }, spec: { rules: [{ weight: 2, bogus: 1 }], extra: { anything: { deep: 1 } }, note: null, nope: 1 }, top: 1 };
    expect(prune(obj, schema).sort()).toEqual(['spec.nope', 'spec.rules[0].bogus', 'top']);
    expect(obj).toEqual({ apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a', whatever: 1 }, spec: { rules: [{ weight: 2 }], extra: { anything: { deep: 1 } } } });
  });

  it('fills in defaults inside arrays and maps, leaving given values alone', () => {
    const obj: any = { spec: { rules: [{ weight: 5 }, {}], labels: { a: {}, b: { on: false } } } };
    applyDefaults(obj, schema);
    expect(obj.spec).toEqual({ rules: [{ weight: 5, kind: 'Service' }, { weight: 1, kind: 'Service' }], labels: { a: { on: true }, b: { on: false } } });
  });
});

describe('CustomResourceDefinition validation', () => {
  const crd = (overrides: Record<string, unknown> = {}, schema: JSONSchemaProps = { type: 'object' }) => ({
    metadata: { name: 'foos.example.com' },
    spec: {
      group: 'example.com',
      names: { plural: 'foos', kind: 'Foo' },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }],
      ...overrides,
    },
  });
  const errors = (c: any) => validateCrd(c).map((e) => `${e.field}: ${e.message}`);

  it('accepts a minimal structural CRD', () => {
    expect(errors(crd())).toEqual([]);
  });

  it('refuses non-structural schemas, naming each node', () => {
    const schema: JSONSchemaProps = {
      properties: {
        spec: { properties: { list: { type: 'array' }, both: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } } } },
        keep: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false },
        pick: { type: 'object', anyOf: [{ type: 'string' }] },
      },
    };
    expect(errors(crd({}, schema))).toEqual([
      'spec.versions[0].schema.openAPIV3Schema.type: Required value: must not be empty at the root',
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[list].items: Required value: must be specified',
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[both].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive',
      'spec.versions[0].schema.openAPIV3Schema.properties[keep].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined',
      'spec.versions[0].schema.openAPIV3Schema.properties[pick].anyOf[0].type: Forbidden: must be empty to be structural',
    ]);
  });

  it('refuses names, groups, scopes and versions the apiserver refuses', () => {
    expect(errors({ ...crd({ group: 'example' }), metadata: { name: 'foos.example' } })).toEqual(['spec.group: Invalid value: "example": should be a domain with at least one dot']);
    expect(errors({ ...crd(), metadata: { name: 'bars.example.com' } })).toEqual(['metadata.name: Invalid value: "bars.example.com": must be spec.names.plural+"."+spec.group']);
    expect(errors(crd({ scope: 'Global' }))).toEqual(['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']);
    expect(errors(crd({ versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } }] }))).toEqual([
      'spec.versions: Invalid value: "v1(served=true,storage=false)": must have exactly one version marked as storage version',
    ]);
    expect(errors(crd({ versions: [{ name: 'v1', served: true, storage: true }] }))).toEqual(['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']);
  });
});

describe('printer columns', () => {
  const gateway = { metadata: { creationTimestamp: '2026-01-01T00:00:00Z' }, status: { addresses: [{ value: '10.0.0.1' }, { value: '10.0.0.2' }], conditions: [{ type: 'Accepted', status: 'True' }, { type: 'Programmed', status: 'False' }] }, spec: { hosts: ['a', 'b'] } };

  it('follows JSONPath filters and wildcards, first match per cell', () => {
    expect(jsonPathValues('.status.conditions[?(@.type=="Programmed")].status', gateway)).toEqual(['False']);
    expect(printerCell({ name: 'Address', type: 'string', jsonPath: '.status.addresses[*].value' }, gateway, () => '')).toBe('10.0.0.1');
    expect(printerCell({ name: 'Hosts', type: 'string', jsonPath: '.spec.hosts' }, gateway, () => '')).toBe('["a","b"]');
    expect(printerCell({ name: 'Missing', type: 'string', jsonPath: '.spec.nothing' }, gateway, () => '')).toBe('');
    expect(printerCell({ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }, gateway, (ts) => `age of ${ts}`)).toBe('age of 2026-01-01T00:00:00Z');
  });

  it('orders versions by Kubernetes priority', () => {
    expect(byVersionPriority(['v1alpha3', 'v1beta1', 'foo', 'v1', 'v2beta1', 'v1alpha1'])).toEqual(['v1', 'v2beta1', 'v1beta1', 'v1alpha3', 'v1alpha1', 'foo']);
  });
});

describe('defaults on read-back', () => {
  it('shows a default the CRD gained after the object was stored', () => {
    const store = new ObjectStore({ clock: new ScaledClock(1) });
    store.create(store.registry.mustGet('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    const crdType = store.registry.mustGet('apiextensions.k8s.io', 'customresourcedefinitions');
    const schema = (withDefault: boolean): JSONSchemaProps => ({ type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string', ...(withDefault ? { default: 'small' } : {}) } } } } });
    const def = (withDefault: boolean) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'foos.example.com' },
      spec: { group: 'example.com', names: { plural: 'foos', kind: 'Foo' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema(withDefault) } }] },
    });
    const created = store.create(crdType, def(false));
    const foos = store.registry.mustGet('example.com', 'foos');
    store.create(foos, { apiVersion: 'example.com/v1', kind: 'Foo', metadata: { name: 'a', namespace: 'default' }, spec: {} });
    store.update(crdType, { ...def(true), metadata: { ...created.metadata } });
    const stored = store.get(foos, 'default', 'a')!;
    expect(stored.spec).toEqual({});
    expect(present({ type: foos, version: 'v1' }, stored).spec).toEqual({ size: 'small' });
    // The kind was changed in place: whoever held it sees the new schema.
    expect(store.registry.mustGet('example.com', 'foos')).toBe(foos);
  });
});
