import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { type Mesh, createMesh } from '../../server/embedded/mesh/index.ts';
import type { GatewayServer } from '../../server/embedded/mesh/gateway.ts';
import { SpanCollector, bookinfoStore, readPage, tag } from '../helpers/mesh-fixtures.ts';

describe('Bookinfo through the simulated ingress gateway', () => {
  const clock = new ScaledClock(0.05);
  const store = bookinfoStore(clock);
  const spans = new SpanCollector();
  let mesh: Mesh;
  let gw: GatewayServer;

  beforeAll(async () => {
    mesh = createMesh({ store, clock, spans });
    gw = await mesh.startGateway();
  });
  afterAll(async () => {
    await gw.close();
    await mesh.stop();
  });

  it('renders the book page with details and two reviews, with Envoy headers', async () => {
    const res = await fetch(`${gw.url}/productpage`);
    expect(res.status).toBe(200);
    expect(res.headers.get('server')).toBe('istio-envoy');
    expect(Number(res.headers.get('x-envoy-upstream-service-time'))).toBeGreaterThanOrEqual(0);
    const html = await res.text();
    expect(html).toContain('<title>Simple Bookstore App</title>');
    expect(html).toContain('The Comedy of Errors');
    expect(html).toContain('<th>ISBN-10</th><td>1234567890</td>');
    expect(html).toContain('<th>Publisher</th><td>PublisherA</td>');
    expect(html.match(/class="review"/g)).toHaveLength(2);
    expect(html).toContain('An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!');
    expect(html).toMatch(/Reviews served by: \s*reviews-v[123]-/);
    expect(html).toContain('Sign in');
    expect(html).not.toMatch(/<script|<link|src="http/);
  });

  it('with no routing rules spreads requests over all three reviews versions', async () => {
    const counts = { v1: 0, v2: 0, v3: 0 } as Record<string, number>;
    const n = 150;
    for (let i = 0; i < n; i++) {
      const res = await mesh.request('ingress', { url: '/productpage' });
      counts[readPage(res.body).reviews]++;
    }
    for (const v of ['v1', 'v2', 'v3']) {
      expect(counts[v] / n).toBeGreaterThan(0.2);
      expect(counts[v] / n).toBeLessThan(0.47);
    }
  });

  it('shows black stars for v2 and red stars for v3', async () => {
    const seen = new Map<string, string>();
    for (let i = 0; i < 40 && seen.size < 3; i++) {
      const html = (await mesh.request('ingress', { url: '/productpage' })).body;
      seen.set(readPage(html).reviews, html);
    }
    // Each reviewer's row of stars, as "<color> <filled>/<empty>", read from the template's glyphicon ids.
    const rows = (html: string) =>
      [...html.matchAll(/<div class="flex gap-x-1 text-(\w+)-500"[\s\S]*?<\/div>/g)].map(([row, color]) => `${color} ${row.split('id="glyphicon glyphicon-star"').length - 1}/${row.split('id="glyphicon glyphicon-star-empty"').length - 1}`);
    expect(seen.get('v1')).not.toContain('glyphicon');
    expect(rows(seen.get('v2')!)).toEqual(['black 5/0', 'black 4/1']);
    expect(rows(seen.get('v3')!)).toEqual(['red 5/0', 'red 4/1']);
  });

  it('answers Envoy’s empty 404 for paths the bookinfo VirtualService does not route', async () => {
    const res = await fetch(`${gw.url}/details/0`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
  });

  it('serves the products API', async () => {
    const list = await (await fetch(`${gw.url}/api/v1/products`)).json();
    expect(list).toEqual([expect.objectContaining({ id: 0, title: 'The Comedy of Errors' })]);
    expect(list[0].descriptionHtml).toContain("<b>William Shakespeare's</b>");
    const details = await (await fetch(`${gw.url}/api/v1/products/0`)).text();
    expect(details).toBe('{"id":0,"author":"William Shakespeare","year":1595,"type":"paperback","pages":200,"publisher":"PublisherA","language":"English","ISBN-10":"1234567890","ISBN-13":"123-1234567890"}');
    const reviews = await (await fetch(`${gw.url}/api/v1/products/0/reviews`)).json();
    expect(reviews.id).toBe('0');
    expect(reviews.clustername).toBe('null');
    expect(reviews.reviews.map((r: any) => r.reviewer)).toEqual(['Reviewer1', 'Reviewer2']);
    const ratings = await (await fetch(`${gw.url}/api/v1/products/0/ratings`)).json();
    expect(ratings).toEqual({ id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } });
  });

  it('answers /health and the services’ own endpoints inside the mesh', async () => {
    const from = { workload: 'productpage' };
    expect((await mesh.request(from, { url: 'http://productpage:9080/health' })).body).toBe('Product page is healthy');
    expect((await mesh.request(from, { url: 'http://details:9080/health' })).body).toBe('{"status":"Details is healthy"}');
    expect((await mesh.request(from, { url: 'http://reviews:9080/health' })).body).toBe('{"status": "Reviews is healthy"}');
    expect((await mesh.request(from, { url: 'http://ratings:9080/health' })).body).toBe('{"status":"Ratings is healthy"}');
    expect((await mesh.request(from, { url: 'http://ratings:9080/ratings/0' })).body).toBe('{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}');
    const bad = await mesh.request(from, { url: 'http://details:9080/details/abc' });
    expect(bad.status).toBe(400);
    expect(bad.body).toBe('{"error":"please provide numeric product id"}');
  });

  it('ratings v1 keeps POSTed ratings in the pod', async () => {
    const from = { workload: 'reviews-v2' };
    const post = await mesh.request(from, { method: 'POST', url: 'http://ratings:9080/ratings/7', headers: { 'content-type': 'application/json' }, body: '{"Reviewer1":1,"Reviewer2":2}' });
    expect(post.status).toBe(200);
    expect(JSON.parse((await mesh.request(from, { url: 'http://ratings:9080/ratings/7' })).body)).toEqual({ id: 7, ratings: { Reviewer1: 1, Reviewer2: 2 } });
    expect((await mesh.request(from, { url: 'http://ratings:9080/ratings/x' })).body).toBe('{"error":"please provide numeric product ID"}');
  });

  it('logs in with a signed session cookie and logs out again', async () => {
    const login = await fetch(`${gw.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', referer: `${gw.url}/productpage` },
      body: 'username=jason&passwd=anything',
    });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe(`${gw.url}/productpage`);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    expect(cookie).toMatch(/^session=/);
    const page = await (await fetch(`${gw.url}/productpage`, { headers: { cookie } })).text();
    expect(readPage(page).user).toBe('jason');
    expect(page).toContain('Sign out');
    // A tampered cookie is not a login.
    const forged = cookie.replace(/\.[^.]+$/, '.AAAA');
    expect(readPage(await (await fetch(`${gw.url}/productpage`, { headers: { cookie: forged } })).text()).user).toBeUndefined();
    const logout = await fetch(`${gw.url}/logout`, { redirect: 'manual', headers: { cookie, referer: `${gw.url}/productpage` } });
    expect(logout.status).toBe(302);
    expect(logout.headers.get('set-cookie')).toMatch(/^session=;/);
  });

  it('rejects oversized request bodies', async () => {
    const res = await fetch(`${gw.url}/login`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
  });

  it('records every hop in the traces: gateway to productpage, productpage to each reviews version', () => {
    const fromGateway = spans.spans.filter((s) => s.serviceName === 'istio-ingressgateway.istio-system' && tag(s, 'upstream_cluster') === 'outbound|9080||productpage.default.svc.cluster.local');
    expect(fromGateway.length).toBeGreaterThan(100);
    expect(fromGateway.filter((s) => tag(s, 'http.status_code') === '200').length).toBeGreaterThan(100);
    const productpageCalls = new Set(spans.spans.filter((s) => s.serviceName === 'productpage.default' && tag(s, 'span.kind') === 'client').map((s) => s.spanID));
    const reviewsServed = spans.spans.filter((s) => tag(s, 'span.kind') === 'server' && tag(s, 'istio.canonical_service') === 'reviews' && productpageCalls.has(s.parentSpanID!));
    expect([...new Set(reviewsServed.map((s) => tag(s, 'istio.canonical_revision')))].sort()).toEqual(['v1', 'v2', 'v3']);
  });
});
