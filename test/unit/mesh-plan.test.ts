import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { standardApps } from '../../server/embedded/apps/index.ts';
import { DataPlane } from '../../server/embedded/mesh/dataplane.ts';
import type { ForwardAction } from '../../server/embedded/mesh/plan.ts';
import { buildSnapshot } from '../../server/embedded/mesh/snapshot.ts';
import { SpanCollector, apply, bookinfoStore, manifest } from '../helpers/mesh-fixtures.ts';

const forwardOf = (action: { kind: string }) => {
  expect(action.kind).toBe('forward');
  return action as ForwardAction;
};

describe("the mesh's compiled plan", () => {
  it("compiles the talk's fault delay: jason's route first, 7 s at 100 %, to ratings v1 by FQDN", () => {
    const store = bookinfoStore(new ScaledClock(1));
    apply(store, manifest('networking/virtual-service-ratings-test-delay.yaml'));
    const [ratings] = buildSnapshot(store).routes.listeners.get('mesh')!;
    expect(ratings.hosts).toEqual(['ratings.default.svc.cluster.local']);
    const [forJason, forEveryone] = ratings.routes;
    expect(forJason.matches).toEqual([{ headers: { 'end-user': { exact: 'jason' } } }]);
    const jason = forwardOf(forJason.action);
    expect(jason.fault?.delay).toEqual({ ms: 7000, percent: 100 });
    expect(jason.destinations.map((d) => [d.host, d.subset])).toEqual([['ratings.default.svc.cluster.local', 'v1']]);
    expect(forEveryone.matches).toBeUndefined();
    expect(forwardOf(forEveryone.action).fault).toBeUndefined();
  });

  it('parses retries once: attempts, per-try timeout in ms and retryOn; a route without retries gets the proxy default', () => {
    const store = bookinfoStore(new ScaledClock(1));
    apply(store, manifest('networking/virtual-service-ratings-retries.yaml'));
    apply(store, manifest('networking/virtual-service-all-v1.yaml').filter((o) => o.metadata.name === 'details'));
    const snap = buildSnapshot(store);
    const byName = new Map(snap.routes.listeners.get('mesh')!.map((v) => [v.name, v]));
    const ratings = forwardOf(byName.get('ratings')!.routes[0].action).retry;
    expect(ratings.attempts).toBe(3);
    expect(ratings.perTryTimeoutMs).toBe(2000);
    expect(ratings.on.fiveXx).toBe(true);
    expect(ratings.on.gatewayError).toBe(false);
    const details = forwardOf(byName.get('details')!.routes[0].action).retry;
    expect(details.attempts).toBe(2);
    expect(details.on.fiveXx).toBe(false);
  });

  it('gives each DestinationRule subset only its version’s endpoints, with the rule’s TLS mode', () => {
    const store = bookinfoStore(new ScaledClock(1));
    apply(store, manifest('networking/destination-rule-all-mtls.yaml'));
    const reviews = buildSnapshot(store).clusters.services.get('reviews.default.svc.cluster.local')!;
    expect(reviews.all.endpoints.map((e) => e.version).sort()).toEqual(['v1', 'v2', 'v3']);
    for (const v of ['v1', 'v2', 'v3']) {
      const subset = reviews.subsets.get(v)!;
      expect(subset.endpoints.map((e) => e.version)).toEqual([v]);
      expect(subset.tls).toBe('mutual');
    }
  });

  it("binds the bookinfo Gateway to the ingress pod's listener and the bookinfo routes to it", () => {
    const snap = buildSnapshot(bookinfoStore(new ScaledClock(1)));
    const ingress = snap.routes.gateways.find((g) => g.name === 'istio-system/istio-ingressgateway')!;
    expect(ingress.listeners).toEqual([{ key: 'default/bookinfo-gateway', port: 8080, hosts: ['*'] }]);
    expect(snap.routes.listeners.get('default/bookinfo-gateway')!.map((v) => v.name)).toEqual(['bookinfo']);
  });

  it('compiles once per change to what it reads, not per request or per unrelated change', async () => {
    const store = bookinfoStore(new ScaledClock(0.01));
    const plane = new DataPlane({ store, clock: new ScaledClock(0.01), spans: new SpanCollector(), apps: standardApps });
    try {
      const first = plane.snapshot();
      expect((await plane.ingress({ url: '/productpage' })).status).toBe(200);
      expect(plane.snapshot()).toBe(first);
      store.create(store.registry.mustGet('', 'configmaps'), { metadata: { name: 'unrelated', namespace: 'default' }, data: {} });
      expect(plane.snapshot()).toBe(first);
      apply(store, manifest('networking/virtual-service-ratings-test-delay.yaml'));
      const second = plane.snapshot();
      expect(second).not.toBe(first);
      expect(second.routes.listeners.get('mesh')!.map((v) => v.name)).toEqual(['ratings']);
    } finally {
      plane.stop();
    }
  });
});
