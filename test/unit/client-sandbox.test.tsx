// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeckContext } from '../../client/slide-context.ts';
import { followTarget, PresenterSync } from '../../client/deck/PresenterSync.tsx';
import { visibleSlides, type DeckSlide } from '../../client/deck/slides.ts';
import { api } from '../../client/live/api.ts';
import { LiveClient } from '../../client/live/client.ts';
import { LiveClientContext } from '../../client/live/index.ts';
import { describeSceneResult, type SceneApplyResponse } from '../../client/live/scene.ts';
import { gatewayBase, SANDBOX_GONE, SandboxStore, sandboxStore } from '../../client/live/sandbox.ts';
import { ordinal, queuePlaceText } from '../../server/sandbox/queue-place.ts';
import { frameUser, productPageUrl } from '../../client/panels/ProductPagePanel.tsx';
import { FakeSocket } from '../helpers/fake-socket.ts';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

class MemoryStorage {
  private m = new Map<string, string>();
  getItem = (k: string) => this.m.get(k) ?? null;
  setItem = (k: string, v: string) => void this.m.set(k, v);
  removeItem = (k: string) => void this.m.delete(k);
}

describe('SandboxStore', () => {
  it('starts a sandbox, remembers it across a reload, and deletes it on leave', async () => {
    const storage = new MemoryStorage() as unknown as Storage;
    const fetchImpl = vi.fn(async (..._a: Parameters<typeof fetch>) => json(201, { id: 'abc123', token: 'tok' }));
    const store = new SandboxStore(storage, fetchImpl as typeof fetch);
    await store.create();
    expect(store.get().sandbox).toEqual({ id: 'abc123', token: 'tok' });
    expect(new SandboxStore(storage, fetchImpl as typeof fetch).get().sandbox).toEqual({ id: 'abc123', token: 'tok' });

    fetchImpl.mockResolvedValueOnce(new Response(null, { status: 204 }));
    await store.leave();
    const [url, init] = fetchImpl.mock.calls.at(-1)!;
    expect(url).toBe('/api/sandbox/abc123');
    expect(init).toMatchObject({ method: 'DELETE', headers: { Authorization: 'Bearer tok' } });
    expect(store.get().sandbox).toBeUndefined();
    expect(new SandboxStore(storage).get().sandbox).toBeUndefined();
  });

  it('says plainly when every sandbox is in use, or the server failed', async () => {
    const store = new SandboxStore(new MemoryStorage() as unknown as Storage, (async () => json(429, { error: 'all 8 sandboxes are in use; try again later' })) as typeof fetch);
    await store.create();
    expect(store.get()).toMatchObject({ sandbox: undefined, notice: 'No sandbox free: all 8 sandboxes are in use; try again later. Meanwhile, keep following the presenter.' });
    const broken = new SandboxStore(new MemoryStorage() as unknown as Storage, (async () => json(500, { error: 'embedded API did not start' })) as typeof fetch);
    await broken.create();
    expect(broken.get().notice).toBe('The server could not start a sandbox: embedded API did not start');
  });

  it('forgets a sandbox the server no longer knows, and keeps one it does', async () => {
    const storage = new MemoryStorage() as unknown as Storage;
    storage.setItem('istio-deck-sandbox', JSON.stringify({ id: 'gone1', token: 't' }));
    const alive = new SandboxStore(storage, (async () => json(200, { connected: true })) as typeof fetch);
    await alive.verify();
    expect(alive.get().sandbox?.id).toBe('gone1');
    const fetchImpl = vi.fn(async () => json(404, { error: 'no such sandbox (it may have been evicted after being idle)' }));
    const store = new SandboxStore(storage, fetchImpl as unknown as typeof fetch);
    await store.verify();
    expect((fetchImpl.mock.calls[0] as unknown[])[1]).toMatchObject({ headers: { 'X-Deck-Sandbox': 'gone1', Authorization: 'Bearer t' } });
    expect(store.get()).toMatchObject({ sandbox: undefined, notice: SANDBOX_GONE });
    expect(storage.getItem('istio-deck-sandbox')).toBeNull();
  });

  it('says why, when the server evicted the sandbox for its budget', async () => {
    const storage = new MemoryStorage() as unknown as Storage;
    storage.setItem('istio-deck-sandbox', JSON.stringify({ id: 'big1', token: 't' }));
    const store = new SandboxStore(storage, (async () => json(404, { error: 'no such sandbox: it was evicted, over its memory budget (256 MB)', evicted: 'over its memory budget (256 MB)' })) as typeof fetch);
    await store.verify();
    expect(store.get()).toMatchObject({ sandbox: undefined, notice: 'Your sandbox is gone: it was evicted, over its memory budget (256 MB). The panels show the presenter’s cluster again; you can start a new sandbox.' });
  });

  it('waits in line with the same browser id, showing its place, until the server grants one', async () => {
    const ids = new MemoryStorage() as unknown as Storage;
    const answers = [json(202, { queued: { position: 3, max: 2 } }), json(202, { queued: { position: 1, max: 2 } }), json(201, { id: 'sb9', token: 'tk' })];
    const fetchImpl = vi.fn(async (..._a: Parameters<typeof fetch>) => answers.shift()!);
    const store = new SandboxStore(new MemoryStorage() as unknown as Storage, fetchImpl as typeof fetch, { clientIds: ids, pollMs: 5 });
    const seen: string[] = [];
    store.subscribe(() => {
      const q = store.get().queued;
      if (q && seen.at(-1) !== q.text) seen.push(q.text);
    });
    expect(await store.create()).toBe(true);
    expect(seen).toEqual(['All 2 sandboxes are in use: you are 3rd in line, and get one as soon as one frees.', 'All 2 sandboxes are in use: you are next in line, and get one as soon as one frees.']);
    expect(store.get()).toMatchObject({ sandbox: { id: 'sb9', token: 'tk' }, busy: undefined, queued: undefined });
    const sent = fetchImpl.mock.calls.map(([, init]) => (init!.headers as Record<string, string>)['X-Deck-Client']);
    expect(sent).toHaveLength(3);
    expect(new Set(sent).size).toBe(1);
    expect(sent[0]).toMatch(/^[0-9a-f]{32}$/);
    // Kept for this browser's next page, so it asks as the same client.
    expect(ids.getItem('istio-deck-client')).toBe(sent[0]);
  });

  it('stops asking when the attendee stops waiting', async () => {
    const fetchImpl = vi.fn(async (..._a: Parameters<typeof fetch>) => json(202, { queued: { position: 2, max: 1 } }));
    const store = new SandboxStore(new MemoryStorage() as unknown as Storage, fetchImpl as typeof fetch, { pollMs: 60_000 });
    const created = store.create();
    await waitFor(() => expect(store.get().busy).toBe('waiting'));
    store.cancelWaiting();
    expect(await created).toBe(false);
    expect(store.get()).toMatchObject({ busy: undefined, queued: undefined, sandbox: undefined });
    // One ask, then the server is told this page left the line.
    expect(fetchImpl.mock.calls.map(([url, init]) => `${(init as RequestInit).method} ${url}`)).toEqual(['POST /api/sandbox', 'DELETE /api/sandbox/line']);
  });
});

