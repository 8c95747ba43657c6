/**
 * Folds a topic's snapshot and changes into the data panels show, with the fold the server's
 * topics use (TOPIC_FOLDS in the wire module). Pure, so the resume logic (skip what was
 * already seen, replace on a fresh snapshot) is testable alone.
 */
import { foldTopic, normaliseSnapshot, type ServerMessage, type TopicPayloads } from '../../server/protocol.ts';

export interface TopicData {
  seq: number;
  data: unknown;
  lastChange?: unknown;
  /** False while the server's feed has not delivered its first full state (an informer's first list). */
  synced: boolean;
}

type DataMessage = Extract<ServerMessage, { type: 'snapshot' | 'change' }>;

/** The next state of one topic, or the same object when the message is stale or out of order. */
export function reduceTopic(prev: TopicData | undefined, msg: DataMessage): TopicData | undefined {
  if (msg.type === 'snapshot') return { seq: msg.seq, data: normaliseSnapshot(msg.topic, msg.data), lastChange: undefined, synced: msg.synced !== false };
  if (!prev) return prev; // a change before any snapshot cannot be applied
  if (msg.seq <= prev.seq) return prev; // already seen (replayed after a resume)
  return { seq: msg.seq, data: foldTopic(msg.topic, prev.data as TopicPayloads['snapshot'] | undefined, msg.data), lastChange: msg.data, synced: prev.synced };
}
