/** The httpbin objects istio.io's ingress pages create inline, as they write them (names and hosts theirs). */

/** The Istio Gateway httpbin-gateway on port 80 for `host` (in `namespace` when given). */
export const httpbinGateway = (host: string, namespace?: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: httpbin-gateway
${namespace ? `  namespace: ${namespace}\n` : ''}spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - "${host}"
`;

/** The Istio Gateway for httpbin.example.com on port 80. */
export const HTTPBIN_GATEWAY = httpbinGateway('httpbin.example.com');

/** The VirtualService sending httpbin.example.com's `prefixes` through `gateway` to httpbin:8000. */
export const httpbinVirtualService = (gateway: string, prefixes: string[]) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - "httpbin.example.com"
  gateways:
  - ${gateway}
  http:
  - match:
${prefixes.map((p) => `    - uri:\n        prefix: ${p}\n`).join('')}    route:
    - destination:
        port:
          number: 8000
        host: httpbin
`;

/** The HTTPRoute for httpbin.example.com's /status and /delay to httpbin:8000, under `parentRef` (YAML lines of one parentRef, without its dash). */
export const httpbinRoute = (parentRef: string, namespace?: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: httpbin
${namespace ? `  namespace: ${namespace}\n` : ''}spec:
  parentRefs:
  - ${parentRef}
  hostnames: ["httpbin.example.com"]
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /status
    - path:
        type: PathPrefix
        value: /delay
    backendRefs:
    - name: httpbin
      port: 8000
`;

/** The mirroring page's httpbin Deployment for version `v` (go-httpbin on 8080), run as `serviceAccount` when given. */
export const httpbinVersionDeployment = (v: string, serviceAccount?: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpbin-${v}
spec:
  replicas: 1
  selector:
    matchLabels: {app: httpbin, version: ${v}}
  template:
    metadata:
      labels: {app: httpbin, version: ${v}}
    spec:
${serviceAccount ? `      serviceAccountName: ${serviceAccount}\n` : ''}      containers:
      - name: httpbin
        image: docker.io/mccutchen/go-httpbin:v2.15.0
        ports: [{containerPort: 8080}]
`;
