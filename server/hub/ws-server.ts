import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_CLIENT_MESSAGE_BYTES, WS_PATH, parseClientMessage, type ClientMessage, type ServerMessage } from '../protocol.ts';
import type { AllowedHosts } from './allowed-hosts.ts';
import type { Topic, TopicSubscriber } from './topic.ts';

export type Role = 'presenter' | 'audience';

/** What a socket is connected to: the presenter's cluster or an attendee's sandbox. */
export interface TopicSource {
  topic(name: string): Topic | { error: string };
  setPresenterPosition(position: Extract<ClientMessage, { type: 'presenter-position' }>['position']): void;
  /** Absent on a source without a presenter's choice to keep. */
  setRoutingApi?(api: Extract<ClientMessage, { type: 'routing-api' }>['api']): void;
}

export interface WebSocketHubOptions {
  /** Decides role and source from the upgrade request; return an error text to refuse. */
  authorize(req: IncomingMessage, url: URL): { role: Role; source: TopicSource } | { error: string; status: number };
  /** Messages per second a connection may send before it is slowed, then cut off. */
  messagesPerSecond?: number;
  /** Above this many unsent bytes a client is "slow": it gets the latest state later, not a queue. */
  slowClientBytes?: number;
  serverVersion?: string;
  /** The host names a browser page may connect from; without it, Origin need only match Host. */
  allowedHosts?: AllowedHosts;
}

/**
 * The one WebSocket at /ws: checks Origin, size and rate; fans topic messages out; and
 * keeps a slow client's queue from growing by sending it a fresh snapshot once it drains.
 */
export class WebSocketHub {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();

  constructor(server: Server, private readonly opts: WebSocketHubOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false });
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== WS_PATH) return socket.destroy();
      const refusal = (status: number, text: string) => {
        socket.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Unauthorized'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${text}\n`);
      };
      if (!sameOrigin(req)) return refusal(403, 'WebSocket Origin does not match this deck');
      if (req.headers.origin && opts.allowedHosts && !opts.allowedHosts.allowsRequest(req.headers)) {
        return refusal(403, `WebSocket from a page on a host this deck does not serve (${String(req.headers.host).slice(0, 100)}): add it with --allowed-hosts`);
      }
      const auth = opts.authorize(req, url);
      if ('error' in auth) return refusal(auth.status, auth.error);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const conn = new Connection(ws, auth.role, auth.source, opts);
        this.connections.add(conn);
        ws.on('close', () => {
          conn.dispose();
          this.connections.delete(conn);
        });
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Bytes waiting to be sent, per connection: what a slow client costs the server. */
  bufferedBytes(): number[] {
    return [...this.connections].map((c) => c.ws.bufferedAmount);
  }

  /** Ends every socket streaming from `source` (a sandbox that was removed), so its pages notice at once. */
  closeSource(source: TopicSource, reason: string): void {
    for (const c of this.connections) if (c.source === source) c.ws.close(1001, reason.slice(0, 120));
  }

  /**
   * Moves every socket streaming from `from` to `to` (the deck switched clusters): each of its
   * topics is subscribed again on `to`, so its page gets `to`'s snapshot without reconnecting.
   */
  moveSource(from: TopicSource, to: TopicSource): void {
    for (const c of this.connections) if (c.source === from) c.moveTo(to);
  }

  close(): void {
    for (const c of this.connections) c.ws.terminate();
    this.wss.close();
  }
}

/**
 * One topic message goes to every subscriber as the same object: it is serialised once, not
 * once per socket (300 viewers made 300 copies of every change, in time and in memory).
 */
const encodedMessages = new WeakMap<ServerMessage, Buffer>();
function encoded(message: ServerMessage): Buffer {
  let bytes = encodedMessages.get(message);
  if (!bytes) encodedMessages.set(message, (bytes = Buffer.from(JSON.stringify(message))));
  return bytes;
}

