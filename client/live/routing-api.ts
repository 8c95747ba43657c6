/**
 * Which routing API the routing slides show: the presenter's choice (shared deck state on the
 * `routing-api` topic, so it survives reloads and reaches every replica and attendee), or, for an
 * attendee, the other tab they opened to look at. A local look lasts until the presenter chooses
 * again, so following resumes by itself.
 */
import { useSyncExternalStore } from 'react';
import { DEFAULT_ROUTING_API, ROUTING_API_TOPIC, ROUTING_APIS, type RoutingApi, type RoutingApiChoice } from '../../server/protocol.ts';
import { isReceiver } from './env.ts';
import { getLiveClient, useConnectionOf, useMainClient, useTopicOf } from './index.ts';

export type { RoutingApi } from '../../server/protocol.ts';

export const ROUTING_API_LABELS: Record<RoutingApi, string> = { istio: 'Istio APIs', 'gateway-api': 'Gateway API' };

/** The tabs' order: Istio's own API first, as istio.io shows them. */
export const ROUTING_APIS_IN_ORDER: readonly RoutingApi[] = ROUTING_APIS;

export const otherApi = (api: RoutingApi): RoutingApi => (api === 'istio' ? 'gateway-api' : 'istio');

/** An attendee's own look at the other tab, and when the presenter's choice it was taken against arrived. */
let localLook: { api: RoutingApi; against: number } | undefined;
const listeners = new Set<() => void>();
const lookStore = {
  subscribe(l: () => void) {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  get: () => localLook,
};
function setLocalLook(next: typeof localLook): void {
  localLook = next;
  for (const l of listeners) l();
}

/**
 * The API this page's presenter just switched to, until the switch arrives back: the slide's
 * scene is then reset in that API, so the other API's rules never stay behind to fight the new
 * ones and the product page's gateway exists. Only the page that switched resets.
 */
let switchedHere: RoutingApi | undefined;
function switchTo(client: { sendRoutingApi(api: RoutingApi): void } | undefined, api: RoutingApi): void {
  switchedHere = api;
  client?.sendRoutingApi(api);
}

/** True once for the switch this page made to `api`. */
export function takeSwitchMadeHere(api: RoutingApi): boolean {
  if (switchedHere !== api) return false;
  switchedHere = undefined;
  return true;
}

export interface RoutingApiView {
  /** The tab shown on this page. */
  shown: RoutingApi;
  /** The presenter's choice for the talk. */
  shared: RoutingApi;
  /** This page drives the choice (the presenter's). */
  drives: boolean;
  /** Shows a tab: the presenter changes it for everyone, anyone else only looks. */
  choose(api: RoutingApi): void;
}

export function useRoutingApi(): RoutingApiView {
  const client = useMainClient();
  const { role } = useConnectionOf(client);
  const topic = useTopicOf<RoutingApiChoice>(client, client ? ROUTING_API_TOPIC : undefined);
  const look = useSyncExternalStore(lookStore.subscribe, lookStore.get, lookStore.get);
  const shared = topic.data?.api ?? DEFAULT_ROUTING_API;
  const drives = role === 'presenter' && !isReceiver();
  // Once the presenter chooses again (even the same API twice over), the attendee's own look ends.
  const chosenAt = topic.changedAt;
  const shown = look && look.against === chosenAt && !drives ? look.api : shared;
  return {
    shown,
    shared,
    drives,
    choose(api) {
      if (drives) {
        setLocalLook(undefined);
        if (api !== shared) switchTo(client ?? undefined, api);
      } else setLocalLook(api === shared ? undefined : { api, against: chosenAt });
    },
  };
}

/** The presenter's keyboard shortcut: switch the talk to the other API (nothing on an audience page). */
export function toggleSharedRoutingApi(): void {
  const client = getLiveClient();
  if (!client || client.role !== 'presenter' || isReceiver()) return;
  const current = (client.get(ROUTING_API_TOPIC).data as RoutingApiChoice | undefined)?.api ?? DEFAULT_ROUTING_API;
  switchTo(client, otherApi(current));
}
