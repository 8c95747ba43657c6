import { beforeAll, describe, expect, it } from 'vitest';
import { bashWithKubectl, succeeding } from '../helpers/bash.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { BOOKINFO_BEHIND_ISTIO_GATEWAY } from '../helpers/istio-pages.ts';
import { readPage } from '../helpers/mesh-fixtures.ts';

/** The pages' address lines (Istio APIs tab), then jason's login kept in a cookie jar, as a browser keeps it. */
const GATEWAY = String.raw`
export INGRESS_HOST=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
export INGRESS_PORT=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="http2")].port}')
export GATEWAY_URL=$INGRESS_HOST:$INGRESS_PORT
`;
const PAGES = (n: number) => `${GATEWAY}for i in $(seq 1 ${n}); do curl -s "http://$GATEWAY_URL/productpage"; echo '<!-- END -->'; done`;

/**
 * istio.io's request-routing and traffic-shifting tasks, Istio APIs tab, typed as written in
 * bash with the real kubectl (file paths aside), on Bookinfo behind its Istio gateway; the
 * pages are read as the page shows them: no stars, black stars, red stars.
 */
describe("istio.io's request-routing and traffic-shifting pages, Istio APIs", () => {
  const fixture = clusterWithKubectl(0.02);
  const ok = succeeding(bashWithKubectl(fixture, { errexit: true }));
  const versions = async (n: number) => {
    const counts: Record<string, number> = {};
    for (const page of (await ok(PAGES(n))).split('<!-- END -->').slice(0, n)) counts[readPage(page).reviews] = (counts[readPage(page).reviews] ?? 0) + 1;
    return counts;
  };

  beforeAll(async () => {
    await ok(BOOKINFO_BEHIND_ISTIO_GATEWAY);
  }, 90_000);

  it('request routing: virtual-service-all-v1 sends everyone to reviews v1 (no stars), and reads back', async () => {
    const out = await ok('kubectl apply -f manifests/networking/virtual-service-all-v1.yaml');
    expect(out.trim().split('\n').sort()).toEqual(['details', 'productpage', 'ratings', 'reviews'].map((n) => `virtualservice.networking.istio.io/${n} created`));
    expect(await ok('kubectl get virtualservices -o yaml')).toMatch(/- destination:\n\s+host: reviews\n\s+subset: v1/);
    expect(await ok('kubectl get destinationrules -o yaml')).toMatch(/subsets:\n\s+- labels:\n\s+version: v1\n\s+name: v1/);
    expect(await versions(10)).toEqual({ v1: 10 });
  }, 60_000);

  it('request routing: jason signed in sees black stars (v2); everyone else still v1', async () => {
    await ok('kubectl apply -f manifests/networking/virtual-service-reviews-test-v2.yaml');
    expect(await ok('kubectl get virtualservice reviews -o yaml')).toMatch(/- match:\n\s+- headers:\n\s+end-user:\n\s+exact: jason/);
    const jason = await ok(`${GATEWAY}JAR=$(mktemp)
curl -s -o /dev/null -c "$JAR" -d 'username=jason&passwd=jason' "http://$GATEWAY_URL/login"
curl -s -b "$JAR" "http://$GATEWAY_URL/productpage"`);
    expect(readPage(jason)).toMatchObject({ user: 'jason', reviews: 'v2' });
    expect(jason).toContain('id="glyphicon glyphicon-star"');
    expect(await versions(5)).toEqual({ v1: 5 });
  }, 60_000);

  it('traffic shifting: all to v1, then 50/50 between v1 and v3, then all to v3', async () => {
    await ok('kubectl apply -f manifests/networking/virtual-service-all-v1.yaml');
    expect(await ok('kubectl apply -f manifests/networking/virtual-service-reviews-50-v3.yaml')).toBe('virtualservice.networking.istio.io/reviews configured\n');
    expect(await ok('kubectl get virtualservice reviews -o yaml')).toMatch(/subset: v1\n\s+weight: 50\n[\s\S]*subset: v3\n\s+weight: 50/);
    const split = await versions(40);
    expect(Object.keys(split).sort()).toEqual(['v1', 'v3']);
    // 50/50 over 40 requests: each side below 8 has a chance of about 1 in 100,000.
    expect(split.v1).toBeGreaterThanOrEqual(8);
    expect(split.v3).toBeGreaterThanOrEqual(8);
    await ok('kubectl apply -f manifests/networking/virtual-service-reviews-v3.yaml');
    expect(await versions(10)).toEqual({ v3: 10 });
    const cleanup = await ok('kubectl delete -f manifests/networking/virtual-service-all-v1.yaml');
    expect(cleanup).toContain('virtualservice.networking.istio.io "reviews" deleted');
  }, 90_000);
});
