import type { Workload } from '../app-runtime/types.ts';
import { cookieValue } from '../app-runtime/cookies.ts';
import { sha1Hex } from '../portable/sha.ts';

/** DestinationRule trafficPolicy.loadBalancer. */
export interface LoadBalancerPolicy {
  simple?: string;
  consistentHash?: {
    httpHeaderName?: string;
    httpCookie?: { name: string; path?: string; ttl?: string };
    useSourceIp?: boolean;
    httpQueryParameterName?: string;
  };
}

export interface PickInput {
  headers: Record<string, string>;
  query: URLSearchParams;
  sourceIp: string;
}

export interface Pick {
  endpoint: Workload;
  /** A cookie the proxy must set so the client sticks to this endpoint (consistentHash.httpCookie). */
  setCookie?: string;
}

/**
 * Endpoint choice per client proxy and cluster, as Envoy's balancers do it. Since Istio 1.14 the
 * default is LEAST_REQUEST (power of two choices over in-flight requests).
 */
export class LoadBalancers {
  private readonly rrNext = new Map<string, number>();
  /** In-flight requests per client proxy and endpoint, for LEAST_REQUEST. */
  private readonly active = new Map<string, number>();

  pick(clusterKey: string, endpoints: Workload[], policy: LoadBalancerPolicy | undefined, input: PickInput): Pick | undefined {
    if (endpoints.length === 0) return undefined;
    const sorted = [...endpoints].sort((a, b) => (a.pod < b.pod ? -1 : 1));
    const ch = policy?.consistentHash;
    if (ch) {
      let key: string | undefined;
      let setCookie: string | undefined;
      if (ch.httpHeaderName) key = input.headers[ch.httpHeaderName.toLowerCase()];
      else if (ch.httpCookie) {
        key = cookieValue(input.headers.cookie, ch.httpCookie.name);
        if (key === undefined) {
          key = Math.random().toString(16).slice(2, 18);
          setCookie = `${ch.httpCookie.name}="${key}"; Path=${ch.httpCookie.path ?? '/'}${ch.httpCookie.ttl ? `; Max-Age=${Math.round(parseFloat(ch.httpCookie.ttl))}` : ''}; HttpOnly`;
        }
      } else if (ch.useSourceIp) key = input.sourceIp;
      else if (ch.httpQueryParameterName) key = input.query.get(ch.httpQueryParameterName) ?? undefined;
      // No hash key: Envoy falls back to a random endpoint.
      if (key === undefined) return { endpoint: sorted[Math.floor(Math.random() * sorted.length)] };
      return { endpoint: rendezvous(sorted, key), setCookie };
    }
    const simple = (policy?.simple ?? 'LEAST_REQUEST').toUpperCase();
    if (simple === 'ROUND_ROBIN') {
      if (this.rrNext.size > 10_000) this.rrNext.clear();
      const i = this.rrNext.get(clusterKey) ?? Math.floor(Math.random() * sorted.length);
      this.rrNext.set(clusterKey, i + 1);
      return { endpoint: sorted[i % sorted.length] };
    }
    if (simple === 'RANDOM' || sorted.length === 1) return { endpoint: sorted[Math.floor(Math.random() * sorted.length)] };
    // LEAST_REQUEST / LEAST_CONN / UNSPECIFIED: two random choices, the less busy one wins.
    const a = sorted[Math.floor(Math.random() * sorted.length)];
    let b = sorted[Math.floor(Math.random() * sorted.length)];
    if (b === a) b = sorted[(sorted.indexOf(a) + 1) % sorted.length];
    return { endpoint: this.inFlight(clusterKey, b) < this.inFlight(clusterKey, a) ? b : a };
  }

  /** Counts an in-flight request; call the returned function when it completes. */
  begin(clusterKey: string, endpoint: Workload): () => void {
    const k = `${clusterKey}#${endpoint.uid}`;
    this.active.set(k, (this.active.get(k) ?? 0) + 1);
    return () => {
      const n = (this.active.get(k) ?? 1) - 1;
      if (n <= 0) this.active.delete(k);
      else this.active.set(k, n);
    };
  }

  private inFlight(clusterKey: string, endpoint: Workload): number {
    return this.active.get(`${clusterKey}#${endpoint.uid}`) ?? 0;
  }
}

/** Highest-random-weight hashing: the same key keeps going to the same endpoint while it exists. */
function rendezvous(endpoints: Workload[], key: string): Workload {
  let best = endpoints[0];
  let bestScore = '';
  for (const e of endpoints) {
    const score = sha1Hex(`${key}|${e.pod}`);
    if (score > bestScore) {
      bestScore = score;
      best = e;
    }
  }
  return best;
}
