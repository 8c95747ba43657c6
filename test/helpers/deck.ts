import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll } from 'vitest';
import { makeKubectl } from './kubectl.ts';
import { parseDeckConfig, type DeckConfig } from '../../server/config.ts';
import { startDeck, type RunningDeck } from '../../server/deck.ts';
import type { ServerMessage } from '../../server/protocol.ts';

/** A deck on the embedded cluster, on a free port with a private state dir; `stop()` removes both. */
export async function startTestDeck(overrides: Partial<DeckConfig> = {}): Promise<RunningDeck & { stateDir: string; base: string }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'deck-state-'));
  // Tests start sandboxes faster than an attendee may; the rate limit's own test sets it.
  const config = { ...parseDeckConfig(['--port', '0', '--state-dir', stateDir, '--time-scale', '0.01'], {}), sandboxCreatesPerMinute: 1000, ...overrides };
  const deck = await startDeck(config);
  return {
    ...deck,
    stateDir,
    base: deck.url.replace(/\/$/, ''),
    async stop() {
      await deck.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A WebSocket client that records every message and can wait for one that matches. */
export class TestSocket {
  readonly messages: ServerMessage[] = [];
  private waiters: Array<{ match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as ServerMessage;
      this.messages.push(m);
      for (const w of [...this.waiters]) if (w.match(m)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
    });
  }

  send(m: unknown): void {
    this.ws.send(JSON.stringify(m));
  }

  /** Resolves with the first message (already received or coming) that matches. */
  waitFor(match: (m: ServerMessage) => boolean, timeoutMs = 5000, fromIndex = 0): Promise<ServerMessage> {
    const seen = this.messages.slice(fromIndex).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5)).slice(0, 800)}`)), timeoutMs);
      this.waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

export const wsUrl = (base: string, query = '') => `${base.replace(/^http/, 'ws')}/ws${query}`;

/**
 * A test deck and kubectl pointed at its embedded cluster, started before the suite's tests
 * and stopped after them. Read `fixture.deck` and `fixture.kubectl` inside tests.
 */
export function deckWithKubectl(overrides: Partial<DeckConfig> = {}): { deck: Awaited<ReturnType<typeof startTestDeck>>; kubectl: ReturnType<typeof makeKubectl> } {
  const fixture = {} as ReturnType<typeof deckWithKubectl>;
  beforeAll(async () => {
    fixture.deck = await startTestDeck(overrides);
    fixture.kubectl = makeKubectl(fixture.deck.kubeconfigPath!);
  });
  afterAll(async () => {
    fixture.kubectl?.cleanup();
    await fixture.deck?.stop();
  });
  return fixture;
}
