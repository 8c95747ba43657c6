/**
 * The labels and annotation that enrol workloads in ambient mode, and the rule that reads
 * them: the pod's `istio.io/dataplane-mode` wins (`none` opts it out), else its namespace's.
 * A leaf: the controllers, the mesh and istioctl all read it.
 */

/** User intent, on a Namespace or a Pod: `ambient`, or `none` to opt a pod out. */
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
/** Which waypoint handles traffic to the labelled Namespace, Service or Pod (`none`: no waypoint). */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
/** The namespace of the waypoint named by USE_WAYPOINT_LABEL, when it is not the object's own. */
export const USE_WAYPOINT_NAMESPACE_LABEL = 'istio.io/use-waypoint-namespace';
/** On a waypoint Gateway: the traffic it takes (`service` when absent, `workload`, `all`, `none`). */
export const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for';
/** Set by istio-cni on a pod once its traffic is redirected to ztunnel (`enabled`, or `pending`). */
export const REDIRECTION_ANNOTATION = 'ambient.istio.io/redirection';

/** The label the sidecar injector adds: a pod that carries it runs its own proxy. */
const SIDECAR_TLS_MODE_LABEL = 'security.istio.io/tlsMode';

/** Whether a pod with these labels, in a namespace with these, is enrolled in ambient mode. */
export function ambientMode(podLabels: Record<string, string> | undefined, namespaceLabels: Record<string, string> | undefined): 'ambient' | 'none' {
  const pod = podLabels ?? {};
  if (pod[SIDECAR_TLS_MODE_LABEL] === 'istio') return 'none';
  const mode = pod[DATAPLANE_MODE_LABEL] ?? namespaceLabels?.[DATAPLANE_MODE_LABEL];
  return mode === 'ambient' ? 'ambient' : 'none';
}
