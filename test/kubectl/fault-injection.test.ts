import { beforeAll, describe, expect, it } from 'vitest';
import { bashWithKubectl, succeeding } from '../helpers/bash.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { readPage } from '../helpers/mesh-fixtures.ts';
import { until } from '../helpers/until.ts';

const TIME_SCALE = 0.02;

/** The page's address lines (Istio APIs), then jason's login kept in a cookie jar, as a browser keeps it. */
const AS_JASON = String.raw`
export INGRESS_HOST=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
export INGRESS_PORT=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="http2")].port}')
export GATEWAY_URL=$INGRESS_HOST:$INGRESS_PORT
JAR=$(mktemp)
curl -s -o /dev/null -c "$JAR" -d 'username=jason&passwd=jason' "http://$GATEWAY_URL/login"
`;

/**
 * istio.io's fault-injection task (Istio APIs only: the Gateway API has no fault filter),
 * typed in bash with the real kubectl, on Bookinfo behind its Istio gateway, browsed as
 * jason with the host's curl and a cookie jar.
 */
describe("istio.io's fault-injection task, typed in bash", () => {
  const fixture = clusterWithKubectl(TIME_SCALE);
  const bash = bashWithKubectl(fixture, { errexit: true });
  const ok = succeeding(bash);

  beforeAll(async () => {
    await ok(`kubectl label namespace default istio-injection=enabled
kubectl apply -f manifests/bookinfo/bookinfo.yaml
kubectl apply -f manifests/networking/bookinfo-gateway.yaml
kubectl apply -f manifests/networking/destination-rule-all.yaml
kubectl wait --for=condition=Available deployment --all --timeout=60s`);
    await until(async () => (await fixture.kubectl.ok(['get', 'pods', '--no-headers'])).trim().split('\n').filter((r) => /\s2\/2\s+Running\s/.test(r)).length === 6, 'Bookinfo 2/2 Running', 30_000, 150);
  }, 90_000);

  it('starts from the request-routing rules: jason sees reviews v2 (black stars), others v1', async () => {
    const out = await ok(`kubectl apply -f manifests/networking/virtual-service-all-v1.yaml
kubectl apply -f manifests/networking/virtual-service-reviews-test-v2.yaml`);
    expect(out).toContain('virtualservice.networking.istio.io/reviews created');
    expect(out).toContain('virtualservice.networking.istio.io/reviews configured');
    const jason = await ok(`${AS_JASON}curl -s -b "$JAR" "http://$GATEWAY_URL/productpage"`);
    expect(readPage(jason)).toMatchObject({ user: 'jason', reviews: 'v2' });
    const anonymous = await ok(`${AS_JASON}curl -s "http://$GATEWAY_URL/productpage"`);
    expect(readPage(anonymous).reviews).toBe('v1');
  }, 60_000);

  it('a 7 s delay for jason: the page gives up on reviews after about 6 s (two 3 s tries)', async () => {
    expect(await ok('kubectl apply -f manifests/networking/virtual-service-ratings-test-delay.yaml')).toBe('virtualservice.networking.istio.io/ratings configured\n');
    const yaml = await ok('kubectl get virtualservice ratings -o yaml');
    expect(yaml).toMatch(/fault:\n\s+delay:\n\s+fixedDelay: 7s\n\s+percentage:\n\s+value: 100/);
    const out = await ok(`${AS_JASON}curl -s -b "$JAR" -w '\\nTIME %{time_total}\\n' "http://$GATEWAY_URL/productpage"`);
    expect(out).toContain('Sorry, product reviews are currently unavailable for this book.');
    expect(readPage(out).reviews).toBe('error');
    // No faster than productpage's two 3 s attempts (simulated seconds, on the scaled clock).
    const seconds = Number(/^TIME ([\d.]+)$/m.exec(out)?.[1]) / TIME_SCALE;
    expect(seconds).toBeGreaterThanOrEqual(5.9);
    // Everyone else is not delayed: reviews v1 does not call ratings.
    expect(readPage(await ok(`${AS_JASON}curl -s "http://$GATEWAY_URL/productpage"`)).reviews).toBe('v1');
  }, 60_000);

  it('an HTTP 500 abort for jason: the reviews show "Ratings service is currently unavailable"', async () => {
    expect(await ok('kubectl apply -f manifests/networking/virtual-service-ratings-test-abort.yaml')).toBe('virtualservice.networking.istio.io/ratings configured\n');
    expect(await ok('kubectl get virtualservice ratings -o yaml')).toMatch(/fault:\n\s+abort:\n\s+httpStatus: 500/);
    const out = await ok(`${AS_JASON}curl -s -b "$JAR" "http://$GATEWAY_URL/productpage"`);
    expect(out).toContain('Ratings service is currently unavailable');
    expect(readPage(out)).toMatchObject({ user: 'jason', reviews: 'ratings-unavailable', details: true });
    expect(readPage(await ok(`${AS_JASON}curl -s "http://$GATEWAY_URL/productpage"`)).reviews).toBe('v1');
  }, 60_000);

  it('cleanup: kubectl delete -f the routing rules', async () => {
    const out = await ok('kubectl delete -f manifests/networking/virtual-service-all-v1.yaml');
    expect(out).toContain('virtualservice.networking.istio.io "ratings" deleted');
    expect(await ok('kubectl get virtualservices -o name')).toBe('virtualservice.networking.istio.io/bookinfo\n');
  });
});
