import { describe, expect, it } from 'vitest';
import { deckWithKubectl, TestSocket, wsUrl } from '../helpers/deck.ts';

const VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: attendee-rule}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
`;

describe('attendee sandboxes', () => {
  const fixture = deckWithKubectl({ maxSandboxes: 1, sandboxIdleMinutes: 0.02 });


  it('gives an attendee a private cluster to change freely, which never touches the presenter\'s', async () => {
    const created = await fetch(`${fixture.deck.base}/api/sandbox`, { method: 'POST' });
    expect(created.status).toBe(201);
    const { id, token } = await created.json();
    const apply = (t: string) => fetch(`${fixture.deck.base}/api/apply`, { method: 'POST', body: VS, headers: { 'x-deck-sandbox': id, authorization: `Bearer ${t}` } });
    expect((await apply(fixture.deck.token)).status).toBe(403);
    const res = await apply(token);
    expect(res.status).toBe(200);
    expect((await res.json()).results[0].result).toBe('created');
    const onPresenter = await fixture.kubectl.run(['get', 'vs', 'attendee-rule']);
    expect(onPresenter.code).not.toBe(0);

    const sock = new TestSocket(wsUrl(fixture.deck.base, `?sandbox=${id}&token=${token}`));
    await sock.opened;
    sock.send({ type: 'subscribe', topic: 'resources/VirtualService/default' });
    const snap = (await sock.waitFor((m) => m.type === 'snapshot' && (m.data as any).items.length > 0, 10_000)) as any;
    expect(snap.data.items.map((i: any) => i.name)).toContain('attendee-rule');

    // The cap holds while this one is in use.
    const second = await fetch(`${fixture.deck.base}/api/sandbox`, { method: 'POST' });
    expect(second.status).toBe(429);
    expect((await second.json()).error).toMatch(/sandboxes are in use/);
    sock.close();

    // Idle and unwatched, it is evicted, and its slot is free again.
    await expect.poll(async () => (await fetch(`${fixture.deck.base}/api/sandbox`, { method: 'POST' })).status, { timeout: 10_000, interval: 400 }).toBe(201);
    expect((await fetch(`${fixture.deck.base}/api/health`, { headers: { 'x-deck-sandbox': id } })).status).toBe(404);
  }, 30_000);

  it('ends the open streams of a sandbox its owner leaves, so the page knows at once', async () => {
    // The previous test's second sandbox may still hold the only slot: wait for it to go idle.
    let created!: Response;
    await expect.poll(async () => (created = await fetch(`${fixture.deck.base}/api/sandbox`, { method: 'POST' })).status, { timeout: 10_000, interval: 400 }).toBe(201);
    const { id, token } = await created.json();
    const sock = new TestSocket(wsUrl(fixture.deck.base, `?sandbox=${id}&token=${token}`));
    await sock.opened;
    const closed = new Promise<{ code: number; reason: string }>((resolve) => sock.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    expect((await fetch(`${fixture.deck.base}/api/sandbox/${id}`, { method: 'DELETE', headers: { authorization: 'Bearer wrong' } })).status).toBe(404);
    expect((await fetch(`${fixture.deck.base}/api/sandbox/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(204);
    expect(await closed).toEqual({ code: 1001, reason: 'this sandbox was removed' });
  }, 30_000);
});