describe('a place in line for a sandbox, in words', () => {
  it('says the place as it is spoken', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '111th']);
    expect(queuePlaceText(3, 20)).toBe('All 20 sandboxes are in use: you are 3rd in line, and get one as soon as one frees.');
    expect(queuePlaceText(1, 20)).toBe('All 20 sandboxes are in use: you are next in line, and get one as soon as one frees.');
    expect(queuePlaceText(2, 1)).toBe('The one sandbox is in use: you are 2nd in line, and get one as soon as one frees.');
  });
});

describe('api() and the sandbox', () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(() => vi.unstubAllGlobals());

  it('sends an attendee\'s calls to their sandbox with its token, and notices when it is gone', async () => {
    const fetchMock = vi.fn(async (..._a: Parameters<typeof fetch>) => json(201, { id: 'sb1', token: 'sbtoken' }));
    vi.stubGlobal('fetch', fetchMock);
    await sandboxStore().create();
    fetchMock.mockResolvedValueOnce(json(200, { ok: true }));
    await api('/api/apply', { method: 'POST', body: 'x' });
    const headers = fetchMock.mock.calls.at(-1)![1]!.headers as Headers;
    expect(headers.get('X-Deck-Sandbox')).toBe('sb1');
    expect(headers.get('Authorization')).toBe('Bearer sbtoken');
    expect(gatewayBase(sandboxStore().get().sandbox)).toBe('/sandbox-gateway/sb1');

    fetchMock.mockResolvedValueOnce(json(404, { error: 'no such sandbox (it may have been evicted after being idle)' }));
    await expect(api('/api/apply', { method: 'POST', body: 'x' })).rejects.toThrow(/no such sandbox/);
    expect(sandboxStore().get()).toMatchObject({ sandbox: undefined, notice: SANDBOX_GONE });
  });

  it('never uses a sandbox on the presenter\'s page', async () => {
    const fetchMock = vi.fn(async (..._a: Parameters<typeof fetch>) => json(201, { id: 'sb2', token: 'sbtoken' }));
    vi.stubGlobal('fetch', fetchMock);
    await sandboxStore().create();
    sessionStorage.setItem('istio-deck-presenter-token', 'presenter-secret');
    fetchMock.mockResolvedValueOnce(json(200, {}));
    await api('/api/apply', { method: 'POST' });
    const headers = fetchMock.mock.calls.at(-1)![1]!.headers as Headers;
    expect(headers.get('X-Deck-Sandbox')).toBeNull();
    expect(headers.get('Authorization')).toBe('Bearer presenter-secret');
    sessionStorage.clear();
    await sandboxStore().leave();
  });
});