/** Browsers always send Origin; it must name the host the page came from. Non-browser clients send none. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === new URL(`http://${req.headers.host}`).host;
  } catch {
    return false;
  }
}

class Connection implements TopicSubscriber {
  private readonly topics = new Map<string, Topic>();
  /** Topics whose changes were dropped while the socket was backed up. */
  private readonly stale = new Set<Topic>();
  private drainTimer?: NodeJS.Timeout;
  private tokens: number;
  private lastRefill = Date.now();
  /** Messages over the rate, less what quiet time has made up for. */
  private excess = 0;
  private lastExcess = Date.now();
  private readonly rate: number;
  private readonly slowBytes: number;

  constructor(
    readonly ws: WebSocket,
    private readonly role: Role,
    private current: TopicSource,
    opts: WebSocketHubOptions,
  ) {
    this.rate = opts.messagesPerSecond ?? 20;
    this.tokens = this.rate * 3;
    this.slowBytes = opts.slowClientBytes ?? 512 * 1024;
    ws.on('message', (data, isBinary) => this.onMessage(isBinary ? '' : String(data)));
    ws.on('error', () => ws.terminate());
    this.send({ type: 'hello', role, serverVersion: opts.serverVersion ?? '0' });
  }

  get source(): TopicSource {
    return this.current;
  }

  /** The same topics, from another source: old subscriptions end, new ones start with a snapshot. */
  moveTo(source: TopicSource): void {
    const names = [...this.topics.keys()];
    for (const t of this.topics.values()) t.unsubscribe(this);
    this.topics.clear();
    this.stale.clear();
    this.current = source;
    for (const name of names) this.subscribe(name);
  }

  deliver(topic: Topic, message: ServerMessage): void {
    if (this.stale.has(topic)) return;
    if (this.isBackedUp()) return this.markStale(topic);
    this.send(message);
  }

  private isBackedUp(): boolean {
    return this.ws.bufferedAmount > this.slowBytes;
  }

  /** The topic's changes are dropped until the socket drains; then it gets one fresh snapshot. */
  private markStale(topic: Topic): void {
    this.stale.add(topic);
    this.waitForDrain();
  }

  dispose(): void {
    clearInterval(this.drainTimer);
    for (const t of this.topics.values()) t.unsubscribe(this);
    this.topics.clear();
  }

  private waitForDrain(): void {
    if (this.drainTimer) return;
    this.drainTimer = setInterval(() => {
      if (this.ws.bufferedAmount > this.slowBytes / 8) return;
      // One snapshot at a time while the socket keeps up: many stale topics do not go out in one burst.
      for (const t of [...this.stale]) {
        if (this.isBackedUp()) return;
        this.stale.delete(t);
        if (this.topics.get(t.name) === t) this.sendState(t);
      }
      clearInterval(this.drainTimer);
      this.drainTimer = undefined;
    }, 100);
  }

  /** A topic's whole state: its snapshot, and what is wrong with it if anything. */
  private sendState(topic: Topic): void {
    this.send(topic.snapshot());
    const problem = topic.problemMessage();
    if (problem) this.send(problem);
  }

  /** An answer to the client's own message: dropped while the socket is backed up, as a client that does not read cannot use it. */
  private reply(message: ServerMessage): void {
    if (!this.isBackedUp()) this.send(message);
  }

  private send(message: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encoded(message), { binary: false });
  }

  private allow(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.rate * 3, this.tokens + ((now - this.lastRefill) / 1000) * this.rate);
    this.lastRefill = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Counts one message over the rate; true once a connection keeps flooding (more than 5 s worth of excess). */
  private floods(): boolean {
    const now = Date.now();
    this.excess = Math.max(0, this.excess - ((now - this.lastExcess) / 1000) * this.rate) + 1;
    this.lastExcess = now;
    return this.excess > this.rate * 5;
  }

  private onMessage(raw: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return; // closing: read nothing more
    if (!this.allow()) {
      // Over the rate the message is dropped (slowed); a flood that goes on is cut off.
      if (this.floods()) this.ws.close(1008, `too many messages: more than ${this.rate} a second`);
      else if (this.excess <= 1) this.reply({ type: 'error', message: `rate limit: at most ${this.rate} messages per second; this one was dropped` });
      return;
    }
    const msg = parseClientMessage(raw);
    if ('error' in msg) return this.reply({ type: 'error', message: msg.error });
    switch (msg.type) {
      case 'ping':
        return this.reply({ type: 'pong', id: msg.id });
      case 'unsubscribe': {
        const t = this.topics.get(msg.topic);
        t?.unsubscribe(this);
        this.topics.delete(msg.topic);
        return;
      }
      case 'subscribe':
        return this.subscribe(msg.topic, msg.since);
      case 'presenter-position':
        if (this.role !== 'presenter') return this.reply({ type: 'error', topic: 'presenter', message: 'only the presenter (with the token) drives the slides' });
        return this.current.setPresenterPosition(msg.position);
      case 'routing-api':
        if (this.role !== 'presenter') return this.reply({ type: 'error', topic: 'routing-api', message: 'only the presenter (with the token) chooses the routing API' });
        if (!this.current.setRoutingApi) return this.reply({ type: 'error', topic: 'routing-api', message: 'this connection has no routing API to choose' });
        return this.current.setRoutingApi(msg.api);
    }
  }

  private subscribe(name: string, since?: number): void {
    if (this.topics.size >= 64 && !this.topics.has(name)) return this.reply({ type: 'error', topic: name, message: 'too many subscriptions on one connection (64)' });
    const topic = this.current.topic(name);
    if ('error' in topic) return this.reply({ type: 'error', topic: name, message: topic.error });
    this.topics.set(name, topic);
    topic.subscribe(this);
    // A backed-up socket gets no fresh state per (re-)subscribe: the topic is marked stale
    // and its one snapshot goes out when the socket drains, so re-subscribing cannot grow the buffer.
    if (this.isBackedUp()) return this.markStale(topic);
    const missed = since === undefined ? undefined : topic.changesSince(since);
    if (missed) {
      for (const m of missed) this.send(m);
      const problem = topic.problemMessage();
      if (problem) this.send(problem);
    } else this.sendState(topic);
    this.stale.delete(topic);
  }
}
