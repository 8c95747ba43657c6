import { defaultChangePolicy } from './api/apply.ts';
import type { ChangeKinds } from './config.ts';
import type { ApiTarget } from './api/routes.ts';
import type { ClusterConnection } from './cluster/connection.ts';
import { findServiceAddress, INGRESS_GATEWAY, JAEGER_QUERY, type FoundAddress } from './cluster/service-address.ts';
import { ClusterSession, type ClusterSessionOptions } from './hub/cluster-session.ts';

/** Caches a lazily found address; a failure is retried on the next call. */
function memoAddress(find: () => Promise<FoundAddress>): { get: () => Promise<string>; close: () => void } {
  let found: Promise<FoundAddress> | undefined;
  return {
    get: () => {
      found ??= find().catch((err) => {
        found = undefined;
        throw err;
      });
      return found.then((f) => f.url);
    },
    close: () => void found?.then((f) => f.close?.()).catch(() => {}),
  };
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
): ApiTarget & { close(): Promise<void> } {
  const gateway = memoAddress(() => findServiceAddress(connection, INGRESS_GATEWAY));
  const jaeger = jaegerUrl ? { get: async () => jaegerUrl, close: () => {} } : memoAddress(() => findServiceAddress(connection, JAEGER_QUERY));
  const session = new ClusterSession({ connection, mode, namespaces, gatewayUrl: gateway.get, jaegerUrl: jaeger.get, clock });
  session.start();
  return {
    connection,
    session,
    policy: defaultChangePolicy(namespaces, changeKinds),
    token,
    gatewayUrl: gateway.get,
    jaegerUrl: jaeger.get,
    async close() {
      await session.stop();
      gateway.close();
      jaeger.close();
    },
  };
}

