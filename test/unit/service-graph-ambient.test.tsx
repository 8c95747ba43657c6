// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveClient } from '../../client/live/client.ts';
import { LiveClientContext } from '../../client/live/index.ts';
import { ServiceGraphPanel } from '../../client/panels/ServiceGraphPanel.tsx';
import type { GraphEdge, GraphSnapshot, ServerMessage } from '../../server/protocol.ts';
import { FakeSocket } from '../helpers/fake-socket.ts';

let client: LiveClient;
const send = (m: ServerMessage) => act(() => FakeSocket.last.receive(m));
beforeEach(() => {
  client = new LiveClient({ url: 'ws://deck/ws', WebSocketImpl: FakeSocket as any, initialBackoffMs: 60_000 });
  act(() => FakeSocket.last.open());
});
afterEach(() => {
  cleanup();
  client.close();
});

const tcp = (source: string, target: string, connections: number, bytesPerSecond: number, failedPct = 0): GraphEdge => ({
  source,
  target,
  rps: 0,
  errorPct: 0,
  p99Ms: 0,
  protocol: 'tcp',
  tcp: { connections, connectionsPerSecond: connections / 30, bytesPerSecond, failedPct },
});
const workload = (app: string, version: string) => ({ id: `${app}-${version}`, app, version, namespace: 'default', kind: 'workload' as const });

describe('service graph of an ambient mesh', () => {
  function show(data: GraphSnapshot, dataPlane?: 'sidecar' | 'ambient') {
    const view = render(
      <LiveClientContext.Provider value={client}>
        <ServiceGraphPanel dataPlane={dataPlane} />
      </LiveClientContext.Provider>,
    );
    send({ type: 'snapshot', topic: 'graph', seq: 1, data });
    return view.container;
  }

  it('draws ztunnel-only traffic as TCP edges labelled with connections and bytes, not requests', () => {
    const c = show({
      windowSeconds: 30,
      nodes: [workload('productpage', 'v1'), workload('reviews', 'v1'), workload('reviews', 'v2')],
      edges: [tcp('productpage-v1', 'reviews-v1', 9, 2300), tcp('productpage-v1', 'reviews-v2', 3, 800, 33.3)],
    });
    const edge = c.querySelector('[data-edge="productpage-v1>reviews-v1"]')!;
    expect(edge.classList.contains('is-tcp')).toBe(true);
    expect(edge.textContent).toBe('9 conn · 2.2 KB/s');
    expect(screen.getByText(/dotted blue: TCP seen only by ztunnel/)).toBeTruthy();
    expect(edge.textContent).not.toMatch(/rps/);
    const failing = c.querySelector('[data-edge="productpage-v1>reviews-v2"]')!;
    expect(failing.textContent).toBe('3 conn · 800 B/s · 33% failed');
    expect(failing.classList.contains('has-errors')).toBe(true);
    // The split between versions is read from connections when only ztunnel saw them.
    expect(c.querySelector('[data-node="reviews-v1"] .graph-share')!.textContent).toBe('75%');
  });

  it('shows a waypoint as a node of its own between the client and the services', () => {
    const c = show({
      windowSeconds: 30,
      nodes: [workload('productpage', 'v1'), { id: 'waypoint', app: 'waypoint', namespace: 'default', kind: 'waypoint' }, workload('details', 'v1')],
      edges: [tcp('productpage-v1', 'waypoint', 10, 4000), { source: 'waypoint', target: 'details-v1', rps: 0.3, errorPct: 0, p99Ms: 4 }],
    });
    const waypoint = c.querySelector('[data-app="waypoint"]')!;
    expect(waypoint.classList.contains('is-waypoint')).toBe(true);
    expect(waypoint.textContent).toContain('waypoint');
    expect(c.querySelector('[data-edge="productpage-v1>waypoint"]')!.classList.contains('is-tcp')).toBe(true);
    expect(c.querySelector('[data-edge="waypoint>details-v1"]')!.textContent).toBe('0.3 rps');
  });

  it('a panel of the sidecar data plane draws the graph kept from before the switch, says so, and shows a slow rate as it is', () => {
    const ambientNow: GraphSnapshot = { windowSeconds: 30, dataPlane: 'ambient', nodes: [workload('productpage', 'v1'), workload('details', 'v1')], edges: [tcp('productpage-v1', 'details-v1', 4, 900)] };
    const kept = { windowSeconds: 30, current: false, nodes: [workload('productpage', 'v1'), workload('ratings', 'v1')], edges: [{ source: 'productpage-v1', target: 'ratings-v1', rps: 0.033, errorPct: 0, p99Ms: 2 }] };
    const c = show({ ...ambientNow, byDataPlane: { sidecar: kept } }, 'sidecar');
    expect(c.querySelector('[data-panel="graph"]')!.textContent).toContain('service graph · with sidecars');
    expect(screen.getByText('No traffic goes through sidecars now: this is the last graph they made.')).toBeTruthy();
    expect(c.querySelector('[data-edge="productpage-v1>details-v1"]')).toBeNull();
    expect(c.querySelector('[data-edge="productpage-v1>ratings-v1"]')!.textContent).toBe('0.03 rps');
  });

  it('a panel of the ambient data plane says what brings its graph while no ambient traffic was ever seen', () => {
    show({ windowSeconds: 30, dataPlane: 'sidecar', nodes: [workload('productpage', 'v1')], edges: [] }, 'ambient');
    expect(screen.getByText(/No ambient traffic seen yet: load the product page once Bookinfo runs in ambient mode/)).toBeTruthy();
  });

  it("says why TCP edges are missing when ztunnel's logs cannot be read", () => {
    show({ windowSeconds: 30, nodes: [workload('productpage', 'v1')], edges: [], l4Error: 'reading the log of istio-system/ztunnel-x: HTTP 403: forbidden' });
    expect(screen.getByText(/TCP edges unavailable: reading the log of istio-system\/ztunnel-x: HTTP 403/)).toBeTruthy();
  });
});
