import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseDeckConfig } from '../server/config.ts';
import { PROJECT_ROOT, startDeck } from '../server/deck.ts';
import { createSandbox, HOSTILE_CASES, prepareSandbox, probeHealthWhile, sandboxHeaders, untilQuiet } from '../test/helpers/hostile-sandbox.ts';
import { ms } from './stats.ts';

/**
 * Issue 11's class 1, each case run by an attendee in a sandbox: the worst event-loop delay
 * in the presenter's process (where the deck and the presenter's cluster run) and the worst
 * /api/health round trip meanwhile.
 */
export async function benchHostileSandbox(): Promise<Array<[string, string]>> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-hostile-'));
  const deck = await startDeck(parseDeckConfig(['--port', '0', '--state-dir', stateDir, '--time-scale', '0.01'], { ISTIO_DECK_MAX_SANDBOXES: '3', ISTIO_DECK_SANDBOX_CPU_EVICT_SECONDS: '600', ISTIO_DECK_SANDBOX_CREATES_PER_MINUTE: '100' }));
  const base = deck.url.replace(/\/$/, '');
  const out: Array<[string, string]> = [];
  const delay = monitorEventLoopDelay({ resolution: 10 });
  try {
    const shared = await createSandbox(base, deck.sandboxes);
    await prepareSandbox(shared, readFileSync(join(PROJECT_ROOT, 'manifests/sleep/sleep.yaml'), 'utf8'));
    let worstDelay = 0;
    let worstHealth = 0;
    for (const c of HOSTILE_CASES) {
      try {
        const s = c.ownSandbox ? await createSandbox(base, deck.sandboxes) : shared;
        // Measured from a quiet deck: a case is not blamed for the one before.
        await untilQuiet(base);
        delay.reset();
        delay.enable();
        const r = await probeHealthWhile(base, (signal) => c.run(s, signal), { minMs: c.ownSandbox ? 5000 : 2000, maxMs: 15_000 });
        delay.disable();
        const maxDelayMs = delay.max / 1e6;
        worstDelay = Math.max(worstDelay, maxDelayMs);
        worstHealth = Math.max(worstHealth, r.worstMs);
        out.push([c.name.slice(0, 56), `loop delay max ${ms(maxDelayMs)}, /api/health worst ${ms(r.worstMs)}`]);
        if (c.ownSandbox) await fetch(`${base}/api/sandbox/${s.id}`, { method: 'DELETE', headers: sandboxHeaders(s) });
      } catch (err) {
        delay.disable();
        out.push([c.name.slice(0, 56), `could not measure: ${err instanceof Error ? `${err.message}${err.cause ? ` (${(err.cause as Error).message})` : ''}` : err}`]);
      }
    }
    out.push(['worst presenter event-loop delay, all cases', ms(worstDelay)]);
    out.push(['worst presenter /api/health, all cases (target < 200 ms)', ms(worstHealth)]);
  } finally {
    delay.disable();
    await deck.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  return out;
}
