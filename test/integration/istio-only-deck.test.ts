import { describe, expect, it } from 'vitest';
import { deckWithKubectl } from '../helpers/deck.ts';

const post = (base: string, path: string, token: string, body: string, type = 'application/json') =>
  fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': type, authorization: `Bearer ${token}` } });

/** The deck as manifests/deck/deck.yaml runs it (--change-kinds istio): its RBAC lets it write Istio's kinds only. */
describe('a deck that may change only Istio kinds', () => {
  const fixture = deckWithKubectl({ changeKinds: 'istio' });

  it('refuses a Deployment, naming the kinds it may change', async () => {
    const res = await post(fixture.deck.base, '/api/apply', fixture.deck.token, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {}\n', 'application/yaml');
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body).toMatchObject({ field: 'kind', line: 2 });
    expect(body.error).toMatch(/kind Deployment is not one the deck may change \(allowed: VirtualService, /);
  });

  it('says what to install when a scene needs workloads that are not there, and changes nothing', async () => {
    const res = await post(fixture.deck.base, '/api/scene/all-v1', fixture.deck.token, '{"mode":"reset"}');
    expect(res.status).toBe(422);
    const { error } = await res.json();
    expect(error).toMatch(/^scene all-v1 needs \w+ [\w-]+, .* which this deck may not create .*: install them first with kubectl apply -f manifests\/bookinfo\//);
    expect(await fixture.kubectl.ok(['get', 'vs,dr', '-o', 'name'])).toBe('');
  });

  it('once Bookinfo is installed, scenes apply their routing, and pre-flight is green', async () => {
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled', '--overwrite']);
    await fixture.kubectl.ok(['apply', '-f', 'manifests/bookinfo/bookinfo.yaml', '-f', 'manifests/bookinfo/platform/kube/bookinfo-versions.yaml', '-f', 'manifests/httpbin/httpbin.yaml', '-f', 'manifests/httpbin/fortio.yaml', '-f', 'manifests/sleep/sleep.yaml', '-f', 'manifests/sleep/sleep-legacy.yaml']);
    const res = await post(fixture.deck.base, '/api/scene/all-v1', fixture.deck.token, '{"mode":"reset"}');
    expect(res.status).toBe(200);
    const body = await res.json();
    const deployments = body.results.filter((r: { kind: string }) => r.kind === 'Deployment');
    expect(deployments.length).toBeGreaterThan(0);
    expect(deployments.every((r: { result: string }) => r.result === 'unchanged')).toBe(true); // checked, not written
    expect(await fixture.kubectl.ok(['get', 'vs', 'reviews', '-o', 'jsonpath={.spec.http[0].route[0].destination.subset}'])).toBe('v1');

    const preflight = await (await fetch(`${fixture.deck.base}/api/preflight`, { headers: { authorization: `Bearer ${fixture.deck.token}` } })).json();
    const red = preflight.filter((p: { ok: boolean }) => !p.ok).map((p: { scene: string; problems: string[] }) => `${p.scene}: ${p.problems.join('; ')}`);
    // Ambient scenes need the ambient profile and namespace labels, which this deck may not write: they say what to run.
    expect(red.filter((r: string) => !r.startsWith('ambient'))).toEqual([]);
    expect(red.length).toBeGreaterThan(0);
    for (const r of red) expect(r).toMatch(/which this deck may not install: run istioctl install --set profile=ambient --skip-confirmation$/);
  }, 60_000);
});
