/**
 * The one shape of a live feed (resource informers, the Jaeger pollers, the traffic
 * generator): start(), stop(), 'change' events carrying the topic's change, and 'status'
 * events carrying a FeedStatus. ClusterSession runs every stream through it.
 */
import type { EventEmitter } from 'node:events';
import type { FeedStatus } from '../protocol.ts';

export interface LiveFeed<Change> extends EventEmitter {
  start(): void;
  stop(): void | Promise<void>;
  readonly status: FeedStatus;
  on(event: 'change', listener: (change: Change) => void): this;
  on(event: 'status', listener: (status: FeedStatus) => void): this;
}

export const FEED_CONNECTING: FeedStatus = { state: 'connecting', synced: false };
export const FEED_LIVE: FeedStatus = { state: 'live', synced: true };