describe('scene results in words', () => {
  const doc = (kind: string, name: string, result: SceneApplyResponse['results'][number]['result']) => ({ index: 0, kind, name, namespace: 'default', result, diff: '' });
  it('names what reset created, configured and deleted', () => {
    const r: SceneApplyResponse = { dryRun: false, scene: 'all-v1', mode: 'reset', kept: [], results: [doc('VirtualService', 'reviews', 'configured'), doc('VirtualService', 'qa', 'deleted'), doc('Gateway', 'bookinfo-gateway', 'unchanged')] };
    expect(describeSceneResult(r)).toBe('reset to all-v1: 1 configured (VirtualService/reviews), 1 deleted (VirtualService/qa), 1 unchanged');
  });
  it('names what catch-up kept, and shortens long lists', () => {
    const created = ['a', 'b', 'c', 'd', 'e'].map((n) => doc('Service', n, 'created'));
    const r: SceneApplyResponse = { dryRun: false, scene: 'jason-v2', mode: 'catch-up', results: created, kept: [{ kind: 'VirtualService', name: 'qa', namespace: 'default' }] };
    expect(describeSceneResult(r)).toBe('caught up to jason-v2: 5 created (Service/a, Service/b, Service/c and 2 more), kept 1 extra (VirtualService/qa)');
    expect(describeSceneResult({ ...r, results: [], kept: [] })).toBe('caught up to jason-v2: nothing to change');
  });
});

describe('presenter-only slides and following', () => {
  const slides: DeckSlide[] = [{ id: '00-title' }, { id: '31-qa' }, { id: '99-preflight' }];
  const modules = { '99-preflight': { default: () => null, presenterOnly: true } };
  it('drops a presenter-only slide for the audience once it is known, keeps it for the presenter', () => {
    expect(visibleSlides(slides, modules, false).map((s) => s.id)).toEqual(['00-title', '31-qa']);
    expect(visibleSlides(slides, modules, true).map((s) => s.id)).toEqual(['00-title', '31-qa', '99-preflight']);
    expect(visibleSlides(slides, {}, false).map((s) => s.id)).toEqual(['00-title', '31-qa', '99-preflight']);
  });
  it('follows by slide id, and stays put when the presenter is on a slide this page lacks', () => {
    const audience = visibleSlides(slides, modules, false);
    expect(followTarget({ h: 1, v: 0, slideId: '31-qa' }, audience)).toBe(1);
    expect(followTarget({ h: 2, v: 0, slideId: '99-preflight' }, audience)).toBeUndefined();
    expect(followTarget({ h: 1, v: 0 }, audience)).toBe(1);
  });
});

