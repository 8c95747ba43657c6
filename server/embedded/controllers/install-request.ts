/** What `istioctl install` and the embedded control plane agree on; no imports, so istioctl bundles nothing more. */

/**
 * The embedded control plane's install request: a ConfigMap whose `profile` says which of
 * Istio's profiles istio-system runs (`default`, `demo`, `minimal`, `ambient`, or `none` once
 * uninstalled). `istioctl install --set profile=…` writes it; the install controller (install-profile.ts) adds and removes
 * the profile's components to match. A real cluster has no such ConfigMap, which is how the
 * project's istioctl tells the two apart.
 */
export const INSTALL_REQUEST = { namespace: 'kube-system', name: 'istio-live-deck-install' } as const;

export type Component = 'istiod' | 'ingress' | 'egress' | 'cni' | 'ztunnel';

export const PROFILES: Record<string, Component[]> = {
  default: ['istiod', 'ingress'],
  demo: ['istiod', 'ingress', 'egress'],
  minimal: ['istiod'],
  ambient: ['istiod', 'cni', 'ztunnel'],
  none: [],
};

