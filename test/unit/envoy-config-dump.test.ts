import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { type ProxyView, clustersText, configDump, listenerStatuses } from '../../server/embedded/mesh/config-dump.ts';
import { buildSnapshot } from '../../server/embedded/mesh/snapshot.ts';
import { apply, bookinfoStore, manifest } from '../helpers/mesh-fixtures.ts';

/** A productpage sidecar's view of the plan compiled from the given manifests. */
function sidecarView(...manifests: string[]): ProxyView {
  const store = bookinfoStore(new ScaledClock(1));
  for (const m of manifests) apply(store, manifest(m));
  const snap = buildSnapshot(store);
  const proxy = snap.pods.find((p) => p.app === 'productpage')!;
  return { snap, proxy, role: 'sidecar', gatewayListeners: [], version: '1.28.0', updated: new Date(0), ejected: () => false };
}

const routesOf = (dump: any, name: string, vhost: string) =>
  dump.configs.find((c: any) => c['@type'] === 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump').dynamic_route_configs.map((r: any) => r.route_config).find((r: any) => r.name === name).virtual_hosts.find((v: any) => v.name === vhost).routes;

describe("a sidecar's Envoy config dump, from the compiled plan", () => {
  it("renders the talk's fault delay as Envoy's fault filter on jason's route, then the plain route", () => {
    const routes = routesOf(configDump(sidecarView('networking/destination-rule-all.yaml', 'networking/virtual-service-ratings-test-delay.yaml')), '9080', 'ratings.default.svc.cluster.local:9080');
    expect(routes).toHaveLength(2);
    expect(routes[0].match).toEqual({ prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] });
    expect(routes[0].typed_per_filter_config['envoy.filters.http.fault'].delay).toEqual({ fixed_delay: '7s', percentage: { numerator: 1000000, denominator: 'MILLION' } });
    expect(routes[0].route.cluster).toBe('outbound|9080|v1|ratings.default.svc.cluster.local');
    expect(routes[1].typed_per_filter_config).toBeUndefined();
    expect(routes[1].metadata.filter_metadata.istio.config).toBe('/apis/networking.istio.io/v1/namespaces/default/virtual-service/ratings');
  });

  it('renders timeouts and retries as the route sets them', () => {
    const [timeout] = routesOf(configDump(sidecarView('networking/destination-rule-all.yaml', 'networking/virtual-service-reviews-timeout.yaml')), '9080', 'reviews.default.svc.cluster.local:9080');
    expect(timeout.route.timeout).toBe('0.5s');
    const [retries] = routesOf(configDump(sidecarView('networking/destination-rule-all.yaml', 'networking/virtual-service-ratings-retries.yaml')), '9080', 'ratings.default.svc.cluster.local:9080');
    expect(retries.route.retry_policy).toMatchObject({ retry_on: '5xx,connect-failure,refused-stream', num_retries: 3, per_try_timeout: '2s' });
  });

  it('gives each subset its own cluster with the DestinationRule\'s policy, and each endpoint a health line', () => {
    const view = sidecarView('networking/destination-rule-all.yaml', 'networking/destination-rule-reviews-least-request.yaml');
    const dump: any = configDump(view, { includeEds: true });
    const active = dump.configs.find((c: any) => c['@type'].endsWith('ClustersConfigDump')).dynamic_active_clusters.map((c: any) => c.cluster);
    const clusters = active.map((c: any) => c.name);
    expect(active.find((c: any) => c.name === 'outbound|9080|v2|reviews.default.svc.cluster.local').lb_policy).toBe('LEAST_REQUEST');
    expect(clusters).toEqual(expect.arrayContaining(['outbound|9080||reviews.default.svc.cluster.local', 'outbound|9080|v1|reviews.default.svc.cluster.local', 'outbound|9080|v3|reviews.default.svc.cluster.local']));
    const eds = dump.configs.find((c: any) => c['@type'].endsWith('EndpointsConfigDump')).dynamic_endpoint_configs.find((e: any) => e.endpoint_config.cluster_name === 'outbound|9080|v1|reviews.default.svc.cluster.local');
    const v1 = view.snap.pods.filter((p) => p.app === 'reviews' && p.version === 'v1');
    expect(eds.endpoint_config.endpoints[0].lb_endpoints.map((e: any) => e.endpoint.address.socket_address.address)).toEqual(v1.map((p) => p.ip));
    const text = clustersText({ ...view, ejected: (cluster, w) => cluster.includes('|v1|') && w.uid === v1[0].uid });
    expect(text).toContain(`outbound|9080|v1|reviews.default.svc.cluster.local::${v1[0].ip}:9080::health_flags::/failed_outlier_check\n`);
    expect(text).toMatch(/^outbound\|9080\|v2\|reviews\.default\.svc\.cluster\.local::[\d.]+:9080::health_flags::healthy$/m);
  });

  it('lists listeners as Envoy\'s admin API does, in text and JSON', () => {
    const view = sidecarView();
    expect(listenerStatuses(view, 'text')).toMatch(/^0\.0\.0\.0_9080::0\.0\.0\.0:9080$/m);
    const json = JSON.parse(listenerStatuses(view, 'json'));
    expect(json.listener_statuses).toContainEqual({ name: '0.0.0.0_15006', local_address: { socket_address: { address: '0.0.0.0', port_value: 15006 } } });
  });
});
