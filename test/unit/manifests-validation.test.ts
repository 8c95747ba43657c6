/**
 * Every Istio object the talk applies passes the embedded cluster's Istio validation, in
 * the current API version and in the older ones the talk's era used (same schemas).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ScaledClock } from '../../server/clock.ts';
import { RESOURCE_TYPES } from '../../server/embedded/apiserver/registry.ts';
import { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import { istioValidationHook, validateIstioObject } from '../../server/embedded/apiserver/validation/index.ts';

const ROOT = join(import.meta.dirname, '../..');
const ISTIO_GROUPS = ['networking.istio.io', 'security.istio.io'];

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'deck' ? [] : yamlFiles(path);
    return name.endsWith('.yaml') && name !== 'scenes.yaml' ? [relative(ROOT, path)] : [];
  });
}

const istioDocs = yamlFiles(join(ROOT, 'manifests')).flatMap((file) =>
  parseAllDocuments(readFileSync(join(ROOT, file), 'utf8'))
    .map((d) => d.toJS())
    .filter((o) => ISTIO_GROUPS.includes(String(o?.apiVersion).split('/')[0]))
    .map((o) => ({ file, obj: o as { apiVersion: string; kind: string; metadata: { name: string }; spec: unknown } })),
);

/** Each document once per API version its group serves: v1, v1beta1, and v1alpha3 for networking. */
const variants = istioDocs.flatMap(({ file, obj }) => {
  const group = obj.apiVersion.split('/')[0];
  const type = RESOURCE_TYPES.find((t) => t.group === group && t.kind === obj.kind);
  if (!type) throw new Error(`${file}: the embedded cluster does not know ${obj.apiVersion} ${obj.kind}`);
  return type.versions.map((version) => ({
    label: `${file} ${obj.kind}/${obj.metadata.name} as ${group}/${version}`,
    obj: { ...structuredClone(obj), apiVersion: `${group}/${version}` },
  }));
});

describe('Istio validation of the talk manifests', () => {
  it('covers every Istio document in the current and the older API versions', () => {
    expect(istioDocs.length).toBeGreaterThanOrEqual(30);
    const versions = new Set(variants.map((v) => v.obj.apiVersion));
    for (const v of ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3', 'security.istio.io/v1', 'security.istio.io/v1beta1']) {
      expect(versions).toContain(v);
    }
  });

  it.each(variants.map((v) => [v.label, v.obj] as const))('%s has no validation causes', (_, obj) => {
    expect(validateIstioObject(obj.kind, obj)).toEqual([]);
  });

  it('is accepted by the embedded API store with the validating hook, in every version', () => {
    const store = new ObjectStore({ clock: new ScaledClock(0.01) });
    store.addAdmissionHook(istioValidationHook);
    store.create(store.registry.mustGet('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    for (const { label, obj } of variants) {
      const type = store.registry.byApiVersionKind(obj.apiVersion, obj.kind);
      expect(type, label).toBeDefined();
      expect(() => store.create(type!, { ...obj, metadata: { ...obj.metadata, namespace: 'default' } }, { dryRun: true }), label).not.toThrow();
    }
  });

  it('would catch a broken copy of a talk file (the check is live)', () => {
    const reviews = istioDocs.find((d) => d.file.endsWith('virtual-service-reviews-50-v3.yaml'))!.obj as any;
    const broken = structuredClone(reviews);
    broken.spec.http[0].route[0].weight = 'fifty';
    broken.spec.http[0].timeout = 'soon';
    const fields = validateIstioObject('VirtualService', broken).map((c) => c.field);
    expect(fields.some((f) => f?.includes('weight'))).toBe(true);
  });
});
