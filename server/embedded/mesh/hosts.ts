/** Istio/Kubernetes host name handling. */

export const CLUSTER_DOMAIN = 'svc.cluster.local';

/** `reviews` in namespace default → `reviews.default.svc.cluster.local`; `reviews.default` too when `default` is a namespace. */
export function qualifyHost(host: string, namespace: string, namespaces?: Set<string>): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === '*' || h.startsWith('*.')) return h;
  if (!h.includes('.')) return `${h}.${namespace}.${CLUSTER_DOMAIN}`;
  const parts = h.split('.');
  if (parts.length === 2 && (!namespaces || namespaces.has(parts[1]))) return `${h}.${CLUSTER_DOMAIN}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${h}.cluster.local`;
  return h;
}

/** Whether a VirtualService/Gateway host pattern (`*`, `*.example.com`, exact) covers `host`. */
export function hostPatternMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

/** Splits `host:port`, dropping the port. */
export function stripPort(authority: string): string {
  if (authority.startsWith('[')) return authority.slice(0, authority.indexOf(']') + 1);
  const i = authority.lastIndexOf(':');
  return (i > 0 ? authority.slice(0, i) : authority).toLowerCase();
}
