/**
 * Folds a topic's snapshot and changes into the data panels show. Pure, so the resume
 * logic (skip what was already seen, replace on a fresh snapshot) is testable alone.
 */
import type {
  GraphSnapshot,
  PresenterPosition,
  ResourceSummary,
  ResourcesChange,
  ResourcesSnapshot,
  ServerMessage,
  TracesChange,
  TracesSnapshot,
  TrafficChange,
  TrafficSnapshot,
} from '../../server/protocol.ts';

/** Seconds of traffic and traces a panel keeps. */
export const MAX_TRAFFIC_SECONDS = 120;
export const MAX_TRACES = 50;

export interface TopicData {
  seq: number;
  data: unknown;
  lastChange?: unknown;
}

type DataMessage = Extract<ServerMessage, { type: 'snapshot' | 'change' }>;

function topicFamily(topic: string): string {
  return topic.startsWith('resources/') ? 'resources' : topic;
}

function applyChange(topic: string, data: unknown, change: unknown): unknown {
  switch (topicFamily(topic)) {
    case 'resources': {
      const snap = (data as ResourcesSnapshot | undefined) ?? { items: [] };
      const c = change as ResourcesChange;
      if (c.op === 'delete') return { items: snap.items.filter((i) => i.name !== c.name) };
      const items: ResourceSummary[] = snap.items.filter((i) => i.name !== c.item.name);
      items.push(c.item);
      items.sort((a, b) => a.name.localeCompare(b.name));
      return { items };
    }
    case 'traffic': {
      const snap = (data as TrafficSnapshot | undefined) ?? { running: false, users: [], seconds: [] };
      const c = change as TrafficChange;
      if (c.op === 'state') return { ...snap, running: c.running, users: c.users };
      return { ...snap, seconds: [...snap.seconds, c.second].slice(-MAX_TRAFFIC_SECONDS * Math.max(1, snap.users.length || 2)) };
    }
    case 'traces': {
      const snap = (data as TracesSnapshot | undefined) ?? { traces: [] };
      const c = change as TracesChange;
      return { traces: [c.trace, ...snap.traces.filter((t) => t.traceID !== c.trace.traceID)].slice(0, MAX_TRACES) };
    }
    default:
      // graph, presenter and health send their whole state each time.
      return change as GraphSnapshot | PresenterPosition;
  }
}

function normaliseSnapshot(topic: string, data: unknown): unknown {
  if (topicFamily(topic) === 'resources') {
    const items = [...((data as ResourcesSnapshot).items ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    return { items };
  }
  return data;
}

/** The next state of one topic, or the same object when the message is stale or out of order. */
export function reduceTopic(prev: TopicData | undefined, msg: DataMessage): TopicData | undefined {
  if (msg.type === 'snapshot') return { seq: msg.seq, data: normaliseSnapshot(msg.topic, msg.data), lastChange: undefined };
  if (!prev) return prev; // a change before any snapshot cannot be applied
  if (msg.seq <= prev.seq) return prev; // already seen (replayed after a resume)
  return { seq: msg.seq, data: applyChange(msg.topic, prev.data, msg.data), lastChange: msg.data };
}
