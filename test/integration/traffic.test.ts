import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrafficGenerator } from '../../server/hub/traffic.ts';
import type { TrafficChange, TrafficSecond } from '../../server/protocol.ts';

// A stand-in ingress gateway with Bookinfo's login flow: jason sees v2 (black stars),
// everyone else v1; `mode` switches the page to failures.
const state = {
  mode: 'normal' as 'normal' | 'hang' | 'overflow',
  sessions: new Map<string, string>(),
  logins: 0,
  concurrent: 0,
  maxConcurrent: 0,
  aborted: 0,
};
let server: http.Server;
let gatewayUrl: string;

const stars = (color: string) => `<font color="${color}">\n<!-- full stars: -->\n${'<span class="glyphicon glyphicon-star"></span>\n'.repeat(5)}</font>`;
function page(user: string | undefined): string {
  const nav = user ? `<p class="navbar-text navbar-right">${user} ( <a href="logout">sign out</a> )</p>` : '<button type="button" class="btn btn-default navbar-btn navbar-right">Sign in</button>';
  const review = (name: string) => `<blockquote><p>text</p><small>${name}</small>${user === 'jason' ? stars('black') : ''}</blockquote>`;
  return `<title>Simple Bookstore App</title>${nav}<h4 class="text-center text-primary">Book Reviews</h4>${review('Reviewer1')}${review('Reviewer2')}`;
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/login') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const user = new URLSearchParams(body).get('username') ?? '';
        const id = `s${++state.logins}`;
        state.sessions.set(id, user);
        res.writeHead(302, { location: req.headers.referer ?? '/', 'set-cookie': `session=${id}; HttpOnly; Path=/` });
        res.end();
      });
      return;
    }
    if (req.url !== '/productpage') return void res.writeHead(404).end();
    if (state.mode === 'overflow') {
      res.writeHead(503, { 'content-type': 'text/plain', 'x-envoy-overloaded': 'true' });
      return void res.end('upstream connect error or disconnect/reset before headers. reset reason: overflow');
    }
    const sid = /session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const user = sid ? state.sessions.get(sid) : undefined;
    state.concurrent++;
    state.maxConcurrent = Math.max(state.maxConcurrent, state.concurrent);
    res.on('close', () => {
      state.concurrent--;
      if (!res.writableFinished) state.aborted++;
    });
    if (state.mode === 'hang') return; // a fault delay longer than the test
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(page(user)), 5);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A clock that runs 20× faster than real time, so seconds complete quickly. */
function fastClock() {
  const start = Date.now();
  return () => start + (Date.now() - start) * 20;
}

function collect(gen: TrafficGenerator): TrafficSecond[] {
  const seconds: TrafficSecond[] = [];
  gen.on('change', (c: TrafficChange) => c.op === 'second' && seconds.push(c.second));
  return seconds;
}

const sum = (seconds: TrafficSecond[], user: string, key: string) => seconds.filter((s) => s.user === user).reduce((n, s) => n + (s.counts[key] ?? 0), 0);

