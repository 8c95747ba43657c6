/**
 * Istio's CRD schemas (`openAPIV3Schema`), built from the same spec shapes the embedded API
 * validates with, so `/openapi/v3` and `kubectl explain` show exactly the fields and types the
 * validator accepts. Laid out as Istio's generated CRDs are: no description at the root, the
 * spec described, status free-form, int32/uint32/double formats and the duration CEL rule.
 */
import { istioKind } from '../../istio-api/descriptors.ts';
import type { Shape } from '../../istio-api/schema-dsl.ts';
import type { JSONSchemaProps } from './json-schema.ts';

const UINT32_MAX = 4294967295;

/** What each kind's spec is for (Istio's CRDs describe the spec and leave the root without one). */
const SPEC_DESCRIPTIONS: Record<string, string> = {
  VirtualService: 'Configuration affecting label/content routing, sni routing, etc. Routes requests for a set of hosts to destinations by the rules it lists.',
  DestinationRule: 'Configuration affecting load balancing, outlier detection, etc. Policies applied to traffic for a service after routing has happened.',
  Gateway: 'Configuration affecting edge load balancer. Describes the ports, protocols and hosts a load balancer at the edge of the mesh exposes.',
  ServiceEntry: 'Configuration affecting service registry. Adds entries to the mesh\'s internal service registry, such as services outside the mesh.',
  Sidecar: 'Configuration affecting network reachability of a sidecar. Limits the ports, protocols and services a workload\'s proxy handles.',
  PeerAuthentication: 'Peer authentication configuration for workloads. Says how the workloads it selects accept mutual TLS.',
  AuthorizationPolicy: 'Configuration for access control on workloads. Allows, denies or audits requests to the workloads it selects.',
  RequestAuthentication: 'Request authentication configuration for workloads. Says which request credentials (JWTs) the selected workloads accept.',
};

/**
 * Descriptions for fields whose shape carries none, by the field's path under spec (array
 * items and map values add nothing to the path). Written to say what the field does.
 */
const PATH_DESCRIPTIONS: Record<string, string> = {
  'VirtualService:http.corsPolicy': 'Cross-Origin Resource Sharing policy (CORS) for the requests this rule matches.',
  'VirtualService:http.delegate': 'Hands the routing of matched requests to another VirtualService (the delegate), named here.',
  'VirtualService:http.directResponse': 'Answers matched requests directly with a fixed status and body instead of forwarding them.',
  'VirtualService:http.fault': 'Fault injection policy for matched requests on the client side: delays and aborts.',
  'VirtualService:http.mirror': 'Mirrors matched requests to this destination as well; responses from the mirror are ignored.',
  'VirtualService:http.mirrors': 'Several destinations to mirror matched requests to, each with its own percentage.',
  'VirtualService:http.mirrorPercentage': 'Percentage of the traffic to be mirrored by the `mirror` field.',
  'VirtualService:http.redirect': 'Answers matched requests with an HTTP redirect (301 by default) to the location it describes.',
  'VirtualService:http.rewrite': 'Rewrites the URI and authority of matched requests before they are forwarded.',
  'VirtualService:http.retries': 'Retry policy for matched requests.',
  'VirtualService:http.route.headers': 'Header manipulation rules applied when traffic goes to this destination.',
  'VirtualService:http.fault.delay': 'Delays the requests before forwarding them, emulating network latency or an overloaded upstream.',
  'VirtualService:http.fault.abort': 'Aborts the requests with an error code, emulating a crashing upstream.',
  'VirtualService:tls': 'An ordered list of route rules for non-terminated TLS and HTTPS traffic, matched on SNI.',
  'VirtualService:tcp': 'An ordered list of route rules for opaque TCP traffic.',
  'VirtualService:tls.match': 'Match conditions to be satisfied for the rule to be activated.',
  'VirtualService:tcp.match': 'Match conditions to be satisfied for the rule to be activated.',
  'VirtualService:tls.route': 'The destination to which the connection should be forwarded to.',
  'VirtualService:tcp.route': 'The destination to which the connection should be forwarded to.',
  'DestinationRule:trafficPolicy': 'Traffic policies to apply (load balancing policy, connection pool sizes, outlier detection).',
  'DestinationRule:subsets': 'One or more named sets that represent individual versions of a service.',
  'DestinationRule:subsets.trafficPolicy': 'Traffic policies that apply to this subset, overriding those set at the DestinationRule level.',
  'DestinationRule:workloadSelector': 'Criteria used to select the specific set of pods/VMs on which this DestinationRule configuration should be applied.',
  'Gateway:servers.port': 'The Port on which the proxy should listen for incoming connections.',
  'Gateway:servers.tls': 'Set of TLS related options that govern the server\'s behavior.',
  'Gateway:servers.bind': 'The IP or the Unix domain socket to which the listener should be bound to.',
  'ServiceEntry:ports': 'The ports associated with the external service.',
  'ServiceEntry:endpoints': 'One or more endpoints associated with the service.',
  'ServiceEntry:workloadSelector': 'Applicable only for MESH_INTERNAL services: selects the workload entries and pods that back the service.',
  'ServiceEntry:location': 'Specify whether the service should be considered external to the mesh or part of the mesh.',
  'ServiceEntry:resolution': 'Service resolution mode for the hosts.',
  'Sidecar:ingress': 'Ingress specifies the configuration of the sidecar for processing inbound traffic to the attached workload instance.',
  'Sidecar:egress': 'Egress specifies the configuration of the sidecar for processing outbound traffic from the attached workload instance to other services in the mesh.',
  'Sidecar:workloadSelector': 'Criteria used to select the specific set of pods/VMs on which this `Sidecar` configuration should be applied.',
  'Sidecar:outboundTrafficPolicy': 'Configuration for the outbound traffic policy: whether traffic to unknown destinations is allowed.',
  'Sidecar:inboundConnectionPool': 'Settings controlling the volume of connections Envoy will accept from the network.',
  'PeerAuthentication:selector': 'The selector determines the workloads to apply the PeerAuthentication on.',
  'PeerAuthentication:mtls': 'Mutual TLS settings for workload.',
  'AuthorizationPolicy:selector': 'Optional. The selector decides where to apply the authorization policy.',
  'AuthorizationPolicy:rules.from': 'Optional. `from` specifies the source of a request.',
  'AuthorizationPolicy:rules.to': 'Optional. `to` specifies the operation of a request.',
  'AuthorizationPolicy:rules.when': 'Optional. `when` specifies a list of additional conditions of a request.',
  'AuthorizationPolicy:rules.from.source': 'Source specifies the source of a request.',
  'AuthorizationPolicy:rules.to.operation': 'Operation specifies the operation of a request.',
  'RequestAuthentication:selector': 'Optional. The selector decides where to apply the request authentication policy.',
  'RequestAuthentication:jwtRules': 'Define the list of JWTs that can be validated at the selected workloads\' proxy.',
};

