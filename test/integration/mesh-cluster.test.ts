import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/until.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { readPage } from '../helpers/mesh-fixtures.ts';

/** The talk's opening, driven by kubectl against the embedded cluster with its real controllers. */
describe('Bookinfo on the embedded cluster, driven by kubectl', () => {
  const fixture = clusterWithKubectl(0.05);
  const m = (p: string) => join(process.cwd(), 'manifests', p);


  const page = async () => {
    const res = await fetch(`${fixture.cluster.gatewayUrl}/productpage`);
    return { status: res.status, ...readPage(await res.text()) };
  };

  /** Polls the page (real ms) until `ok` holds; pods take simulated seconds to start and stop. */
  const eventually = (ok: (p: Awaited<ReturnType<typeof page>>) => boolean, timeoutMs = 15_000) =>
    until(async () => {
      const p = await page();
      return ok(p) && p;
    }, 'the product page to show the expected answer', timeoutMs);

  it('serves the page once the injected pods are Ready, across all reviews versions', async () => {
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled', '--overwrite']);
    await fixture.kubectl.ok(['apply', '-f', m('bookinfo/bookinfo.yaml')]);
    await fixture.kubectl.ok(['apply', '-f', m('networking/bookinfo-gateway.yaml')]);
    // Every pod Ready first, as the test's name says: a page served while ratings still starts reads "Ratings service is currently unavailable".
    await until(async () => (await fixture.kubectl.run(['get', 'pods', '-o', 'name'])).stdout.trim().split('\n').length >= 6, "Bookinfo's six pods to exist", 15_000);
    await fixture.kubectl.ok(['wait', '--for=condition=Ready', 'pods', '--all', '--timeout=60s']);
    const first = await eventually((p) => p.status === 200 && p.details && p.reviews !== 'error');
    expect(first.status).toBe(200);
    const versions = new Set<string>();
    for (let i = 0; i < 40 && versions.size < 3; i++) versions.add((await eventually((p) => p.reviews !== 'error')).reviews);
    expect(versions).toEqual(new Set(['v1', 'v2', 'v3']));
  });

  it('applies all-v1 on the very next request', async () => {
    await fixture.kubectl.ok(['apply', '-f', m('networking/destination-rule-all.yaml'), '-f', m('networking/virtual-service-all-v1.yaml')]);
    for (let i = 0; i < 10; i++) expect((await page()).reviews).toBe('v1');
    await fixture.kubectl.ok(['delete', '-f', m('networking/virtual-service-all-v1.yaml')]);
  });

  it('scaling and deleting deployments changes who answers', async () => {
    await fixture.kubectl.ok(['scale', 'deployment', 'reviews-v1', 'reviews-v2', '--replicas=0']);
    // Once the old pods are gone every answer comes from v3.
    const onlyV3 = async () => {
      for (let i = 0; i < 10; i++) if ((await page()).reviews !== 'v3') return false;
      return true;
    };
    await until(onlyV3, 'every answer from reviews v3', 15_000);
    expect(await onlyV3()).toBe(true);
    await fixture.kubectl.ok(['delete', 'deployment', 'reviews-v3']);
    const gone = await eventually((p) => p.reviews === 'error');
    expect(gone.status).toBe(200);
    expect(gone.reviews).toBe('error');
  });
});
