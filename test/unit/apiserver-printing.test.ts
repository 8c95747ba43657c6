import { describe, expect, it } from 'vitest';
import { parseFieldSelector, parseLabelSelector } from '../../server/embedded/apiserver/selectors.ts';
import { podStatusReason } from '../../server/cluster/pod-status.ts';
import { humanDuration } from '../../server/embedded/apiserver/tables.ts';
import { strategicMergePatch } from '../../server/embedded/apiserver/patch.ts';
import { RESOURCE_TYPES } from '../../server/embedded/apiserver/registry.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('ages as kubectl prints them (duration.HumanDuration)', () => {
  it.each([
    [-500, '0s'],
    [-3 * S, '<invalid>'],
    [45 * S, '45s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 12 * S, '3m12s'],
    [15 * M + 40 * S, '15m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [7 * H + 59 * M, '7h59m'],
    [30 * H, '30h'],
    [3 * D + 4 * H, '3d4h'],
    [20 * D, '20d'],
    [2 * 365 * D + 10 * D, '2y10d'],
    [9 * 365 * D, '9y'],
  ])('%d ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('pod STATUS like kubectl', () => {
  const pod = (status: any, extra: any = {}) => ({ metadata: { name: 'p', ...extra }, spec: { containers: [{ name: 'a' }, { name: 'b' }] }, status });
  it('counts ready containers and shows waiting reasons', () => {
    expect(podStatusReason(pod({ phase: 'Pending', containerStatuses: [{ ready: false, state: { waiting: { reason: 'ContainerCreating' } } }] }))).toMatchObject({ reason: 'ContainerCreating', ready: 0, total: 2 });
    expect(podStatusReason(pod({ phase: 'Running', containerStatuses: [{ ready: true, state: { running: {} } }, { ready: true, state: { running: {} } }] }))).toMatchObject({ reason: 'Running', ready: 2 });
    expect(podStatusReason(pod({ phase: 'Running', containerStatuses: [{ ready: true, state: { running: {} } }, { ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }))).toMatchObject({ reason: 'CrashLoopBackOff', ready: 1, restarts: 3 });
  });
  it('says Terminating once deleted, Init:x/y while init containers run, and copes with no status', () => {
    expect(podStatusReason(pod({ phase: 'Running' }, { deletionTimestamp: '2026-01-01T00:00:00Z' })).reason).toBe('Terminating');
    const init = { ...pod({ phase: 'Pending', initContainerStatuses: [{ state: { running: {} } }] }), spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }] } };
    expect(podStatusReason(init).reason).toBe('Init:0/1');
    expect(podStatusReason({ metadata: { name: 'p' } })).toMatchObject({ reason: 'Pending', ready: 0, total: 0 });
  });
});

describe('selectors', () => {
  const obj = (labels: Record<string, string>) => ({ kind: 'Pod', metadata: { name: 'n', namespace: 'ns', labels }, status: { phase: 'Running' } });
  it('parses every label selector operator', () => {
    expect(parseLabelSelector('a=1,b')(obj({ a: '1', b: '' }))).toBe(true);
    expect(parseLabelSelector('a in (1, 2),c notin (x)')(obj({ a: '2' }))).toBe(true);
    expect(parseLabelSelector('!a')(obj({ a: '2' }))).toBe(false);
    expect(() => parseLabelSelector('a=(')).toThrow(/unable to parse requirement/);
  });
  it('refuses field selectors the kind does not support', () => {
    expect(parseFieldSelector('status.phase=Running', 'Pod')(obj({}))).toBe(true);
    expect(() => parseFieldSelector('status.phase=Running', 'ConfigMap')).toThrow(/field label not supported: status.phase/);
  });
});

describe('strategic merge patch', () => {
  const svc = RESOURCE_TYPES.find((t) => t.kind === 'Service')!;
  it('merges Service ports by port and drops null fields', () => {
    const base = { metadata: { name: 's', labels: { a: '1', b: '2' } }, spec: { ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }] } };
    const out = strategicMergePatch(svc, base, { metadata: { labels: { b: null } }, spec: { ports: [{ port: 443, nodePort: 31390 }, { port: 15021 }] } });
    expect(out.metadata.labels).toEqual({ a: '1' });
    expect(out.spec.ports).toEqual([{ port: 80, name: 'http' }, { port: 443, name: 'https', nodePort: 31390 }, { port: 15021 }]);
  });
  it('replaces a map with $patch: replace', () => {
    const out = strategicMergePatch(svc, { metadata: { name: 's' }, spec: { selector: { a: '1', b: '2' } } }, { spec: { selector: { c: '3', $patch: 'replace' } } });
    expect(out.spec.selector).toEqual({ c: '3' });
  });
});
