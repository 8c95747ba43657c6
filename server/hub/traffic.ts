/**
 * Demo traffic for the traffic-split panel: GET /productpage through the ingress
 * gateway as each user, classify every answer from the page, and report one
 * TrafficSecond per user per second, as a live feed: 'change' events carry
 * { op: 'second' } and { op: 'state' } (started, stopped). Plain HTTP only, so it behaves the same against a
 * real cluster and the embedded one.
 */
import { EventEmitter } from 'node:events';
import type { FeedStatus, TrafficChange, TrafficSecond } from '../protocol.ts';
import { FEED_LIVE } from './feed.ts';
import { classifyProductPage } from './classify.ts';
import { readLimited } from '../http-body.ts';
import { sessionCookie, signInToBookinfo, SignInError } from '../cluster/bookinfo-session.ts';

export interface TrafficGeneratorOptions {
  gatewayUrl: string;
  /** Default ['anonymous', 'jason']; 'anonymous' never logs in. */
  users?: string[];
  /** Requests per second per user, default 2. */
  ratePerUser?: number;
  /** A request still unanswered after this is counted as 'timeout'; default 15 s. */
  requestTimeoutMs?: number;
  /** Requests in flight per user at most; ticks beyond it are skipped. Default 8. */
  maxInFlightPerUser?: number;
  fetchImpl?: typeof fetch;
  /** Epoch ms the seconds and latencies are measured on; default Date.now. */
  now?: () => number;
}

/** Largest page read, bytes; the Bookinfo page is ~10 KB. */
export const MAX_PAGE_BYTES = 1024 * 1024;
const FLUSH_EVERY_MS = 200;
const MAX_EMPTY_SECONDS_PER_FLUSH = 60;

interface Bucket {
  counts: Record<string, number>;
  latencies: number[];
}

class UserLoop {
  cookie: string | undefined;
  loggingIn: Promise<void> | undefined;
  inFlight = new Set<AbortController>();
  timer: NodeJS.Timeout | undefined;
  buckets = new Map<number, Bucket>();
  lastEmitted: number;
  constructor(
    readonly user: string,
    startSecond: number,
  ) {
    this.lastEmitted = startSecond - 1;
  }
}

export class TrafficGenerator extends EventEmitter {
  private gatewayUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly ratePerUser: number;
  private readonly requestTimeoutMs: number;
  private readonly maxInFlight: number;
  private users: string[];
  private loops = new Map<string, UserLoop>();
  private flushTimer: NodeJS.Timeout | undefined;
  /** Login POSTs sent, for tests and diagnostics. */
  logins = 0;
  /** Failed requests are counted as outcomes, so the feed itself is always live. */
  readonly status: FeedStatus = FEED_LIVE;

  constructor(opts: TrafficGeneratorOptions) {
    super();
    this.gatewayUrl = opts.gatewayUrl.replace(/\/+$/, '');
    this.fetchImpl = opts.fetchImpl ?? fetch;
    this.now = opts.now ?? Date.now;
    this.ratePerUser = opts.ratePerUser ?? 2;
    if (!(this.ratePerUser > 0 && this.ratePerUser <= 100)) throw new Error(`ratePerUser must be between 0 and 100 requests/s, got ${opts.ratePerUser}`);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 15_000;
    this.maxInFlight = opts.maxInFlightPerUser ?? 8;
    this.users = checkUsers(opts.users ?? ['anonymous', 'jason']);
  }

  get running(): boolean {
    return this.flushTimer !== undefined;
  }

  getUsers(): string[] {
    return [...this.users];
  }

  start(): void {
    if (this.running) return;
    this.flushTimer = setInterval(() => this.flush(), FLUSH_EVERY_MS);
    for (const user of this.users) this.startUser(user);
    this.emit('change', { op: 'state', running: true, users: this.getUsers() } satisfies TrafficChange);
  }

  /** Stops sending, aborts what is in flight, and emits the seconds already complete. */
  stop(): void {
    if (!this.running) return;
    clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    this.flush();
    for (const user of [...this.loops.keys()]) this.stopUser(user);
    this.emit('change', { op: 'state', running: false, users: this.getUsers() } satisfies TrafficChange);
  }

  /** Sends from now on to another gateway (the other routing API's): each user signs in there afresh. */
  setGatewayUrl(url: string): void {
    const next = url.replace(/\/+$/, '');
    if (next === this.gatewayUrl) return;
    this.gatewayUrl = next;
    if (!this.running) return;
    for (const user of [...this.loops.keys()]) {
      this.stopUser(user);
      this.startUser(user);
    }
  }

  setUsers(users: string[]): void {
    const next = checkUsers(users);
    if (this.running) {
      for (const user of this.loops.keys()) if (!next.includes(user)) this.stopUser(user);
      for (const user of next) if (!this.loops.has(user)) this.startUser(user);
    }
    this.users = next;
  }

