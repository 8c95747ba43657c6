import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeckConfig } from '../../server/config.ts';
import { AllowedHosts } from '../../server/hub/allowed-hosts.ts';
import { startTestDeck, TestSocket, wsUrl } from '../helpers/deck.ts';

/** The status the deck answers a WebSocket upgrade with: 101 when it opens. */
async function upgradeStatus(base: string, headers: Record<string, string>): Promise<number> {
  const s = new TestSocket(wsUrl(base), headers);
  try {
    await s.opened;
    return 101;
  } catch (err) {
    const m = /HTTP (\d+)/.exec(String(err));
    if (!m) throw err;
    return Number(m[1]);
  } finally {
    s.close();
  }
}

describe('a page on a name the deck does not serve (DNS rebinding)', () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let port: string;
  beforeAll(async () => {
    deck = await startTestDeck({ allowedHosts: ['deck.example.test'] });
    port = new URL(deck.base).port;
  });
  afterAll(async () => {
    await deck?.stop();
  });

  it('gets no audience socket: 403, while the deck\'s own names and the allowed ones connect', async () => {
    const rebound = `rebound.example.test:${port}`;
    expect(await upgradeStatus(deck.base, { Host: rebound, Origin: `http://${rebound}` })).toBe(403);
    // Origin and Host each on a name of its own, or an Origin that is not a URL.
    expect(await upgradeStatus(deck.base, { Host: `127.0.0.1:${port}`, Origin: `http://${rebound}` })).toBe(403);
    expect(await upgradeStatus(deck.base, { Host: `127.0.0.1:${port}`, Origin: 'null' })).toBe(403);

    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, `deck.example.test:${port}`]) {
      expect({ host, status: await upgradeStatus(deck.base, { Host: host, Origin: `http://${host}` }) }).toEqual({ host, status: 101 });
    }
    // Not a browser: no Origin, any Host, as before.
    expect(await upgradeStatus(deck.base, { Host: rebound })).toBe(101);
  });

  it('cannot make changes over HTTP even with the token, nor start a sandbox; the deck\'s own page can', async () => {
    const rebound = `rebound.example.test:${port}`;
    const apply = (headers: Record<string, string>) =>
      fetch(`${deck.base}/api/apply`, { method: 'POST', headers: { authorization: `Bearer ${deck.token}`, 'content-type': 'text/yaml', ...headers }, body: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rebound-check}\n' });
    const refused = await apply({ Host: rebound, Origin: `http://${rebound}` });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toMatch(/host this deck does not serve.*--allowed-hosts/);
    const sandbox = await fetch(`${deck.base}/api/sandbox`, { method: 'POST', headers: { Host: rebound, Origin: `http://${rebound}` } });
    expect(sandbox.status).toBe(403);

    // The same request from the deck's own page passes the host check (and is judged on its content).
    const own = await apply({ Origin: deck.base });
    expect(own.status).not.toBe(403);
    // Reading stays open to every viewer.
    expect((await fetch(`${deck.base}/api/health`, { headers: { Host: rebound } })).status).toBe(200);
  });
});

describe('--allowed-hosts', () => {
  it('is read from the flag or ISTIO_DECK_ALLOWED_HOSTS, and refuses what is not a host name', () => {
    expect(parseDeckConfig(['--allowed-hosts', 'deck.example.com, 10.0.0.5'], {}).allowedHosts).toEqual(['deck.example.com', '10.0.0.5']);
    expect(parseDeckConfig([], { ISTIO_DECK_ALLOWED_HOSTS: 'talk.local' }).allowedHosts).toEqual(['talk.local']);
    expect(() => parseDeckConfig(['--allowed-hosts', 'https://deck.example.com/'], {})).toThrow(/--allowed-hosts: "https:\/\/deck.example.com\/" is not a host name/);
  });

  it('counts every local address as the deck\'s own when it listens on all of them, and "*" allows any name', () => {
    const wildcard = new AllowedHosts('0.0.0.0');
    expect(wildcard.allows('localhost:8080')).toBe(true);
    expect(wildcard.allows('rebound.example.test:8080')).toBe(false);
    expect(new AllowedHosts('127.0.0.1', ['*']).allows('anything.example:1')).toBe(true);
    expect(new AllowedHosts('127.0.0.1').allows('evil.example/x')).toBe(false);
  });
});
