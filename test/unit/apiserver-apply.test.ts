import { describe, expect, it } from 'vitest';
import { ApiError } from '../../server/embedded/apiserver/errors.ts';
import { serverSideApply } from '../../server/embedded/apiserver/managed-fields.ts';
import { strategicMergePatch } from '../../server/embedded/apiserver/patch.ts';
import { RESOURCE_TYPES } from '../../server/embedded/apiserver/registry.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';

const deployments = RESOURCE_TYPES.find((t) => t.kind === 'Deployment')!;
const deploy = (containers: any[], replicas = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { replicas, template: { spec: { containers } } },
});
const apply = (live: KubeObject | undefined, applied: KubeObject, manager: string, force = false) =>
  serverSideApply({ type: deployments, live, applied, manager, force, apiVersion: 'apps/v1', time: '2026-01-01T00:00:00Z', merge: (a, b) => strategicMergePatch(deployments, a, b) });

describe('server-side apply on built-in kinds', () => {
  it('removes a list item the manager stopped applying, keeping the rest', () => {
    const first = apply(undefined, deploy([{ name: 'app', image: 'a:1' }, { name: 'side', image: 's:1' }]), 'one');
    const second = apply(first, deploy([{ name: 'app', image: 'a:1' }]), 'one');
    expect(second.spec.template.spec.containers).toEqual([{ name: 'app', image: 'a:1' }]);
  });

  it('keeps an item another manager still owns fields of', () => {
    const first = apply(undefined, deploy([{ name: 'app', image: 'a:1' }, { name: 'side', image: 's:1' }]), 'one');
    const shared = apply(first, deploy([{ name: 'side', image: 's:1' }]), 'two');
    const dropped = apply(shared, deploy([{ name: 'app', image: 'a:1' }]), 'one');
    expect(dropped.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['app', 'side']);
  });

  it('reports conflicts on values only, grouped by manager like structured-merge-diff', () => {
    const first = apply(undefined, deploy([{ name: 'app', image: 'a:1' }], 1), 'one');
    let err: ApiError | undefined;
    try {
      apply(first, deploy([{ name: 'app', image: 'a:2' }], 3), 'two');
    } catch (e) {
      err = e as ApiError;
    }
    expect(err?.code).toBe(409);
    expect(err?.message).toBe('Apply failed with 2 conflicts: conflicts with "one":\n- .spec.replicas\n- .spec.template.spec.containers[name="app"].image');
    expect(err?.details?.causes?.map((c) => c.field)).toEqual(['.spec.replicas', '.spec.template.spec.containers[name="app"].image']);
    const forced = apply(first, deploy([{ name: 'app', image: 'a:2' }], 3), 'two', true);
    expect(forced.spec.replicas).toBe(3);
    expect((forced.metadata.managedFields as any[]).map((m) => m.manager)).toEqual(['one', 'two']);
  });
});
