import type { ServerMessage, TopicPayloads } from '../protocol.ts';

/** Anyone who receives a topic's messages: a WebSocket connection, or a test. */
export interface TopicSubscriber {
  deliver(topic: Topic, message: ServerMessage): void;
}

/**
 * One stream of state: a snapshot on demand, then numbered changes. Keeps the last
 * changes so a client that reconnects gets only what it missed.
 */
export class Topic {
  private seqNo = 0;
  private readonly history: Array<{ seq: number; data: TopicPayloads['change'] }> = [];
  readonly subscribers = new Set<TopicSubscriber>();
  /** Called when the first subscriber arrives and when the last leaves. */
  onActiveChange?: (active: boolean) => void;
  /** Why the topic has no live data now (a kind missing, the cluster unreachable); undefined while live. */
  private errorText: string | undefined;

  constructor(
    readonly name: string,
    private readonly snapshotOf: () => TopicPayloads['snapshot'],
    private readonly historySize = 256,
  ) {}

  get seq(): number {
    return this.seqNo;
  }

  snapshot(): ServerMessage {
    return { type: 'snapshot', topic: this.name, seq: this.seqNo, data: this.snapshotOf() };
  }

  /** The changes after `seq`, or undefined when they are no longer kept (send a snapshot). */
  changesSince(seq: number): ServerMessage[] | undefined {
    if (seq > this.seqNo) return undefined; // the server restarted: numbers began again
    if (seq === this.seqNo) return [];
    const first = this.history[0]?.seq ?? this.seqNo + 1;
    if (seq + 1 < first) return undefined;
    return this.history.filter((h) => h.seq > seq).map((h) => ({ type: 'change', topic: this.name, seq: h.seq, data: h.data }));
  }

  get problem(): string | undefined {
    return this.errorText;
  }

  /** Tells subscribers what is wrong; clearing it sends a fresh snapshot, which panels read as live again. */
  setProblem(message: string | undefined): void {
    if (message === this.errorText) return;
    const wasBroken = this.errorText !== undefined;
    this.errorText = message;
    if (!message && !wasBroken) return;
    const out: ServerMessage = message ? { type: 'error', topic: this.name, message } : this.snapshot();
    for (const s of this.subscribers) s.deliver(this, out);
  }

  publish(data: TopicPayloads['change']): void {
    const seq = ++this.seqNo;
    this.history.push({ seq, data });
    if (this.history.length > this.historySize) this.history.shift();
    const message: ServerMessage = { type: 'change', topic: this.name, seq, data };
    for (const s of this.subscribers) s.deliver(this, message);
  }

  subscribe(s: TopicSubscriber): void {
    this.subscribers.add(s);
    if (this.subscribers.size === 1) this.onActiveChange?.(true);
  }

  unsubscribe(s: TopicSubscriber): void {
    if (this.subscribers.delete(s) && this.subscribers.size === 0) this.onActiveChange?.(false);
  }
}
