// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SandboxControls } from '../../client/deck/SandboxControls.tsx';
import { LiveClient } from '../../client/live/client.ts';
import { LiveClientContext } from '../../client/live/index.ts';
import { SandboxStore } from '../../client/live/sandbox.ts';
import { DeckContext } from '../../client/slide-context.ts';
import { ordinal, queuePlaceText } from '../../server/sandbox/queue-place.ts';
import { FakeSocket } from '../helpers/fake-socket.ts';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

class MemoryStorage {
  private m = new Map<string, string>();
  getItem = (k: string) => this.m.get(k) ?? null;
  setItem = (k: string, v: string) => void this.m.set(k, v);
  removeItem = (k: string) => void this.m.delete(k);
}

describe('a place in line for a sandbox, in words', () => {
  it('says the place as it is spoken', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '111th']);
    expect(queuePlaceText(3, 20)).toBe('All 20 sandboxes are in use: you are 3rd in line, and get one as soon as one frees.');
    expect(queuePlaceText(1, 20)).toBe('All 20 sandboxes are in use: you are next in line, and get one as soon as one frees.');
  });
});

describe('SandboxStore in line', () => {
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

describe('the status bar while in line', () => {
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

  it('tells the attendee their place in line, and lets them stop waiting', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(202, { queued: { position: 3, max: 8 } })));
    render(
      <LiveClientContext.Provider value={client}>
        <DeckContext.Provider value={{ current: 3, currentScene: 'all-v1' }}>
          <SandboxControls />
        </DeckContext.Provider>
      </LiveClientContext.Provider>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Try it in my own sandbox' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('All 8 sandboxes are in use: you are 3rd in line, and get one as soon as one frees.'));
    expect(screen.getByText('panels: presenter’s cluster (read-only)')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Stop waiting' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Try it in my own sandbox' })).toBeTruthy());
    expect(screen.queryByText(/in line/)).toBeNull();
  });
});
