/**
 * The one WebSocket every panel shares. Topics are reference-counted: the first
 * subscriber subscribes on the wire, the last one to leave unsubscribes. After a drop it
 * reconnects with exponential backoff and resumes each topic with the last `seq` seen.
 */
import type { ClientMessage, FeedFailure, PresenterPosition, RoutingApi, ServerMessage } from '../../server/protocol.ts';
import { failureWords } from './failure-words.ts';
import { reduceTopic, type TopicData } from './reducer.ts';

export type ConnectionState = 'connecting' | 'live' | 'disconnected' | 'error';
export type Role = 'presenter' | 'audience';

export interface TopicState {
  state: ConnectionState;
  data: unknown;
  lastChange: unknown;
  /** When lastChange arrived (ms), so panels can announce each change once. */
  changedAt: number;
  error?: string;
  /** Why the server's feed for this topic failed (Jaeger unreachable, a CRD missing…), when it says. */
  reason?: FeedFailure;
}

export interface LiveClientOptions {
  url: string;
  WebSocketImpl?: { new (url: string): WebSocket };
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Last known data per topic (print export and cold starts show it instead of blanks). */
  cache?: TopicCache;
}

export interface TopicCache {
  load(topic: string): unknown;
  save(topic: string, data: unknown): void;
}

interface TopicEntry {
  refs: number;
  listeners: Set<() => void>;
  stored?: TopicData;
  view: TopicState;
  error?: string;
}

const EMPTY: TopicState = Object.freeze({ state: 'connecting', data: undefined, lastChange: undefined, changedAt: 0 }) as TopicState;

export class LiveClient {
  private ws?: WebSocket;
  private topics = new Map<string, TopicEntry>();
  private statusListeners = new Set<() => void>();
  private backoffMs: number;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private closed = false;
  private everConnected = false;
  connection: ConnectionState = 'connecting';
  role?: Role;

  constructor(private readonly opts: LiveClientOptions) {
    this.backoffMs = opts.initialBackoffMs ?? 250;
    this.connect();
  }

  /** Adds a listener for a topic; returns the function that removes it. */
  subscribe(topic: string, listener: () => void): () => void {
    let entry = this.topics.get(topic);
    if (!entry) {
      const cached = this.opts.cache?.load(topic);
      entry = {
        refs: 0,
        listeners: new Set(),
        view: { ...EMPTY, state: this.connection === 'live' ? 'connecting' : this.connectionForTopics(), data: cached },
      };
      this.topics.set(topic, entry);
    }
    entry.refs++;
    entry.listeners.add(listener);
    if (entry.refs === 1 && this.isOpen()) this.send({ type: 'subscribe', topic, since: entry.stored?.seq });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      entry.listeners.delete(listener);
      entry.refs--;
      if (entry.refs === 0) {
        // Keep the data so a quick re-subscribe (next slide, StrictMode) resumes instead of refetching.
        if (this.isOpen()) this.send({ type: 'unsubscribe', topic });
      }
    };
  }

  get(topic: string): TopicState {
    return this.topics.get(topic)?.view ?? EMPTY;
  }

  onStatus(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  sendPresenterPosition(position: PresenterPosition): void {
    if (this.role === 'presenter' && this.isOpen()) this.send({ type: 'presenter-position', position });
  }

  /** Presenter only: the routing API every routing slide shows, for everyone, for the whole talk. */
  sendRoutingApi(api: RoutingApi): void {
    if (this.role === 'presenter' && this.isOpen()) this.send({ type: 'routing-api', api });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.ws?.close();
  }

  private isOpen() {
    return this.ws?.readyState === 1;
  }

  private connectionForTopics(): ConnectionState {
    return this.everConnected && this.connection !== 'live' ? 'disconnected' : this.connection;
  }

  private connect() {
    if (this.closed) return;
    const Impl = this.opts.WebSocketImpl ?? WebSocket;
    let ws: WebSocket;
    try {
      ws = new Impl(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.everConnected = true;
      this.backoffMs = this.opts.initialBackoffMs ?? 250;
      this.setConnection('live');
      for (const [topic, entry] of this.topics) {
        if (entry.refs > 0) this.send({ type: 'subscribe', topic, since: entry.stored?.seq });
      }
    };
    ws.onmessage = (ev) => this.handle(String(ev.data));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.setConnection('disconnected');
      this.scheduleReconnect();
    };
    ws.onerror = () => {
      /* onclose follows and schedules the retry */
    };
  }

  private scheduleReconnect() {
    if (this.closed) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 5000);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private setConnection(state: ConnectionState) {
    this.connection = state;
    for (const entry of this.topics.values()) {
      // Topics stay 'connecting' until their snapshot (or resumed changes) arrive.
      const next: ConnectionState = state === 'live' ? (entry.stored?.synced ? 'live' : 'connecting') : state;
      this.update(entry, { ...entry.view, state: next });
    }
    for (const l of this.statusListeners) l();
  }

  private update(entry: TopicEntry, view: TopicState) {
    entry.view = view;
    for (const l of entry.listeners) {
      try {
        l();
      } catch {
        // A listener from a closed speaker-view iframe: drop it.
        entry.listeners.delete(l);
      }
    }
  }

  private send(msg: ClientMessage) {
    this.ws?.send(JSON.stringify(msg));
  }

  private handle(raw: string) {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
    switch (msg.type) {
      case 'hello':
        this.role = msg.role;
        for (const l of this.statusListeners) l();
        return;
      case 'error': {
        const entry = msg.topic ? this.topics.get(msg.topic) : undefined;
        if (entry) this.update(entry, { ...entry.view, state: 'error', error: failureWords(msg.reason, msg.message), reason: msg.reason });
        return;
      }
      case 'snapshot':
      case 'change': {
        const entry = this.topics.get(msg.topic);
        if (!entry) return;
        const next = reduceTopic(entry.stored, msg);
        if (!next) return;
        const changed = next !== entry.stored;
        entry.stored = next;
        // Live once the server's feed has synced; before that the panel says it is connecting.
        const state: ConnectionState = next.synced ? 'live' : 'connecting';
        if (!changed && entry.view.state === state) return;
        this.update(entry, {
          state,
          data: next.data,
          lastChange: next.lastChange,
          changedAt: msg.type === 'change' && changed ? Date.now() : entry.view.changedAt,
        });
        if (changed) this.opts.cache?.save(msg.topic, next.data);
        return;
      }
      default:
        return;
    }
  }
}

/** Keeps each topic's last data in localStorage, written at most once a second per topic. */
export function localStorageCache(storage: Storage = localStorage): TopicCache {
  const pending = new Map<string, unknown>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    for (const [topic, data] of pending) {
      try {
        storage.setItem(`istio-deck:topic:${topic}`, JSON.stringify(data));
      } catch {
        /* quota: the cache is only a convenience */
      }
    }
    pending.clear();
  };
  return {
    load(topic) {
      try {
        const raw = storage.getItem(`istio-deck:topic:${topic}`);
        return raw ? JSON.parse(raw) : undefined;
      } catch {
        return undefined;
      }
    },
    save(topic, data) {
      pending.set(topic, data);
      timer ??= setTimeout(flush, 1000);
    },
  };
}
