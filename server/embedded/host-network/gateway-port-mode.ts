import { createSecureContext, type SecureContext } from 'node:tls';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { kindsOf, selectorMatches } from '../controllers/kinds.ts';
import { clusterPortOf, declaredGateway } from '../mesh/cluster-ports.ts';
import { ingressConfig } from '../mesh/ingress-conversion.ts';
import { listServed } from '../mesh/snapshot.ts';
import type { GatewayPortMode, GatewayServicePort } from '../mesh/gateway.ts';
import { GATEWAY_NAME_LABEL } from './gateway-listener-ports.ts';

/** Envoy's health port on every gateway pod. */
const STATUS_PORT = 15021;

/** A server (Istio) or listener (Gateway API) on the port: the hosts it serves and, when it terminates TLS, where its certificate is. */
interface PortServer {
  hosts: string[];
  credential?: { namespace: string; name: string };
  /** MUTUAL: the client must present a certificate signed by the credential's CA. */
  mutual?: boolean;
}

/**
 * Istio Gateways' servers on `port` whose selector picks a pod behind the Service (a server
 * names the Service's port or the pod port it targets, as Istio accepts); credentials live
 * with the gateway's pods.
 */
function istioServers(store: ObjectStore, svc: KubeObject, port: number): PortServer[] {
  const kinds = kindsOf(store);
  const servicePort = (svc.spec?.ports ?? []).find((p: any, i: number) => clusterPortOf(svc, p, i) === port);
  const ports = [port, ...(typeof servicePort?.targetPort === 'number' ? [servicePort.targetPort] : [])];
  const pods = store.list(kinds.pods, svc.metadata.namespace).filter((p) => !p.metadata.deletionTimestamp && selectorMatches(svc.spec?.selector, p.metadata.labels));
  if (!pods.length) return [];
  const listed = (group: string, plural: string) => listServed(store, group, plural);
  const out: PortServer[] = [];
  // Kubernetes Ingress opens the ports of the Gateway Istio generates for it.
  for (const g of [...listed('networking.istio.io', 'gateways'), ...ingressConfig(listed).gateways]) {
    if (!pods.some((p) => selectorMatches(g.spec?.selector, p.metadata.labels))) continue;
    for (const server of g.spec?.servers ?? []) {
      if (!ports.includes(Number(server?.port?.number))) continue;
      const hosts = (server.hosts ?? []).map((h: string) => String(h).replace(/^[^/]*\//, ''));
      const tls = server.tls;
      const terminates = tls && tls.mode !== 'PASSTHROUGH' && tls.mode !== 'AUTO_PASSTHROUGH' && !tls.httpsRedirect && tls.credentialName;
      out.push({ hosts, credential: terminates ? { namespace: svc.metadata.namespace!, name: tls.credentialName } : undefined, mutual: terminates && tls.mode === 'MUTUAL' });
    }
  }
  return out;
}

/** A Gateway API Gateway's listeners on `port` (as declared); an HTTPS one's first certificateRef is its certificate. */
function gatewayApiServers(store: ObjectStore, namespace: string, gatewayName: string, port: number): PortServer[] {
  const gateways = store.registry.byPlural('gateway.networking.k8s.io', 'gateways');
  const stored = gateways && store.get(gateways, namespace, gatewayName);
  if (!stored) return [];
  return (declaredGateway(stored).spec?.listeners ?? [])
    .filter((l: any) => Number(l?.port) === port)
    .map((l: any) => {
      const ref = l.protocol === 'HTTPS' && (l.tls?.mode ?? 'Terminate') === 'Terminate' ? l.tls?.certificateRefs?.[0] : undefined;
      return { hosts: [l.hostname ?? '*'], credential: ref?.name ? { namespace: ref.namespace ?? namespace, name: ref.name } : undefined };
    });
}

/** Envoy's server-name match: exact, `*.suffix` (one or more labels), or `*`. */
function hostMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  if (p === '*' || p === n) return true;
  return p.startsWith('*.') && n.endsWith(p.slice(1)) && n.length > p.length - 1;
}

/**
 * Secure contexts made from `kubernetes.io/tls` (or generic) Secrets, kept while the Secret is
 * unchanged. A MUTUAL server's context also trusts the client CA: the Secret's `ca.crt`, else
 * the `<name>-cacert` Secret's, as Istio reads them.
 */
export class SecretContexts {
  private cache = new Map<string, { version: string; context: SecureContext | undefined }>();
  constructor(private store: ObjectStore) {}

  get(namespace: string, name: string, mutual = false): SecureContext | undefined {
    const secrets = this.store.registry.mustGet('', 'secrets');
    const secret = this.store.get(secrets, namespace, name);
    const key = `${namespace}/${name}/${mutual ? 'mutual' : 'simple'}`;
    if (!secret) {
      this.cache.delete(key);
      return undefined;
    }
    const caSecret = mutual && !secret.data?.['ca.crt'] ? this.store.get(secrets, namespace, `${name}-cacert`) : undefined;
    const version = `${secret.metadata.resourceVersion}/${caSecret?.metadata.resourceVersion ?? ''}`;
    const cached = this.cache.get(key);
    if (cached && cached.version === version) return cached.context;
    let context: SecureContext | undefined;
    try {
      const data = secret.data ?? {};
      const cert = Buffer.from(data['tls.crt'] ?? '', 'base64');
      const key_ = Buffer.from(data['tls.key'] ?? '', 'base64');
      const ca = Buffer.from(data['ca.crt'] ?? caSecret?.data?.['ca.crt'] ?? '', 'base64');
      // MUTUAL without a CA to check clients against serves nothing, as Envoy rejects that listener.
      const usable = cert.length && key_.length && (!mutual || ca.length);
      context = usable ? createSecureContext({ cert, key: key_, ...(mutual ? { ca } : {}) }) : undefined;
    } catch {
      // Not a usable key pair: the handshake fails, as Envoy's listener without its secret does.
      context = undefined;
    }
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(key, { version, context });
    return context;
  }
}

/**
 * What the gateway behind Service port `target` (its declared port) does with a connection,
 * from the Gateways that select it: nothing on the port → reset; a server that terminates TLS
 * → TLS with the certificate of the server whose hosts match the client's SNI; else HTTP.
 */
export function gatewayPortMode(store: ObjectStore, secrets: SecretContexts, target: GatewayServicePort): GatewayPortMode {
  if (target.port === STATUS_PORT) return { kind: 'status' };
  const svc = store.get(kindsOf(store).services, target.namespace, target.service);
  if (!svc) return { kind: 'closed' };
  const gatewayName = svc.metadata.labels?.[GATEWAY_NAME_LABEL];
  const servers = gatewayName ? gatewayApiServers(store, target.namespace, gatewayName, target.port) : istioServers(store, svc, target.port);
  if (!servers.length) return { kind: 'closed' };
  const secured = servers.filter((s) => s.credential);
  if (!secured.length) return { kind: 'http' };
  // The port asks for a client certificate when a MUTUAL server is on it (one TLS listener per port here, where Envoy chooses a filter chain by SNI).
  const mutual = secured.some((s) => s.mutual);
  return {
    kind: 'https',
    mutual,
    context(serverName) {
      const server = secured.find((s) => s.hosts.some((h) => hostMatches(h, serverName)));
      return server?.credential && secrets.get(server.credential.namespace, server.credential.name, mutual);
    },
  };
}