/** Descriptions for fields that mean the same wherever they appear. */
const NAME_DESCRIPTIONS: Record<string, string> = {
  loadBalancer: 'Settings controlling the load balancer algorithms.',
  connectionPool: 'Settings controlling the volume of connections to an upstream service.',
  outlierDetection: 'Settings controlling eviction of unhealthy hosts from the load balancing pool.',
  tunnel: 'Configuration of tunneling TCP over other transport or application layers for the host configured in the DestinationRule.',
  proxyProtocol: 'The upstream PROXY protocol settings.',
  retryBudget: 'Limits the number of concurrent retries to a destination, as a share of its active requests.',
  portLevelSettings: 'Traffic policies specific to individual ports.',
  destination: 'Destination uniquely identifies the instances of a service to which the request/connection should be forwarded to.',
  targetRef: 'Optional. The targetRef specifies the gateway the policy should be applied to.',
  targetRefs: 'Optional. The targetRefs specifies a list of resources the policy should be applied to.',
  exportTo: 'A list of namespaces to which this configuration is exported.',
  percentage: 'Percentage of requests this applies to.',
  portLevelMtls: 'Port specific mutual TLS settings.',
  provider: 'Specifies detailed configuration of the CUSTOM action.',
  workloadSelector: 'Criteria used to select the specific set of pods/VMs on which this configuration should be applied.',
};

function describe(kind: string, path: string, name: string, own?: string): string | undefined {
  if (own) return own;
  return PATH_DESCRIPTIONS[`${kind}:${path}`] ?? NAME_DESCRIPTIONS[name];
}

const durationRule = [{ rule: "duration(self) >= duration('1ms')", message: 'must be a valid duration greater than 1ms' }];

function convert(shape: Shape, kind: string, path: string, name: string): JSONSchemaProps {
  const description = describe(kind, path, name, shape.description);
  const d = description ? { description } : {};
  switch (shape.type) {
    case 'any':
      return { ...d, type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    case 'string':
      return {
        ...d,
        type: 'string',
        ...(shape.enum ? { enum: [...shape.enum] } : {}),
        ...(shape.format === 'duration' ? { 'x-kubernetes-validations': durationRule } : {}),
      };
    case 'integer':
      // uint32 fields carry their range; signed ones are int32 in Istio's protos.
      return shape.minimum === 0 && shape.maximum === UINT32_MAX
        ? { ...d, type: 'integer', minimum: 0, maximum: UINT32_MAX }
        : { ...d, type: 'integer', format: 'int32', ...(shape.minimum !== undefined ? { minimum: shape.minimum } : {}), ...(shape.maximum !== undefined ? { maximum: shape.maximum } : {}) };
    case 'number':
      return { ...d, type: 'number', format: 'double', ...(shape.minimum !== undefined ? { minimum: shape.minimum } : {}), ...(shape.maximum !== undefined ? { maximum: shape.maximum } : {}) };
    case 'boolean':
      return { ...d, type: 'boolean' };
    case 'array':
      return { ...d, type: 'array', items: convert(shape.items, kind, path, name) };
    case 'map':
      return { ...d, type: 'object', additionalProperties: convert(shape.values, kind, path, name) };
    case 'object': {
      const properties = Object.fromEntries(
        Object.entries(shape.properties).map(([field, child]) => [field, convert(child, kind, path ? `${path}.${field}` : field, field)]),
      );
      return { ...d, type: 'object', properties, ...(shape.required?.length ? { required: [...shape.required] } : {}) };
    }
  }
}

/**
 * The `openAPIV3Schema` of an Istio kind's CRD at `version` (every served version of an Istio
 * CRD has the same schema). Throws for a kind or version Istio does not serve.
 */
export function istioCrdSchema(kind: string, version: string): JSONSchemaProps {
  const def = istioKind(kind);
  if (!def) throw new Error(`istioCrdSchema: ${JSON.stringify(kind)} is not an Istio kind`);
  if (!def.versions.includes(version)) throw new Error(`istioCrdSchema: ${kind} is not served at ${JSON.stringify(version)} (served: ${def.versions.join(', ')})`);
  const spec = convert(def.spec, kind, '', 'spec');
  return {
    type: 'object',
    properties: {
      spec: { ...spec, description: SPEC_DESCRIPTIONS[kind] },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  };
}
