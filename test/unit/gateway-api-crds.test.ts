import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { BUNDLE_PATHS, bundle } from '../../scripts/gateway-api-crds.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const crds = (channel: 'standard' | 'experimental') => parseAllDocuments(readFileSync(join(ROOT, BUNDLE_PATHS[channel]), 'utf8')).map((d) => d.toJS()).filter(Boolean);
const byName = (channel: 'standard' | 'experimental') => new Map(crds(channel).map((c) => [c.metadata.name, c]));
const schemaOf = (crd: any, version = 'v1') => crd.spec.versions.find((v: any) => v.name === version).schema.openAPIV3Schema;

describe('the Gateway API CRD bundles', () => {
  it('are what the generator writes (regenerate with npx tsx scripts/gateway-api-crds.ts)', () => {
    for (const channel of ['standard', 'experimental'] as const) expect(readFileSync(join(ROOT, BUNDLE_PATHS[channel]), 'utf8'), channel).toBe(bundle(channel));
  });

  it('hold the v1.3.0 standard channel: five CRDs with their versions, short names, categories and annotations', () => {
    const std = byName('standard');
    expect([...std.keys()]).toEqual(['gatewayclasses', 'gateways', 'grpcroutes', 'httproutes', 'referencegrants'].map((p) => `${p}.gateway.networking.k8s.io`));
    const versions = (name: string) => std.get(name).spec.versions.map((v: any) => `${v.name}${v.storage ? '*' : ''}`);
    expect(versions('gateways.gateway.networking.k8s.io')).toEqual(['v1*', 'v1beta1']);
    expect(versions('referencegrants.gateway.networking.k8s.io')).toEqual(['v1beta1*']);
    expect(std.get('gateways.gateway.networking.k8s.io').spec.names.shortNames).toEqual(['gtw']);
    expect(std.get('gatewayclasses.gateway.networking.k8s.io').spec.scope).toBe('Cluster');
    for (const crd of std.values()) {
      expect(crd.spec.names.categories).toEqual(['gateway-api']);
      expect(crd.metadata.annotations).toMatchObject({ 'gateway.networking.k8s.io/bundle-version': 'v1.3.0', 'gateway.networking.k8s.io/channel': 'standard' });
    }
    const columns = std.get('gateways.gateway.networking.k8s.io').spec.versions[0].additionalPrinterColumns.map((c: any) => c.name);
    expect(columns).toEqual(['Class', 'Address', 'Programmed', 'Age']);
  });

  it('default what the API server fills in: route parents and backends, the catch-all match, a pending status', () => {
    const route = schemaOf(byName('standard').get('httproutes.gateway.networking.k8s.io')).properties.spec.properties;
    expect(route.parentRefs.items.properties.group.default).toBe('gateway.networking.k8s.io');
    expect(route.parentRefs.items.properties.kind.default).toBe('Gateway');
    const rule = route.rules.items.properties;
    expect(rule.matches.default).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(rule.backendRefs.items.properties.weight.default).toBe(1);
    expect(rule.backendRefs.items.properties.kind.default).toBe('Service');
    const gateway = schemaOf(byName('standard').get('gateways.gateway.networking.k8s.io'));
    expect(gateway.properties.status.default.conditions.map((c: any) => [c.type, c.status, c.reason])).toEqual([['Accepted', 'Unknown', 'Pending'], ['Programmed', 'Unknown', 'Pending']]);
    const listener = gateway.properties.spec.properties.listeners;
    expect(listener['x-kubernetes-validations'].map((v: any) => v.message)).toContain('Listener name must be unique within the Gateway');
  });

  it('add the experimental kinds to the experimental channel', () => {
    const exp = byName('experimental');
    for (const name of ['tcproutes', 'tlsroutes', 'udproutes', 'backendtlspolicies'].map((p) => `${p}.gateway.networking.k8s.io`)) expect(exp.has(name), name).toBe(true);
    expect(exp.has('xlistenersets.gateway.networking.x-k8s.io')).toBe(true);
    for (const crd of exp.values()) expect(crd.metadata.annotations['gateway.networking.k8s.io/channel']).toBe('experimental');
  });
});
