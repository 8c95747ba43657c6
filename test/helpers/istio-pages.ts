/** Steps istio.io's task pages share, as their bash. */

/** Bookinfo with sidecars behind its Istio gateway, with the default DestinationRules: where the traffic-management tasks start. */
export const BOOKINFO_BEHIND_ISTIO_GATEWAY = `kubectl label namespace default istio-injection=enabled
kubectl apply -f manifests/bookinfo/bookinfo.yaml
kubectl apply -f manifests/networking/bookinfo-gateway.yaml
kubectl apply -f manifests/networking/destination-rule-all.yaml
kubectl wait --for=condition=Available deployment --all --timeout=60s`;

/** STRICT mutual TLS mesh-wide: the project's PeerAuthentication `default`, in the root namespace. */
export const STRICT_MESH_WIDE = 'kubectl apply -n istio-system -f manifests/security/peer-authentication-strict.yaml';
