import { describe, expect, it } from 'vitest';
import { deckWithKubectl } from '../helpers/deck.ts';

const QA_RULE = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: qa-ratings, namespace: default}
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: {host: ratings, subset: v1}
`;

/** "Catch up" keeps what the presenter wrote live; "Reset this slide" removes it. */
describe('scene modes: catch up and reset', () => {
  const fixture = deckWithKubectl();
  const scene = (name: string, body: unknown, token: string | null = fixture.deck.token) =>
    fetch(`${fixture.deck.base}/api/scene/${name}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  const vsNames = async () => (await fixture.kubectl.ok(['get', 'vs', '-o', 'jsonpath={.items[*].metadata.name}'])).split(/\s+/).filter(Boolean).sort();


  it('reset brings the cluster to the scene and says what it created', async () => {
    const res = await scene('jason-v2', { mode: 'reset' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ scene: 'jason-v2', mode: 'reset', dryRun: false, kept: [] });
    const created = body.results.filter((r: any) => r.result === 'created').map((r: any) => `${r.kind}/${r.name}`);
    expect(created).toContain('VirtualService/reviews');
    expect(created).toContain('Deployment/reviews-v2');
    expect(await vsNames()).toEqual(['bookinfo', 'details', 'productpage', 'ratings', 'reviews']);
    expect(fixture.deck.session.currentScene?.name).toBe('jason-v2');
  });

  it('catch up re-applies the scene but keeps an extra rule written live', async () => {
    const applied = await fetch(`${fixture.deck.base}/api/apply`, { method: 'POST', body: QA_RULE, headers: { 'content-type': 'application/yaml', authorization: `Bearer ${fixture.deck.token}` } });
    expect(applied.status).toBe(200);
    // A live edit of an object the scene holds: catch-up puts the scene's version back.
    await fixture.kubectl.ok(['patch', 'vs', 'reviews', '--type=merge', '-p', '{"spec":{"http":[{"route":[{"destination":{"host":"reviews","subset":"v3"}}]}]}}']);

    const res = await scene('jason-v2', { mode: 'catch-up' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.mode).toBe('catch-up');
    expect(body.results.filter((r: any) => r.result === 'deleted')).toEqual([]);
    expect(body.results.find((r: any) => r.kind === 'VirtualService' && r.name === 'reviews').result).toBe('configured');
    expect(body.kept).toEqual([{ kind: 'VirtualService', name: 'qa-ratings', namespace: 'default' }]);
    expect(await vsNames()).toContain('qa-ratings');
    expect(await fixture.kubectl.ok(['get', 'vs', 'reviews', '-o', 'jsonpath={.spec.http[*].route[0].destination.subset}'])).toBe('v2 v1');
  });

  it('reset deletes what the scene does not hold, and reports it', async () => {
    const res = await scene('jason-v2', { mode: 'reset' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.results.filter((r: any) => r.result === 'deleted').map((r: any) => `${r.kind}/${r.name}`)).toEqual(['VirtualService/qa-ratings']);
    expect(body.results.find((r: any) => r.name === 'qa-ratings').diff).toContain('-  name: qa-ratings');
    expect(await vsNames()).not.toContain('qa-ratings');
  });

  it('refuses an unknown mode, and an audience request, changing nothing', async () => {
    await fetch(`${fixture.deck.base}/api/apply`, { method: 'POST', body: QA_RULE, headers: { 'content-type': 'application/yaml', authorization: `Bearer ${fixture.deck.token}` } });
    const bad = await scene('all-v1', { mode: 'prune-everything' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/mode must be one of "reset", "catch-up"/);
    expect((await scene('all-v1', { mode: 'reset' }, null)).status).toBe(401);
    expect(await vsNames()).toContain('qa-ratings');
    expect(await fixture.kubectl.ok(['get', 'vs', 'reviews', '-o', 'jsonpath={.spec.http[*].route[0].destination.subset}'])).toBe('v2 v1');
  });

  it('a dry run of reset lists the deletion without doing it', async () => {
    const res = await fetch(`${fixture.deck.base}/api/scene/all-v1?dryRun=1`, { method: 'POST', headers: { authorization: `Bearer ${fixture.deck.token}` } });
    const body = await res.json();
    expect(body).toMatchObject({ dryRun: true, mode: 'reset' });
    expect(fixture.deck.session.currentScene?.name).toBe('jason-v2'); // a dry run records nothing
    expect(body.results.filter((r: any) => r.result === 'deleted').map((r: any) => r.name)).toEqual(['qa-ratings']);
    expect(await vsNames()).toContain('qa-ratings');
  });
});
