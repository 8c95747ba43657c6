/**
 * An attendee's private sandbox: which cluster this page's panels read from and change.
 * The sandbox's id and token live in sessionStorage, so a reload keeps it; the page's own id
 * lives in localStorage, so this browser's other tabs get the same sandbox. The presenter's
 * page (it holds a presenter token) and speaker-view receivers never use one.
 */
import { SANDBOX_CLIENT_HEADER, WS_PATH, type ApiErrorBody, type SandboxGrant, type SandboxQueued } from '../../server/protocol.ts';
import { queuePlaceText } from '../../server/sandbox/queue-place.ts';
import { isReceiver, presenterToken } from './env.ts';

/** The sandbox this page uses, as the server granted it. */
export type SandboxInfo = SandboxGrant;

export interface SandboxState {
  sandbox?: SandboxInfo;
  busy?: 'creating' | 'waiting' | 'leaving';
  /** While every sandbox is in use: this page's place in line, and what to tell the attendee. */
  queued?: { position: number; text: string };
  /** Why the last attempt failed, or why the sandbox is gone. */
  notice?: string;
}

const KEY = 'istio-deck-sandbox';
const CLIENT_KEY = 'istio-deck-client';
/** How often a page in line asks again; the server keeps its place while it does. */
const QUEUE_POLL_MS = 3000;

export const SANDBOX_GONE = 'Your sandbox is gone (it was removed, left idle too long, or the deck server restarted). The panels show the presenter’s cluster again; you can start a new sandbox.';

/** What the page says when its sandbox is gone; `evicted` is the server's reason, when it evicted it. */
export const sandboxGone = (evicted: unknown): string =>
  typeof evicted === 'string' ? `Your sandbox is gone: it was evicted, ${evicted.slice(0, 200)}. The panels show the presenter’s cluster again; you can start a new sandbox.` : SANDBOX_GONE;

export class SandboxStore {
  private state: SandboxState;
  private readonly listeners = new Set<() => void>();
  /** Ends the wait in line early (the attendee stopped waiting). */
  private stopWaiting?: () => void;
  private ownId?: string;

  constructor(
    private readonly storage: Storage | undefined,
    private readonly fetchImpl: typeof fetch = (...a) => fetch(...a),
    private readonly opts: { clientIds?: Storage; pollMs?: number } = {},
  ) {
    this.state = { sandbox: this.load() };
  }

