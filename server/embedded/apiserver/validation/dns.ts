/** Istio's hostname and label checks, with the error texts istiod gives, so a refused host reads as on a cluster with Istio. */

const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

export const isDns1123Label = (s: string) => s.length <= 63 && DNS1123_LABEL.test(s);
const isWildcardLabel = (s: string) => s.length <= 63 && WILDCARD_LABEL.test(s);

function preconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name "${name}" too long (max 255)`;
  if (name.length === 0) return 'empty domain name not allowed';
  return undefined;
}

function dns1123Labels(domain: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1];
  if (/^[-+]?\d+$/.test(tld)) return `domain name "${domain}" invalid (top level domain "${tld}" cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === '') return undefined;
    if (!isDns1123Label(parts[i])) return `domain name "${domain}" invalid (label "${parts[i]}" invalid)`;
  }
  return undefined;
}

export function validateFqdn(fqdn: string): string | undefined {
  return preconditions(fqdn) ?? dns1123Labels(fqdn);
}

/** A valid FQDN that may start with a wildcard label (`*.example.com`, `*`). */
export function validateWildcardDomain(domain: string): string | undefined {
  const pre = preconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!isWildcardLabel(first)) return `domain name "${domain}" invalid (label "${first}" invalid)`;
  return dot < 0 ? undefined : dns1123Labels(domain.slice(dot + 1));
}

export function isIpAddress(s: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s)) return s.split('.').every((o) => Number(o) <= 255);
  return s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s);
}

export function validatePort(port: number): string | undefined {
  return port >= 1 && port <= 65535 ? undefined : `port number ${port} must be in the range 1..65535`;
}

/** `ns/host` for Gateways (where a bare host is still allowed) and Sidecars. */
export function validateNamespaceSlashHost(hostname: string, isGateway: boolean): string[] {
  const errs: string[] = [];
  const slash = hostname.indexOf('/');
  const hostPart = (host: string) => {
    if (host !== '*' && !host.includes('.')) errs.push('short names (non FQDN) are not allowed');
    const err = validateWildcardDomain(host);
    if (err && !(isGateway && isIpAddress(host))) errs.push(err);
    if (host.length > 1 && host.slice(1).includes('*')) errs.push(`partial wildcard "${host}" not allowed`);
  };
  if (slash < 0) {
    if (isGateway) {
      // Old style host in the gateway: istiod only checks wildcards and FQDN form loosely.
      const err = validateWildcardDomain(hostname);
      if (err && !isIpAddress(hostname)) errs.push(err);
      return errs;
    }
    return ['host must be of form namespace/dnsName'];
  }
  const ns = hostname.slice(0, slash);
  const host = hostname.slice(slash + 1);
  if (!ns || !host) errs.push('config namespace and dnsName in host entry cannot be empty');
  const nsOk = ns === '*' || ns === '.' || (!isGateway && ns === '~') || isDns1123Label(ns);
  if (!nsOk) errs.push(`invalid namespace value "${ns}" in ${isGateway ? 'gateway' : 'sidecar'}`);
  if (host) hostPart(host);
  return errs;
}

/** Kubernetes label keys and values, as labels.Instance.Validate checks them. */
export function validateLabels(labels: Record<string, unknown>): string[] {
  const errs: string[] = [];
  const value = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$|^$/;
  const name = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
  for (const [k, v] of Object.entries(labels)) {
    const [prefix, n] = k.includes('/') ? [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)] : ['', k];
    if ((prefix && validateFqdn(prefix)) || !name.test(n) || n.length > 63) errs.push(`invalid label key: "${k}"`);
    if (typeof v === 'string' && (v.length > 63 || !value.test(v))) errs.push(`invalid tag value: "${v}"`);
  }
  return errs;
}