  private startUser(user: string): void {
    const loop = new UserLoop(user, Math.floor(this.now() / 1000));
    this.loops.set(user, loop);
    loop.timer = setInterval(() => void this.tick(loop), 1000 / this.ratePerUser);
    void this.tick(loop);
  }

  private stopUser(user: string): void {
    const loop = this.loops.get(user);
    if (!loop) return;
    clearInterval(loop.timer);
    for (const c of loop.inFlight) c.abort();
    this.loops.delete(user);
  }

  private async tick(loop: UserLoop): Promise<void> {
    if (loop.inFlight.size >= this.maxInFlight || this.loops.get(loop.user) !== loop) return;
    const controller = new AbortController();
    loop.inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(new TimeoutError()), this.requestTimeoutMs);
    const started = this.now();
    let outcome: string;
    try {
      if (loop.user !== 'anonymous' && !loop.cookie) await this.login(loop, controller.signal);
      const sentCookie = loop.cookie;
      const res = await this.fetchImpl(`${this.gatewayUrl}/productpage`, {
        // Envoy tags every span with the user agent: the traces list can then say whose request it was.
        headers: { 'user-agent': demoUserAgent(loop.user), ...(sentCookie ? { cookie: sentCookie } : {}) },
        redirect: 'manual',
        signal: controller.signal,
      });
      rememberSession(loop, res);
      // An oversize page is classified from its first part.
      const html = (await readLimited(res, MAX_PAGE_BYTES)).text;
      outcome = classifyProductPage(res.status, html);
      // A page that offers "Sign in" to a named user means the session is gone: log in again.
      // (Only if no newer login replaced the cookie this request carried.)
      if (res.status === 200 && loop.user !== 'anonymous' && !/sign out/i.test(html) && loop.cookie === sentCookie) loop.cookie = undefined;
    } catch (err) {
      if (this.loops.get(loop.user) !== loop) return; // stopped: not an outcome
      outcome = err instanceof SignInError ? 'login-error' : controller.signal.reason instanceof TimeoutError ? 'timeout' : 'connection-error';
    } finally {
      clearTimeout(timeout);
      loop.inFlight.delete(controller);
    }
    if (this.loops.get(loop.user) !== loop) return;
    const finished = this.now();
    const second = Math.floor(finished / 1000);
    let bucket = loop.buckets.get(second);
    if (!bucket) loop.buckets.set(second, (bucket = { counts: {}, latencies: [] }));
    bucket.counts[outcome] = (bucket.counts[outcome] ?? 0) + 1;
    bucket.latencies.push(finished - started);
  }

  private login(loop: UserLoop, signal: AbortSignal): Promise<void> {
    // Concurrent requests of one user share one login.
    loop.loggingIn ??= (async () => {
      this.logins++;
      loop.cookie = `session=${await signInToBookinfo(this.gatewayUrl, loop.user, { fetch: this.fetchImpl, signal })}`;
    })().finally(() => {
      loop.loggingIn = undefined;
    });
    return loop.loggingIn;
  }

  /** Emits every finished second of every user, in order, empty ones included. */
  private flush(): void {
    const current = Math.floor(this.now() / 1000);
    for (const loop of this.loops.values()) {
      if (current - 1 - loop.lastEmitted > MAX_EMPTY_SECONDS_PER_FLUSH) loop.lastEmitted = current - 1 - MAX_EMPTY_SECONDS_PER_FLUSH;
      for (let t = loop.lastEmitted + 1; t < current; t++) {
        const bucket = loop.buckets.get(t) ?? { counts: {}, latencies: [] };
        loop.buckets.delete(t);
        this.emit('change', { op: 'second', second: toSecond(loop.user, t, bucket) } satisfies TrafficChange);
      }
      loop.lastEmitted = Math.max(loop.lastEmitted, current - 1);
      // Answers that landed in seconds already emitted (a clock step back) are dropped.
      for (const t of loop.buckets.keys()) if (t <= loop.lastEmitted) loop.buckets.delete(t);
    }
  }
}

class TimeoutError extends Error {}

function checkUsers(users: string[]): string[] {
  for (const u of users) if (!/^[A-Za-z0-9._-]{1,64}$/.test(u)) throw new Error(`user name ${JSON.stringify(u)} must be 1-64 letters, digits, '.', '_' or '-'`);
  return [...new Set(users)];
}

function rememberSession(loop: UserLoop, res: Response): void {
  const session = sessionCookie(res.headers.getSetCookie());
  if (session !== undefined) loop.cookie = session ? `session=${session}` : undefined;
}

function toSecond(user: string, t: number, b: Bucket): TrafficSecond {
  const sorted = [...b.latencies].sort((x, y) => x - y);
  const pick = (q: number) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]) : 0);
  return { t, user, counts: b.counts, latencyMs: { p50: pick(0.5), p99: pick(0.99), max: sorted.length ? round(sorted[sorted.length - 1]) : 0 } };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** The demo traffic's User-Agent; `userFromUserAgent` in traces-feed.ts reads the user back. */
export const demoUserAgent = (user: string) => `istio-live-deck/traffic (user=${user})`;
