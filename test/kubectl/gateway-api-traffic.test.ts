import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { reviewsRoute } from '../helpers/gateway-api-fixtures.ts';
import { readPage } from '../helpers/mesh-fixtures.ts';
import { until } from '../helpers/until.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const m = (p: string) => join(ROOT, 'manifests', p);

const REVIEWS_V1 = reviewsRoute(`  - backendRefs:
    - name: reviews-v1
      port: 9080
`);

const REVIEWS_JASON_V2 = reviewsRoute(`  - matches:
    - headers:
      - name: end-user
        value: jason
    backendRefs:
    - name: reviews-v2
      port: 9080
  - backendRefs:
    - name: reviews-v1
      port: 9080
`);

/** istio.io's request-routing and traffic-shifting tasks, Gateway API tab, typed as written (file paths aside), on Bookinfo behind its Gateway API gateway. */
describe('request routing and traffic shifting with the Gateway API, through kubectl', () => {
  const fixture = clusterWithKubectl(0.005);
  const sh = (...args: string[]) => fixture.kubectl.ok(args);
  const applyInline = (yaml: string) => fixture.kubectl.ok(['apply', '-f', '-'], { input: yaml });
  const curl = (path: string, ...opts: string[]) => sh('exec', 'deploy/sleep', '-c', 'sleep', '--', 'curl', '-s', ...opts, `http://bookinfo-gateway-istio.default${path}`);
  /** Which reviews version each of `n` product pages showed. */
  const versions = async (n: number, ...opts: string[]) => {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) seen.add(readPage(await curl('/productpage', ...opts)).reviews);
    return [...seen].sort();
  };

  it('sets up Bookinfo with its version Services and Gateway API gateway', async () => {
    await sh('label', 'namespace', 'default', 'istio-injection=enabled');
    await sh('apply', '-f', m('bookinfo/bookinfo.yaml'));
    const versionsOut = await sh('apply', '-f', m('bookinfo/platform/kube/bookinfo-versions.yaml'));
    for (const s of ['reviews-v1', 'reviews-v2', 'reviews-v3', 'productpage-v1', 'ratings-v1', 'details-v1']) expect(versionsOut).toContain(`service/${s} created`);
    await sh('apply', '-f', m('sleep/sleep.yaml'));
    await sh('apply', '-f', m('bookinfo/gateway-api/bookinfo-gateway.yaml'));
    await sh('wait', '--for=condition=programmed', 'gtw', 'bookinfo-gateway', '--timeout=20s');
    await until(async () => {
      const rows = (await sh('get', 'pods', '--no-headers')).trim().split('\n');
      return rows.filter((r) => /\s2\/2\s+Running\s/.test(r)).length === 7 && rows.some((r) => /^bookinfo-gateway-istio-\S+\s+1\/1\s+Running/.test(r));
    }, 'Bookinfo, sleep and the gateway Running', 20_000, 150);
    expect(await versions(30)).toEqual(['v1', 'v2', 'v3']);
  });

  it('request routing: every request to reviews-v1, and the route reads back accepted', async () => {
    expect(await applyInline(REVIEWS_V1)).toBe('httproute.gateway.networking.k8s.io/reviews created\n');
    const yaml = await until(async () => {
      const out = await sh('get', 'httproute', 'reviews', '-o', 'yaml');
      return out.includes('message: Route was valid') && out;
    }, 'the reviews route accepted');
    expect(yaml).toContain('reason: Accepted');
    expect(yaml).toMatch(/parentRefs:\n\s+- group: ""\n\s+kind: Service\n\s+name: reviews\n\s+port: 9080/);
    expect(yaml).toContain('controllerName: istio.io/gateway-controller');
    expect(await versions(10)).toEqual(['v1']);
  });

  it('request routing: jason, logged in, sees reviews-v2; everyone else v1', async () => {
    expect(await applyInline(REVIEWS_JASON_V2)).toBe('httproute.gateway.networking.k8s.io/reviews configured\n');
    const login = await curl('/login', '-i', '-X', 'POST', '-d', 'username=jason&passwd=jason');
    const cookie = /set-cookie: ([^;\r\n]+)/i.exec(login)?.[1];
    expect(cookie, login).toBeDefined();
    const page = await curl('/productpage', '-H', `Cookie: ${cookie}`);
    expect(readPage(page).user).toBe('jason');
    expect(await versions(8, '-H', `Cookie: ${cookie}`)).toEqual(['v2']);
    expect(await versions(8)).toEqual(['v1']);
    expect(await sh('delete', 'httproute', 'reviews')).toBe('httproute.gateway.networking.k8s.io "reviews" deleted\n');
  });

  it('traffic shifting: all to v1, then 50/50 between v1 and v3, then all to v3', async () => {
    expect(await sh('apply', '-f', m('bookinfo/gateway-api/route-reviews-v1.yaml'))).toBe('httproute.gateway.networking.k8s.io/reviews created\n');
    expect(await versions(8)).toEqual(['v1']);
    expect(await sh('apply', '-f', m('bookinfo/gateway-api/route-reviews-50-v3.yaml'))).toBe('httproute.gateway.networking.k8s.io/reviews configured\n');
    const yaml = await sh('get', 'httproute', 'reviews', '-o', 'yaml');
    expect(yaml.match(/weight: 50/g)).toHaveLength(2);
    expect(yaml).toContain('message: Route was valid');
    expect(await versions(40)).toEqual(['v1', 'v3']);
    expect(await sh('apply', '-f', m('bookinfo/gateway-api/route-reviews-v3.yaml'))).toBe('httproute.gateway.networking.k8s.io/reviews configured\n');
    expect(await versions(8)).toEqual(['v3']);
    expect(await sh('delete', 'httproute', 'reviews')).toBe('httproute.gateway.networking.k8s.io "reviews" deleted\n');
  });

  it('request timeouts: a 2 s ratings delay (a VirtualService) and a 0.5 s timeout on the reviews route make the page give up on reviews', async () => {
    await applyInline(reviewsRoute(`  - backendRefs:
    - name: reviews-v2
      port: 9080
`));
    expect(await versions(5)).toEqual(['v2']);
    const delay = await applyInline(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts:
  - ratings
  http:
  - fault:
      delay:
        percentage:
          value: 100
        fixedDelay: 2s
    route:
    - destination:
        host: ratings
`);
    expect(delay).toBe('virtualservice.networking.istio.io/ratings created\n');
    // Slow, not broken: reviews waits for ratings.
    expect(await versions(3)).toEqual(['v2']);
    expect(await applyInline(reviewsRoute(`  - backendRefs:
    - name: reviews-v2
      port: 9080
    timeouts:
      request: 500ms
`))).toBe('httproute.gateway.networking.k8s.io/reviews configured\n');
    expect(await versions(3)).toEqual(['error']);
    expect(await sh('delete', 'httproute', 'reviews')).toContain('deleted');
    expect(await sh('delete', 'virtualservice', 'ratings')).toBe('virtualservice.networking.istio.io "ratings" deleted\n');
  });

  it('a route to a missing backend is accepted with ResolvedRefs False, and its requests get 500', async () => {
    await applyInline(REVIEWS_V1.replace('reviews-v1', 'reviews-v9'));
    const conditions = await until(async () => {
      const parents = JSON.parse(await sh('get', 'httproute', 'reviews', '-o', 'json')).status?.parents ?? [];
      return parents[0]?.conditions.some((c: any) => c.type === 'ResolvedRefs' && c.status === 'False') && parents[0].conditions;
    }, 'the missing backend reported');
    expect(conditions.map((c: any) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Accepted', 'True', 'Accepted', 'Route was valid'],
      ['ResolvedRefs', 'False', 'BackendNotFound', 'backend(reviews-v9.default.svc.cluster.local) not found'],
    ]);
    const code = await sh('exec', 'deploy/sleep', '-c', 'sleep', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://reviews:9080/reviews/0');
    expect(code).toBe('500');
    await sh('delete', 'httproute', 'reviews');
  });
});