  get = (): SandboxState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /**
   * Asks the server for a sandbox; on success this page's panels switch to it. While all are
   * in use it waits in line, asking again every few seconds. Resolves with whether it got one.
   */
  async create(): Promise<boolean> {
    if (this.state.sandbox || this.state.busy) return false;
    this.set({ busy: 'creating', notice: undefined, queued: undefined });
    try {
      for (;;) {
        const res = await this.fetchImpl('/api/sandbox', { method: 'POST', headers: { [SANDBOX_CLIENT_HEADER]: this.clientId() } });
        const body = (await res.json().catch(() => ({}))) as Partial<SandboxGrant & SandboxQueued & ApiErrorBody>;
        if (res.status === 202 && body.queued) {
          this.set({ busy: 'waiting', queued: { position: body.queued.position, text: queuePlaceText(body.queued.position, body.queued.max) } });
          if (!(await this.pause())) return false;
          continue;
        }
        if (res.status === 429) throw new Error(`No sandbox free: ${body.error ?? 'all sandboxes are in use; try again later'}. Meanwhile, keep following the presenter.`);
        if (!res.ok || typeof body.id !== 'string' || typeof body.token !== 'string') throw new Error(`The server could not start a sandbox: ${body.error ?? `HTTP ${res.status}`}`);
        const sandbox = { id: body.id, token: body.token };
        this.save(sandbox);
        this.set({ sandbox, busy: undefined, queued: undefined });
        return true;
      }
    } catch (e) {
      this.set({ busy: undefined, queued: undefined, notice: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  /** Leaves the line: the page stops asking, and tells the server, so the next in line moves up. */
  cancelWaiting(): void {
    if (!this.stopWaiting) return;
    this.stopWaiting();
    // Best effort: unanswered, the server drops the place once the page stops asking.
    void this.fetchImpl('/api/sandbox/line', { method: 'DELETE', headers: { [SANDBOX_CLIENT_HEADER]: this.clientId() } }).catch(() => {});
  }

  /** Waits before asking again; false when the attendee stopped waiting meanwhile. */
  private pause(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(true), this.opts.pollMs ?? QUEUE_POLL_MS);
      this.stopWaiting = () => {
        clearTimeout(timer);
        this.stopWaiting = undefined;
        this.set({ busy: undefined, queued: undefined });
        resolve(false);
      };
    });
  }

  /** This browser's own id (made once, kept in localStorage), so asking again returns its sandbox. */
  private clientId(): string {
    if (this.ownId) return this.ownId;
    const kept = this.opts.clientIds?.getItem(CLIENT_KEY);
    if (kept && /^[0-9a-f]{32}$/.test(kept)) return (this.ownId = kept);
    const id = (this.ownId = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(''));
    try {
      this.opts.clientIds?.setItem(CLIENT_KEY, id);
    } catch {
      /* storage disabled: this page alone keeps the id */
    }
    return id;
  }

  /** Deletes the sandbox on the server (best effort) and goes back to the presenter's cluster. */
  async leave(): Promise<void> {
    const s = this.state.sandbox;
    if (!s || this.state.busy) return;
    this.set({ busy: 'leaving', notice: undefined });
    try {
      await this.fetchImpl(`/api/sandbox/${encodeURIComponent(s.id)}`, { method: 'DELETE', headers: { Authorization: `Bearer ${s.token}` } });
    } catch {
      /* the server evicts it when idle anyway */
    }
    this.save(undefined);
    this.set({ sandbox: undefined, busy: undefined });
  }

  /** The server no longer knows this sandbox: forget it and say so. */
  lost(id: string, notice = SANDBOX_GONE): void {
    if (this.state.sandbox?.id !== id) return;
    this.save(undefined);
    this.set({ sandbox: undefined, busy: undefined, notice });
  }

  /** Asks the server whether the sandbox still exists; forgets it when it does not. */
  async verify(): Promise<void> {
    const s = this.state.sandbox;
    if (!s) return;
    try {
      const res = await this.fetchImpl('/api/health', { headers: sandboxHeaders(s) });
      if (res.status === 404) this.lost(s.id, sandboxGone(((await res.json().catch(() => ({}))) as { evicted?: unknown }).evicted));
    } catch {
      /* the server is unreachable: the sandbox may still be there */
    }
  }

  private set(patch: Partial<SandboxState>) {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  private load(): SandboxInfo | undefined {
    try {
      const raw = this.storage?.getItem(KEY);
      const v = raw ? JSON.parse(raw) : undefined;
      return typeof v?.id === 'string' && typeof v?.token === 'string' ? { id: v.id, token: v.token } : undefined;
    } catch {
      return undefined;
    }
  }

  private save(s: SandboxInfo | undefined) {
    try {
      if (s) this.storage?.setItem(KEY, JSON.stringify(s));
      else this.storage?.removeItem(KEY);
    } catch {
      /* storage disabled: the sandbox lasts until reload */
    }
  }
}

let store: SandboxStore | undefined;

/** The page's one store. */
export function sandboxStore(): SandboxStore {
  store ??= new SandboxStore(typeof sessionStorage === 'undefined' ? undefined : sessionStorage, undefined, { clientIds: typeof localStorage === 'undefined' ? undefined : localStorage });
  return store;
}

/** Only an attendee's page may use a sandbox. */
export const sandboxAllowed = () => !presenterToken() && !isReceiver();

/** The sandbox this page's panels use, if any. */
export function activeSandbox(): SandboxInfo | undefined {
  return sandboxAllowed() ? sandboxStore().get().sandbox : undefined;
}

/** Headers that send an API call to the sandbox, with its own token. */
export const sandboxHeaders = (s: SandboxInfo): Record<string, string> => ({ 'X-Deck-Sandbox': s.id, Authorization: `Bearer ${s.token}` });

/** Where the product page is proxied from: the sandbox's own gateway, or the presenter's. */
export const gatewayBase = (s: SandboxInfo | undefined) => (s ? `/sandbox-gateway/${encodeURIComponent(s.id)}` : '/gateway');

export function sandboxWsUrl(s: SandboxInfo, loc: { protocol: string; host: string } = location): string {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}${WS_PATH}?sandbox=${encodeURIComponent(s.id)}&token=${encodeURIComponent(s.token)}`;
}
