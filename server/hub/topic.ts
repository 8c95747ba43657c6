import { emptySnapshot, foldTopic, type FeedStatus, type ServerMessage, type TopicPayloads } from '../protocol.ts';

/** Anyone who receives a topic's messages: a WebSocket connection, or a test. */
export interface TopicSubscriber {
  deliver(topic: Topic, message: ServerMessage): void;
}

export interface TopicOptions {
  /** The state before the first change; default the fold's empty state. */
  initial?: TopicPayloads['snapshot'];
  /** How the kept state is sent, e.g. with the cluster's clock read at sending time. */
  present?: (state: TopicPayloads['snapshot']) => TopicPayloads['snapshot'];
  /** Changes kept for clients that resume; default 256. */
  historySize?: number;
  /** The feed's status to begin with; default live (a topic with no feed behind it). */
  status?: FeedStatus;
  /**
   * The number before the first change; default 0. A topic that may replace another of the same
   * name for the same clients (the safety net's cluster) counts from far away, so a client's
   * resume point from the other topic never matches its changes and it gets a snapshot.
   */
  firstSeq?: number;
}

const LIVE: FeedStatus = { state: 'live', synced: true };

/**
 * One stream of state: a snapshot, then numbered changes, each folded into the snapshot by
 * the topic's fold in the wire module (the client folds them the same way). Keeps the last
 * changes so a client that reconnects gets only what it missed, and its feed's status so
 * subscribers learn when it is not synced yet or has failed.
 */
export class Topic {
  private seqNo: number;
  private readonly history: Array<{ seq: number; data: TopicPayloads['change'] }> = [];
  private state: TopicPayloads['snapshot'] | undefined;
  private feedStatus: FeedStatus;
  readonly subscribers = new Set<TopicSubscriber>();
  /** Called when the first subscriber arrives and when the last leaves. */
  onActiveChange?: (active: boolean) => void;

  constructor(
    readonly name: string,
    private readonly opts: TopicOptions = {},
  ) {
    this.state = opts.initial;
    this.feedStatus = opts.status ?? LIVE;
    this.seqNo = opts.firstSeq ?? 0;
  }

  get seq(): number {
    return this.seqNo;
  }

  /** The state every change so far has folded into. */
  get current(): TopicPayloads['snapshot'] {
    return (this.state ??= emptySnapshot(this.name));
  }

  snapshot(): ServerMessage {
    const data = this.opts.present ? this.opts.present(this.current) : this.current;
    return { type: 'snapshot', topic: this.name, seq: this.seqNo, data, ...(this.feedStatus.synced ? {} : { synced: false }) };
  }

  /** The changes after `seq`, or undefined when they are no longer kept (send a snapshot). */
  changesSince(seq: number): ServerMessage[] | undefined {
    if (seq > this.seqNo) return undefined; // the server restarted: numbers began again
    if (seq === this.seqNo) return [];
    const first = this.history[0]?.seq ?? this.seqNo + 1;
    if (seq + 1 < first) return undefined;
    return this.history.filter((h) => h.seq > seq).map((h) => ({ type: 'change', topic: this.name, seq: h.seq, data: h.data }));
  }

  get status(): FeedStatus {
    return this.feedStatus;
  }

  /** The error message subscribers get while the feed has failed, or undefined. */
  problemMessage(): ServerMessage | undefined {
    const s = this.feedStatus;
    return s.state === 'error' ? { type: 'error', topic: this.name, message: s.message, reason: s.reason } : undefined;
  }

  /**
   * Takes the feed's status. A failure goes to subscribers as an `error`; becoming synced
   * or recovering sends a fresh snapshot, which panels read as live again.
   */
  setStatus(next: FeedStatus): void {
    const before = this.feedStatus;
    // Once synced a topic stays so: a feed started again (after a linger) refines data that is whole already.
    const status = before.synced && !next.synced ? ({ ...next, synced: true } as FeedStatus) : next;
    if (sameStatus(before, status)) return;
    this.feedStatus = status;
    let out: ServerMessage | undefined;
    if (status.state === 'error') out = this.problemMessage();
    else if (before.state === 'error' || (status.synced && !before.synced)) out = this.snapshot();
    if (out) for (const s of this.subscribers) s.deliver(this, out);
  }

  publish(data: TopicPayloads['change']): void {
    this.state = foldTopic(this.name, this.state, data);
    const seq = ++this.seqNo;
    this.history.push({ seq, data });
    if (this.history.length > (this.opts.historySize ?? 256)) this.history.shift();
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

function sameStatus(a: FeedStatus, b: FeedStatus): boolean {
  return a.state === b.state && a.synced === b.synced && (a.state !== 'error' || (b.state === 'error' && a.reason === b.reason && a.message === b.message));
}
