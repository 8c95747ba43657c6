import { defaultChangePolicy } from './api/apply.ts';
import type { ChangeKinds } from './config.ts';
import type { ApiTarget } from './api/routes.ts';
import { ClusterConnection } from './cluster/connection.ts';
import { ScaledClock } from './clock.ts';
import { startEmbeddedCluster } from './embedded/cluster.ts';
import { findServiceAddress, gatewayApiGateway, INGRESS_GATEWAY, JAEGER_QUERY, type FoundAddress } from './cluster/service-address.ts';
import type { RoutingApi } from './protocol.ts';
import { ClusterSession, type ClusterSessionOptions } from './hub/cluster-session.ts';
import { jaegerQueryBase } from './embedded/tracing/jaeger-client.ts';

/**
 * A discovered address, found again once it is a few seconds old: a gateway's Service can be
 * deleted and made anew (a scene in the other routing API, a profile switch), and then serves
 * on another port. A port-forward is kept while it lasts: it follows the pods by itself.
 */
function memoAddress(find: () => Promise<FoundAddress>, maxAgeMs = 0): { get: () => Promise<string>; close: () => void } {
  let found: Promise<FoundAddress> | undefined;
  let foundAt = 0;
  let current: FoundAddress | undefined;
  const stale = () => maxAgeMs > 0 && current !== undefined && current.how !== 'port-forward' && performance.now() - foundAt > maxAgeMs;
  return {
    get: () => {
      if (stale()) found = undefined;
      found ??= (foundAt = performance.now(), find()).then(
        (f) => {
          if (current && current.url !== f.url) current.close?.();
          current = f;
          return f;
        },
        (err) => {
          found = undefined;
          throw err;
        },
      );
      return found.then((f) => f.url);
    },
    close: () => void found?.then((f) => f.close?.()).catch(() => {}),
  };
}

const GATEWAY_ADDRESS_MAX_AGE_MS = 3000;

/** A target the deck made and must close. */
export type ConnectedTarget = ApiTarget & { close(): Promise<void> };

/** Answers when the cluster's API answers a cheap request; rejects when it cannot be reached. */
export async function probeApi(target: Pick<ApiTarget, 'connection'>): Promise<void> {
  await target.connection.core.listNamespace({ limit: 1 });
}

/** Far above any count the real cluster's topics reach in a talk, and far below where numbers lose precision. */
const SAFETY_NET_FIRST_SEQ = 1e12;

/**
 * An embedded cluster started in this process, and the deck's target on it: the safety net's
 * cluster when a real one goes away. `stopCluster` ends the cluster once the target is closed.
 */
export async function startEmbeddedTarget(opts: { timeScale: number; namespaces: string[]; token: string; changeKinds?: ChangeKinds }): Promise<ConnectedTarget & { stopCluster(): Promise<void> }> {
  const cluster = await startEmbeddedCluster({ name: 'istio-deck-safety-net', clock: new ScaledClock(opts.timeScale) });
  try {
    const connection = new ClusterConnection({ mode: 'embedded', kubeconfigText: cluster.kubeconfig });
    const target = connectTarget(connection, 'embedded', opts.namespaces, opts.token, undefined, cluster.clock, opts.changeKinds, SAFETY_NET_FIRST_SEQ);
    return { ...target, stopCluster: () => cluster.stop() };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** Everything the deck needs to act on one cluster, made from nothing but a kubeconfig. */
export function connectTarget(
  connection: ClusterConnection,
  mode: 'embedded' | 'real',
  namespaces: string[],
  token: string,
  jaegerUrl?: string,
  /** The embedded cluster's clock: sent with health so the browser counts ages in it. */
  clock?: ClusterSessionOptions['clock'],
  changeKinds: ChangeKinds = 'talk',
  /** Where the session's topics start numbering: the safety net's cluster counts apart from the real one's. */
  firstSeq?: number,
): ConnectedTarget {
  // Bookinfo's front door is the gateway of the routing API the talk shows.
  const gateways: Record<RoutingApi, ReturnType<typeof memoAddress>> = {
    istio: memoAddress(() => findServiceAddress(connection, INGRESS_GATEWAY), GATEWAY_ADDRESS_MAX_AGE_MS),
    'gateway-api': memoAddress(() => findServiceAddress(connection, gatewayApiGateway(namespaces[0] ?? 'default')), GATEWAY_ADDRESS_MAX_AGE_MS),
  };
  // Ambient's profile has no istio-ingressgateway (its scenes enter through the Gateway API's
  // gateway in both tabs): when the chosen API's gateway is not there, the other one serves.
  const gatewayFor = (api: RoutingApi) => gateways[api].get().catch((err) => gateways[api === 'istio' ? 'gateway-api' : 'istio'].get().catch(() => Promise.reject(err)));
  // Istio's tracing add-on serves the query API under /jaeger: where it does, the feeds read there.
  const jaeger = memoAddress(async () => {
    const found: FoundAddress = jaegerUrl ? { url: jaegerUrl, how: 'flag' } : await findServiceAddress(connection, JAEGER_QUERY);
    return { ...found, url: await jaegerQueryBase(found.url) };
  });
  const session = new ClusterSession({ connection, mode, namespaces, gatewayUrl: gatewayFor, jaegerUrl: jaeger.get, clock, firstSeq });
  session.start();
  return {
    connection,
    session,
    policy: defaultChangePolicy(namespaces, changeKinds),
    token,
    gatewayUrl: () => gatewayFor(session.routingApi),
    jaegerUrl: jaeger.get,
    async close() {
      await session.stop();
      for (const gateway of Object.values(gateways)) gateway.close();
      jaeger.close();
    },
  };
}

