/** The shared live clients and the hooks panels use to read topics. */
import { createContext, useCallback, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { WS_PATH } from '../../server/protocol.ts';
import { LiveClient, localStorageCache, type ConnectionState, type Role, type TopicState } from './client.ts';
import { isReceiver, presenterToken } from './env.ts';
import { sandboxAllowed, sandboxStore, sandboxWsUrl, type SandboxInfo, type SandboxState } from './sandbox.ts';

export type { ConnectionState, Role, TopicState } from './client.ts';

declare global {
  interface Window {
    __istioDeckLive?: LiveClient;
    /** The attendee's sandbox stream, next to the main one (which still follows the presenter). */
    __istioDeckSandboxLive?: { id: string; client: LiveClient };
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

/** The stream of one sandbox, opened once; the previous sandbox's stream is closed. */
export function getSandboxClient(s: SandboxInfo): LiveClient {
  const current = window.__istioDeckSandboxLive;
  if (current?.id === s.id) return current.client;
  current?.client.close();
  const client = new LiveClient({ url: sandboxWsUrl(s) });
  // A stream that drops may mean the sandbox is gone: ask the server, and forget it if so.
  client.onStatus(() => {
    if (client.connection === 'disconnected') void sandboxStore().verify();
  });
  window.__istioDeckSandboxLive = { id: s.id, client };
  return client;
}

function closeSandboxClient() {
  window.__istioDeckSandboxLive?.client.close();
  window.__istioDeckSandboxLive = undefined;
}

/** Tests and embedders can hand panels their own client; `null` means passive with no stream. */
export const LiveClientContext = createContext<LiveClient | null | undefined>(undefined);

/** The presenter's cluster: slide following and the presenter's own panels. */
export function useMainClient(): LiveClient | undefined {
  const fromContext = useContext(LiveClientContext);
  const [client] = useState(() => (fromContext === undefined ? getLiveClient() : (fromContext ?? undefined)));
  return fromContext === undefined ? client : (fromContext ?? undefined);
}

/** The attendee's sandbox state (always empty on the presenter's page). */
export function useSandbox(): SandboxState & { allowed: boolean } {
  const store = sandboxStore();
  const state = useSyncExternalStore(store.subscribe, store.get, store.get);
  const allowed = sandboxAllowed();
  return allowed ? { ...state, allowed } : { allowed };
}

/** The client panels read from: the attendee's sandbox when they have one, else the main one. */
export function useLiveClient(): LiveClient | undefined {
  const main = useMainClient();
  const fromContext = useContext(LiveClientContext);
  const { sandbox } = useSandbox();
  useEffect(() => {
    if (!sandbox && fromContext === undefined) closeSandboxClient();
  }, [sandbox, fromContext]);
  if (fromContext !== undefined || !sandbox || typeof window === 'undefined') return main;
  return getSandboxClient(sandbox);
}

const PASSIVE: TopicState = Object.freeze({ state: 'disconnected', data: undefined, lastChange: undefined, changedAt: 0, error: 'passive view: no live stream here' }) as TopicState;
const noop = () => () => {};

/** A topic of one client: connection state, data and last change; re-renders on every update. */
export function useTopicOf<T = unknown>(client: LiveClient | undefined, topic: string | undefined): TopicState & { data: T | undefined } {
  const subscribe = useCallback((l: () => void) => (client && topic ? client.subscribe(topic, l) : noop()), [client, topic]);
  const get = useCallback(() => (client && topic ? client.get(topic) : PASSIVE), [client, topic]);
  return useSyncExternalStore(subscribe, get, get) as TopicState & { data: T | undefined };
}

/** A topic of the cluster the panels show. */
export function useTopic<T = unknown>(topic: string | undefined): TopicState & { data: T | undefined } {
  return useTopicOf<T>(useLiveClient(), topic);
}

/** One client's socket state and role ('presenter' only after the server said so). */
export function useConnectionOf(client: LiveClient | undefined): { connection: ConnectionState; role: Role | undefined } {
  const [, force] = useState(0);
  useEffect(() => client?.onStatus(() => force((n) => n + 1)), [client]);
  return { connection: client?.connection ?? 'disconnected', role: client?.role };
}

/** The socket the panels use. */
export function useConnection(): { connection: ConnectionState; role: Role | undefined } {
  return useConnectionOf(useLiveClient());
}

/**
 * Whether change controls may be shown: a token is held and the server has not said
 * otherwise, or the attendee works in their own sandbox (which its token authorizes).
 */
export function usePresenter(): { canChange: boolean; why?: string; sandbox: boolean } {
  const { role } = useConnectionOf(useMainClient());
  const { sandbox } = useSandbox();
  if (isReceiver()) return { canChange: false, why: 'speaker-view preview (read-only)', sandbox: false };
  if (sandbox) return { canChange: true, sandbox: true };
  if (!presenterToken()) return { canChange: false, why: 'presenter token required', sandbox: false };
  if (role === 'audience') return { canChange: false, why: 'presenter token rejected by the server', sandbox: false };
  return { canChange: true, sandbox: false };
}