describe('TrafficGenerator', () => {
  it('classifies anonymous traffic as v1 and jason’s (logged in) as v2, per user per second', async () => {
    state.mode = 'normal';
    const gen = new TrafficGenerator({ gatewayUrl, ratePerUser: 40, now: fastClock() });
    const seconds = collect(gen);
    gen.start();
    await new Promise((r) => setTimeout(r, 600));
    gen.stop();
    expect(sum(seconds, 'anonymous', 'v1')).toBeGreaterThan(5);
    expect(sum(seconds, 'jason', 'v2')).toBeGreaterThan(5);
    expect(sum(seconds, 'jason', 'v1')).toBe(0);
    expect(sum(seconds, 'anonymous', 'v2')).toBe(0);
    expect(gen.logins).toBe(1);
    // Seconds are consecutive per user, and latency is reported where there were answers.
    const ts = seconds.filter((s) => s.user === 'jason').map((s) => s.t);
    expect(ts).toEqual(ts.map((_, i) => ts[0] + i));
    const busy = seconds.find((s) => Object.keys(s.counts).length > 0)!;
    expect(busy.latencyMs.p50).toBeGreaterThan(0);
    expect(busy.latencyMs.max).toBeGreaterThanOrEqual(busy.latencyMs.p99);
    expect(busy.latencyMs.p99).toBeGreaterThanOrEqual(busy.latencyMs.p50);
  });

  it('logs in again when the session is lost', async () => {
    state.mode = 'normal';
    const gen = new TrafficGenerator({ gatewayUrl, users: ['jason'], ratePerUser: 40, now: fastClock() });
    const seconds = collect(gen);
    gen.start();
    await new Promise((r) => setTimeout(r, 250));
    const before = gen.logins;
    state.sessions.clear(); // the server forgets every session, as after a productpage restart
    await new Promise((r) => setTimeout(r, 400));
    gen.stop();
    expect(before).toBe(1);
    expect(gen.logins).toBe(2);
    // The answers after the re-login are v2 again.
    expect(seconds.slice(-3).some((s) => (s.counts.v2 ?? 0) > 0)).toBe(true);
  });

  it('counts non-200 answers as http-<code>', async () => {
    state.mode = 'overflow';
    const gen = new TrafficGenerator({ gatewayUrl, users: ['anonymous'], ratePerUser: 40, now: fastClock() });
    const seconds = collect(gen);
    gen.start();
    await new Promise((r) => setTimeout(r, 300));
    gen.stop();
    state.mode = 'normal';
    expect(sum(seconds, 'anonymous', 'http-503')).toBeGreaterThan(3);
    expect(sum(seconds, 'anonymous', 'v1')).toBe(0);
  });

  it('bounds requests in flight when the page hangs, and aborts them on stop', async () => {
    state.mode = 'hang';
    state.maxConcurrent = 0;
    state.aborted = 0;
    const gen = new TrafficGenerator({ gatewayUrl, users: ['anonymous'], ratePerUser: 50, maxInFlightPerUser: 3, now: fastClock() });
    const seconds = collect(gen);
    gen.start();
    await new Promise((r) => setTimeout(r, 400)); // 20 ticks
    expect(state.concurrent).toBe(3);
    gen.stop();
    await new Promise((r) => setTimeout(r, 100));
    state.mode = 'normal';
    expect(state.maxConcurrent).toBe(3);
    expect(state.concurrent).toBe(0);
    expect(state.aborted).toBeGreaterThanOrEqual(3); // a hung request left by the previous test may be counted too
    // Aborted requests are not outcomes; the seconds emitted are empty.
    expect(seconds.length).toBeGreaterThan(0);
    expect(seconds.every((s) => Object.keys(s.counts).length === 0)).toBe(true);
  });

  it('counts a request past its timeout as a timeout', async () => {
    state.mode = 'hang';
    const gen = new TrafficGenerator({ gatewayUrl, users: ['anonymous'], ratePerUser: 10, requestTimeoutMs: 50, now: fastClock() });
    const seconds = collect(gen);
    gen.start();
    await new Promise((r) => setTimeout(r, 400));
    gen.stop();
    state.mode = 'normal';
    expect(sum(seconds, 'anonymous', 'timeout')).toBeGreaterThan(0);
  });

  it('changes users while running', async () => {
    state.mode = 'normal';
    const gen = new TrafficGenerator({ gatewayUrl, users: ['anonymous'], ratePerUser: 40, now: fastClock() });
    const seconds = collect(gen);
    gen.start();
    await new Promise((r) => setTimeout(r, 200));
    gen.setUsers(['jason']);
    expect(gen.getUsers()).toEqual(['jason']);
    await new Promise((r) => setTimeout(r, 400));
    const mark = seconds.length;
    await new Promise((r) => setTimeout(r, 200));
    gen.stop();
    const late = seconds.slice(mark);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((s) => s.user === 'jason')).toBe(true);
    expect(sum(late, 'jason', 'v2')).toBeGreaterThan(0);
    expect(() => gen.setUsers(['bad user'])).toThrow(/user name "bad user"/);
  });
});
