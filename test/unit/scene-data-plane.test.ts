import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelChanges, podsNeedRestart, profileFor, wantedNamespaceLabels } from '../../server/api/scene-data-plane.ts';
import { loadScenes } from '../../server/api/scenes.ts';
import { summarizePod } from '../../server/hub/summaries.ts';

const injected = { metadata: { name: 'p', annotations: { 'sidecar.istio.io/status': '{}' } } };
const plain = { metadata: { name: 'p' } };
const ns = (labels: Record<string, string>) => ({ metadata: { name: 'default', labels } });
const template = (labels: Record<string, string> = { app: 'reviews' }) => ({ metadata: { labels }, spec: { containers: [{ name: 'reviews', image: 'x' }] } });

describe('a scene data plane', () => {
  it('switches the profile only when the current one lacks what the data plane needs', () => {
    expect(profileFor('ambient', 'default')).toBe('ambient');
    expect(profileFor('ambient', 'demo')).toBe('ambient');
    expect(profileFor('ambient', 'ambient')).toBeUndefined();
    expect(profileFor('sidecar', 'ambient')).toBe('default');
    expect(profileFor('sidecar', 'demo')).toBeUndefined();
    expect(profileFor('sidecar', 'minimal')).toBeUndefined();
  });

  it('labels a namespace for ambient (no injection, the waypoint or none) and takes the ambient labels off for sidecars', () => {
    expect(wantedNamespaceLabels({ dataPlane: 'ambient', waypoint: 'waypoint' })).toEqual({ 'istio-injection': null, 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' });
    const toAmbient = labelChanges({ 'istio-injection': 'enabled', team: 'books' }, wantedNamespaceLabels({ dataPlane: 'ambient' }));
    expect(toAmbient).toEqual({ 'istio-injection': null, 'istio.io/dataplane-mode': 'ambient' });
    const back = labelChanges({ 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' }, wantedNamespaceLabels({ dataPlane: 'sidecar' }));
    expect(back).toEqual({ 'istio.io/dataplane-mode': null, 'istio.io/use-waypoint': null });
    expect(labelChanges({ 'istio-injection': 'enabled' }, wantedNamespaceLabels({ dataPlane: 'sidecar' }))).toEqual({});
  });

  it('restarts pods made for the other data plane, and leaves opted-out and gateway pods alone', () => {
    expect(podsNeedRestart(template() as any, [injected as any], ns({ 'istio.io/dataplane-mode': 'ambient' }) as any)).toBe(true);
    expect(podsNeedRestart(template() as any, [plain as any], ns({ 'istio-injection': 'enabled' }) as any)).toBe(true);
    expect(podsNeedRestart(template() as any, [injected as any], ns({ 'istio-injection': 'enabled' }) as any)).toBe(false);
    expect(podsNeedRestart(template() as any, [plain as any], ns({ 'istio.io/dataplane-mode': 'ambient' }) as any)).toBe(false);
    // A gateway's or waypoint's own proxy, and sleep-legacy, say inject "false": never restarted for a sidecar.
    expect(podsNeedRestart(template({ app: 'waypoint', 'sidecar.istio.io/inject': 'false' }) as any, [plain as any], ns({ 'istio-injection': 'enabled' }) as any)).toBe(false);
  });

  it('refuses a catalogue with an unknown data plane, or a waypoint on a sidecar scene, naming the scene', () => {
    const root = mkdtempSync(join(tmpdir(), 'scenes-'));
    try {
      mkdirSync(join(root, 'manifests'));
      const write = (extra: string) => writeFileSync(join(root, 'manifests/scenes.yaml'), `scenes:\n  - name: s1\n    title: a scene\n${extra}`);
      write('    dataPlane: ambiant\n');
      expect(() => loadScenes(root)).toThrow(/scene s1, dataPlane: expected one of sidecar, ambient, got "ambiant"/);
      write('    waypoint: waypoint\n');
      expect(() => loadScenes(root)).toThrow(/scene s1, waypoint: only an ambient scene/);
      write('    dataPlane: ambient\n    waypoint: Not_A_Name\n');
      expect(() => loadScenes(root)).toThrow(/scene s1, waypoint: expected the name of a waypoint Gateway/);
      write('    dataPlane: ambient\n    waypoint: waypoint\n');
      expect(loadScenes(root)[0]).toMatchObject({ dataPlane: 'ambient', waypoint: 'waypoint' });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('a pod row in ambient mode', () => {
  const pod = (containers: Array<{ name: string; image: string }>, annotations: Record<string, string> = {}) => ({ metadata: { name: 'p', namespace: 'default', annotations }, spec: { containers }, status: { phase: 'Running' } });
  it('shows an injected Envoy as the sidecar, an enrolled pod as ambient, and ztunnel as neither', () => {
    expect(summarizePod(pod([{ name: 'reviews', image: 'r' }, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.0' }]))).toMatchObject({ hasSidecar: true });
    const enrolled = summarizePod(pod([{ name: 'reviews', image: 'r' }], { 'ambient.istio.io/redirection': 'enabled' }));
    expect(enrolled).toMatchObject({ hasSidecar: false, ambient: true });
    const ztunnel = summarizePod(pod([{ name: 'istio-proxy', image: 'docker.io/istio/ztunnel:1.28.0' }]));
    expect(ztunnel.hasSidecar).toBe(false);
    expect(ztunnel.ambient).toBeUndefined();
  });
});
