/** The shared live client and the hooks panels use to read topics. */
import { createContext, useCallback, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { WS_PATH } from '../../server/protocol.ts';
import { LiveClient, localStorageCache, type ConnectionState, type Role, type TopicState } from './client.ts';
import { isReceiver, presenterToken } from './env.ts';

export type { ConnectionState, Role, TopicState } from './client.ts';

declare global {
  interface Window {
    __istioDeckLive?: LiveClient;
  }
}

/**
 * The page's one client. Speaker-view receivers borrow the main window's client (same
 * origin: iframe → speaker window → opener) instead of opening a second stream.
 */
export function getLiveClient(): LiveClient | undefined {
  if (typeof window === 'undefined') return undefined;
  if (window.__istioDeckLive) return window.__istioDeckLive;
  if (isReceiver()) {
    try {
      return (window.parent?.opener as Window | null)?.__istioDeckLive;
    } catch {
      return undefined;
    }
  }
  const token = presenterToken();
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${proto}//${location.host}${WS_PATH}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  window.__istioDeckLive = new LiveClient({ url, cache: localStorageCache() });
  return window.__istioDeckLive;
}

/** Tests and embedders can hand panels their own client; `null` means passive with no stream. */
export const LiveClientContext = createContext<LiveClient | null | undefined>(undefined);

export function useLiveClient(): LiveClient | undefined {
  const fromContext = useContext(LiveClientContext);
  const [client] = useState(() => (fromContext === undefined ? getLiveClient() : (fromContext ?? undefined)));
  return fromContext === undefined ? client : (fromContext ?? undefined);
}

const PASSIVE: TopicState = Object.freeze({ state: 'disconnected', data: undefined, lastChange: undefined, changedAt: 0, error: 'passive view: no live stream here' }) as TopicState;
const noop = () => () => {};

/** A topic's connection state, data and last change; re-renders on every update. */
export function useTopic<T = unknown>(topic: string | undefined): TopicState & { data: T | undefined } {
  const client = useLiveClient();
  const subscribe = useCallback((l: () => void) => (client && topic ? client.subscribe(topic, l) : noop()), [client, topic]);
  const get = useCallback(() => (client && topic ? client.get(topic) : PASSIVE), [client, topic]);
  return useSyncExternalStore(subscribe, get, get) as TopicState & { data: T | undefined };
}

/** The socket's state and this page's role ('presenter' only after the server said so). */
export function useConnection(): { connection: ConnectionState; role: Role | undefined } {
  const client = useLiveClient();
  const [, force] = useState(0);
  useEffect(() => client?.onStatus(() => force((n) => n + 1)), [client]);
  return { connection: client?.connection ?? 'disconnected', role: client?.role };
}

/** Whether change controls may be shown: a token is held and the server has not said otherwise. */
export function usePresenter(): { canChange: boolean; why?: string } {
  const { role } = useConnection();
  if (isReceiver()) return { canChange: false, why: 'speaker-view preview (read-only)' };
  if (!presenterToken()) return { canChange: false, why: 'presenter token required' };
  if (role === 'audience') return { canChange: false, why: 'presenter token rejected by the server' };
  return { canChange: true };
}