describe('product page frames', () => {
  it('name their user in the path, and learn a user switched inside the frame', () => {
    expect(productPageUrl('/gateway', 'jason')).toBe('/gateway/as/jason/productpage');
    expect(productPageUrl('/sandbox-gateway/ab12', 'anonymous')).toBe('/sandbox-gateway/ab12/as/anonymous/productpage');
    expect(frameUser('/sandbox-gateway/ab12/as/kim/productpage')).toBe('kim');
    expect(frameUser('/gateway/productpage')).toBeUndefined();
  });
});

describe('the status bar', () => {
  let client: LiveClient;
  beforeEach(() => {
    sessionStorage.clear();
    client = new LiveClient({ url: 'ws://deck/ws', WebSocketImpl: FakeSocket as any, initialBackoffMs: 60_000 });
    act(() => FakeSocket.last.open());
  });
  afterEach(() => {
    cleanup();
    client.close();
    vi.unstubAllGlobals();
  });
  const mount = () =>
    render(
      <LiveClientContext.Provider value={client}>
        <DeckContext.Provider value={{ current: 3, currentScene: 'all-v1' }}>
          <PresenterSync deck={null} slides={[]} current={3} />
        </DeckContext.Provider>
      </LiveClientContext.Provider>,
    );

  it('gives the audience a sandbox button and no scene buttons', () => {
    mount();
    act(() => FakeSocket.last.receive({ type: 'hello', role: 'audience', serverVersion: '1' }));
    expect(screen.queryByRole('button', { name: 'Reset this slide' })).toBeNull();
    expect(screen.getByText('panels: presenter’s cluster (read-only)')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Try it in my own sandbox' })).toBeTruthy();
  });

  it('gives the presenter catch up and reset, each sending its mode and showing the result or the failure', async () => {
    sessionStorage.setItem('istio-deck-presenter-token', 'secret');
    const fetchMock = vi.fn(async (..._a: Parameters<typeof fetch>) =>
      json(200, { dryRun: false, scene: 'all-v1', mode: 'catch-up', kept: [{ kind: 'VirtualService', name: 'qa', namespace: 'default' }], results: [{ index: 0, kind: 'VirtualService', name: 'reviews', namespace: 'default', result: 'unchanged', diff: '' }] }),
    );
    vi.stubGlobal('fetch', fetchMock);
    mount();
    act(() => FakeSocket.last.receive({ type: 'hello', role: 'presenter', serverVersion: '1' }));
    expect(screen.queryByRole('button', { name: 'Try it in my own sandbox' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Catch up' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('caught up to all-v1: 1 unchanged, kept 1 extra (VirtualService/qa)'));
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/scene/all-v1');
    expect(JSON.parse(String(init!.body))).toEqual({ mode: 'catch-up', api: 'istio' });

    fetchMock.mockResolvedValueOnce(json(422, { error: 'document 3 (VirtualService "reviews"): spec.http[0].route[0].weight: must be >= 0', document: 2 }));
    fireEvent.click(screen.getByRole('button', { name: 'Reset this slide' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('reset to all-v1 failed: document 3 (VirtualService "reviews"): spec.http[0].route[0].weight: must be >= 0 (document 3)'));
    expect(JSON.parse(String(fetchMock.mock.calls[1][1]!.body))).toEqual({ mode: 'reset', api: 'istio' });
  });

  it('disables the scene buttons, with the reason, when the server rejected the token', () => {
    sessionStorage.setItem('istio-deck-presenter-token', 'wrong');
    mount();
    act(() => FakeSocket.last.receive({ type: 'hello', role: 'audience', serverVersion: '1' }));
    expect((screen.getByRole('button', { name: 'Reset this slide' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('Read-only: presenter token rejected by the server')).toBeTruthy();
  });

  it('tells the attendee their place in line, and lets them stop waiting', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(202, { queued: { position: 3, max: 8 } })));
    mount();
    act(() => FakeSocket.last.receive({ type: 'hello', role: 'audience', serverVersion: '1' }));
    fireEvent.click(screen.getByRole('button', { name: 'Try it in my own sandbox' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('All 8 sandboxes are in use: you are 3rd in line, and get one as soon as one frees.'));
    expect(screen.getByText('panels: presenter’s cluster (read-only)')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Stop waiting' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Try it in my own sandbox' })).toBeTruthy());
    expect(screen.queryByText(/in line/)).toBeNull();
  });
});
