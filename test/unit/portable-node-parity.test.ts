import { STATUS_CODES } from 'node:http';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipVersion } from '../../server/embedded/portable/ip.ts';
import { withoutListenerLimit } from '../../server/embedded/portable/listener-limit.ts';
import { STATUS_TEXTS } from '../../server/embedded/portable/status-text.ts';

/** The portable stand-ins for node:net's isIP, node:events' setMaxListeners and node:http's STATUS_CODES. */
describe("portable stand-ins give Node's answers", () => {
  it('tells IP addresses from host names as node:net isIP does', () => {
    const texts = [
      '', '1.2.3.4', '10.96.0.1', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1.2.3.4%eth0', ' 1.2.3.4',
      '::', '::1', '[::1]', '1::', 'fe80::1%eth0', '::ffff:10.0.0.1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:1.2.3.4',
      '1::2::3', ':::', 'gggg::1', '12345::1', 'ABCD:ef01::', 'reviews', 'reviews.default.svc.cluster.local', 'localhost', '10.96.0.1.nip.io',
    ];
    // Every address of a random shape too: octets and groups that may be out of range or zero-led.
    let s = 5;
    const next = (n: number) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % n);
    for (let i = 0; i < 500; i++) texts.push(Array.from({ length: 3 + next(3) }, () => String(next(300)).padStart(next(3) ? 1 : 2, '0')).join('.'));
    for (let i = 0; i < 500; i++) texts.push(Array.from({ length: 2 + next(8) }, () => (next(4) ? next(0x1ffff).toString(16) : '')).join(':'));
    for (const text of texts) expect(ipVersion(text), JSON.stringify(text)).toBe(isIP(text));
  });

  it("lifts Node's listener cap on a signal, so many requests in flight raise no memory-leak warning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const listenTwenty = (signal: AbortSignal) => {
        for (let i = 0; i < 20; i++) signal.addEventListener('abort', () => {});
      };
      listenTwenty(withoutListenerLimit(new AbortController().signal));
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(warnings).toEqual([]);
      // The same without the lift does warn, so the check above can tell.
      listenTwenty(new AbortController().signal);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(warnings).toEqual(['MaxListenersExceededWarning']);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it("has node:http's reason phrase for every status it knows, and no other", () => {
    expect(STATUS_TEXTS).toEqual(Object.fromEntries(Object.entries(STATUS_CODES).map(([code, text]) => [Number(code), text])));
  });
});
