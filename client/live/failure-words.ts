import type { FeedFailure } from '../../server/protocol.ts';

/**
 * A feed's failure as a viewer reads it: what is missing, whether the deck keeps trying,
 * and what fixes it, with the server's own message for whoever debugs it.
 */
export function failureWords(reason: FeedFailure | undefined, message: string): string {
  const detail = message ? ` (${message})` : '';
  switch (reason) {
    case 'jaeger-unreachable':
      return `Jaeger unreachable: retrying${detail}`;
    case 'gateway-unreachable':
      return `the ingress gateway is unreachable: retrying${detail}`;
    case 'unreachable':
      return `the cluster is unreachable: retrying${detail}`;
    case 'forbidden':
      return `the deck's service account may not read this (RBAC)${detail}`;
    case 'crd-missing':
      return `Istio's CRDs are not installed in this cluster: install Istio and this panel fills in${detail}`;
    case 'kind-missing':
      return `this cluster does not serve this kind${detail}`;
    default:
      return message;
  }
}
