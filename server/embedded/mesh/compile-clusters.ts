import type { KubeObject } from '../apiserver/types.ts';
import { outlierPolicy, poolLimits } from './connection-pool.ts';
import { qualifyHost } from './hosts.ts';
import type { Cluster, ClusterPlan, ServiceClusters } from './plan.ts';
import { selects } from './pods.ts';
import { clientTls } from './security.ts';
import type { ServiceInfo } from './services.ts';

/**
 * Services and DestinationRules → the clusters the client proxies send to: the endpoints of
 * each subset and the traffic policy each runs (the subset's settings over the rule's, one
 * field at a time). The oldest DestinationRule for a host wins, as in Istio.
 */
export function compileClusters(services: Map<string, ServiceInfo>, destinationRules: KubeObject[], serviceEntries: KubeObject[], namespaces: Set<string>): ClusterPlan {
  const rules = new Map<string, KubeObject>();
  const byAge = [...destinationRules].sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
  for (const dr of byAge) {
    const host = qualifyHost(String(dr.spec?.host ?? ''), dr.metadata.namespace ?? 'default', namespaces);
    if (!rules.has(host)) rules.set(host, dr);
  }
  const plan: ClusterPlan = { services: new Map(), externalHosts: new Set() };
  for (const [fqdn, svc] of services) {
    const dr = rules.get(fqdn);
    const policy = dr?.spec?.trafficPolicy;
    const clusters: ServiceClusters = { all: cluster(svc.readyPods, policy, undefined), subsets: new Map() };
    for (const s of Array.isArray(dr?.spec?.subsets) ? dr!.spec!.subsets : []) {
      if (clusters.subsets.has(s?.name)) continue;
      clusters.subsets.set(String(s?.name), cluster(svc.readyPods.filter((e) => selects(s.labels ?? {}, e)), policy, s.trafficPolicy));
    }
    plan.services.set(fqdn, clusters);
  }
  for (const se of serviceEntries) for (const h of Array.isArray(se.spec?.hosts) ? se.spec.hosts : []) plan.externalHosts.add(String(h).toLowerCase());
  return plan;
}

function cluster(endpoints: ServiceInfo['readyPods'], rulePolicy: any, subsetPolicy: any): Cluster {
  const merged = { ...(rulePolicy ?? {}), ...(subsetPolicy ?? {}) };
  return {
    endpoints,
    loadBalancer: merged.loadBalancer,
    connectionPool: poolLimits(merged.connectionPool),
    outlierDetection: outlierPolicy(merged.outlierDetection),
    tls: clientTls(rulePolicy, subsetPolicy),
  };
}
