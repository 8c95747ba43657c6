import type { Workload } from '../app-runtime/types.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { clusterPortOf } from './cluster-ports.ts';
import { selects } from './pods.ts';

export interface ServicePort {
  port: number;
  name?: string;
  targetPort: number;
}

export interface ServiceInfo {
  name: string;
  namespace: string;
  fqdn: string;
  /** The Service's virtual IP, where one is allocated. */
  clusterIP?: string;
  ports: ServicePort[];
  /** Ready pods matched by the selector: kube-proxy's backends, and the endpoints istiod gives client proxies (with or without a sidecar). */
  readyPods: Workload[];
}

/** Services by FQDN with the Ready pods their selectors pick, as cluster DNS and kube-proxy see them. */
export function compileServices(objects: KubeObject[], pods: Workload[]): Map<string, ServiceInfo> {
  const services = new Map<string, ServiceInfo>();
  for (const svc of objects) {
    const ns = svc.metadata.namespace ?? 'default';
    const selector: Record<string, string> | undefined = svc.spec?.selector;
    const selected = selector && Object.keys(selector).length
      ? pods.filter((p) => p.namespace === ns && p.ready && selects(selector, p))
      : [];
    const fqdn = `${svc.metadata.name}.${ns}.svc.cluster.local`;
    services.set(fqdn, {
      name: svc.metadata.name,
      namespace: ns,
      fqdn,
      clusterIP: svc.spec?.clusterIP && svc.spec.clusterIP !== 'None' ? svc.spec.clusterIP : undefined,
      ports: (svc.spec?.ports ?? []).map((p: any, i: number) => ({ port: clusterPortOf(svc, p, i), name: p.name, targetPort: typeof p.targetPort === 'number' ? p.targetPort : Number(p.port) })),
      readyPods: selected,
    });
  }

  return services;
}
