/**
 * Istio's CustomResourceDefinitions as a current install has them: names, versions in the
 * chart's order with the storage one marked, short names, categories, labels and printer
 * columns. The schemas come from the caller (spec and status keep unknown fields, no
 * defaults), so this list stays plain data that bootstrap stores and the registry serves.
 */
import type { JSONSchemaProps } from '../openapi/json-schema.ts';
import { AGE_COLUMN, type CustomResourceDefinition, type PrinterColumn } from './definition.ts';

const NETWORKING_VERSIONS = ['v1', 'v1alpha3', 'v1beta1'];
const SECURITY_VERSIONS = ['v1', 'v1beta1'];

const column = (name: string, jsonPath: string, description: string): PrinterColumn => ({ name, type: 'string', jsonPath, description });

interface IstioCrd {
  kind: string;
  group: string;
  plural: string;
  shortNames?: string[];
  versions: string[];
  storage: string;
  /** Undefined: the CRD declares none (the API then serves Age alone). */
  columns?: PrinterColumn[];
}

/** In the order of Istio's generated CRD file. */
export const ISTIO_CRD_LIST: readonly IstioCrd[] = [
  { kind: 'TrafficExtension', group: 'extensions.istio.io', plural: 'trafficextensions', versions: ['v1alpha1'], storage: 'v1alpha1', columns: [AGE_COLUMN] },
  { kind: 'WasmPlugin', group: 'extensions.istio.io', plural: 'wasmplugins', versions: ['v1alpha1'], storage: 'v1alpha1', columns: [AGE_COLUMN] },
  {
    kind: 'DestinationRule', group: 'networking.istio.io', plural: 'destinationrules', shortNames: ['dr'], versions: NETWORKING_VERSIONS, storage: 'v1',
    columns: [column('Host', '.spec.host', 'The name of a service from the service registry'), AGE_COLUMN],
  },
  { kind: 'EnvoyFilter', group: 'networking.istio.io', plural: 'envoyfilters', versions: ['v1alpha3'], storage: 'v1alpha3' },
  { kind: 'Gateway', group: 'networking.istio.io', plural: 'gateways', shortNames: ['gw'], versions: NETWORKING_VERSIONS, storage: 'v1' },
  { kind: 'ProxyConfig', group: 'networking.istio.io', plural: 'proxyconfigs', versions: ['v1beta1'], storage: 'v1beta1' },
  {
    kind: 'ServiceEntry', group: 'networking.istio.io', plural: 'serviceentries', shortNames: ['se'], versions: NETWORKING_VERSIONS, storage: 'v1',
    columns: [
      column('Hosts', '.spec.hosts', 'The hosts associated with the ServiceEntry'),
      column('Location', '.spec.location', 'Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)'),
      column('Resolution', '.spec.resolution', 'Service resolution mode for the hosts (NONE, STATIC, or DNS)'),
      AGE_COLUMN,
    ],
  },
  { kind: 'Sidecar', group: 'networking.istio.io', plural: 'sidecars', versions: NETWORKING_VERSIONS, storage: 'v1' },
  {
    kind: 'VirtualService', group: 'networking.istio.io', plural: 'virtualservices', shortNames: ['vs'], versions: NETWORKING_VERSIONS, storage: 'v1',
    columns: [
      column('Gateways', '.spec.gateways', 'The names of gateways and sidecars that should apply these routes'),
      column('Hosts', '.spec.hosts', 'The destination hosts to which traffic is being sent'),
      AGE_COLUMN,
    ],
  },
  {
    kind: 'WorkloadEntry', group: 'networking.istio.io', plural: 'workloadentries', shortNames: ['we'], versions: NETWORKING_VERSIONS, storage: 'v1',
    columns: [AGE_COLUMN, column('Address', '.spec.address', 'Address associated with the network endpoint.')],
  },
  { kind: 'WorkloadGroup', group: 'networking.istio.io', plural: 'workloadgroups', shortNames: ['wg'], versions: NETWORKING_VERSIONS, storage: 'v1', columns: [AGE_COLUMN] },
  {
    kind: 'AuthorizationPolicy', group: 'security.istio.io', plural: 'authorizationpolicies', shortNames: ['ap'], versions: SECURITY_VERSIONS, storage: 'v1',
    columns: [column('Action', '.spec.action', 'The operation to take.'), AGE_COLUMN],
  },
  {
    kind: 'PeerAuthentication', group: 'security.istio.io', plural: 'peerauthentications', shortNames: ['pa'], versions: SECURITY_VERSIONS, storage: 'v1',
    columns: [column('Mode', '.spec.mtls.mode', 'Defines the mTLS mode used for peer authentication.'), AGE_COLUMN],
  },
  { kind: 'RequestAuthentication', group: 'security.istio.io', plural: 'requestauthentications', shortNames: ['ra'], versions: SECURITY_VERSIONS, storage: 'v1' },
  { kind: 'Telemetry', group: 'telemetry.istio.io', plural: 'telemetries', shortNames: ['telemetry'], versions: ['v1', 'v1alpha1'], storage: 'v1alpha1', columns: [AGE_COLUMN] },
];

/** The chart's labels; the security and telemetry CRDs also say which part of Istio they belong to. */
function labelsOf(group: string): Record<string, string> {
  const labels: Record<string, string> = { app: 'istio-pilot', chart: 'istio', heritage: 'Tiller', release: 'istio' };
  if (group === 'security.istio.io') labels.istio = 'security';
  if (group === 'telemetry.istio.io') labels.istio = 'telemetry';
  return labels;
}

export type IstioSchemaSource = (kind: string, version: string) => JSONSchemaProps;

/** The schema of a kind the source has none for: spec and status are objects that keep every field. */
export const OPEN_ISTIO_SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

/** A source that answers the open schema where `source` knows no schema (it throws for kinds it does not describe). */
export const withOpenFallback =
  (source: IstioSchemaSource): IstioSchemaSource =>
  (kind, version) => {
    try {
      return source(kind, version);
    } catch {
      return structuredClone(OPEN_ISTIO_SCHEMA);
    }
  };

/** Istio's kinds take no defaults from the apiserver. */
function withoutDefaults(schema: JSONSchemaProps): JSONSchemaProps {
  const { default: _dropped, ...rest } = schema;
  const out: JSONSchemaProps = { ...rest };
  if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, withoutDefaults(v)]));
  if (schema.items) out.items = withoutDefaults(schema.items);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') out.additionalProperties = withoutDefaults(schema.additionalProperties);
  return out;
}

/** As Istio's CRDs have it: spec and status are objects that keep fields the schema does not name, and nothing is defaulted. */
function istioSchema(schema: JSONSchemaProps): JSONSchemaProps {
  const out = withoutDefaults(schema);
  out.properties = { ...(out.properties ?? {}) };
  for (const field of ['spec', 'status']) out.properties[field] = { ...(out.properties[field] ?? {}), type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return out;
}

export function istioCrd(c: IstioCrd, schemaOf: IstioSchemaSource): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${c.plural}.${c.group}`, labels: labelsOf(c.group), annotations: { 'helm.sh/resource-policy': 'keep' } },
    spec: {
      group: c.group,
      names: {
        categories: ['istio-io', c.group.replaceAll('.', '-')],
        kind: c.kind,
        listKind: `${c.kind}List`,
        plural: c.plural,
        ...(c.shortNames ? { shortNames: [...c.shortNames] } : {}),
        singular: c.kind.toLowerCase(),
      },
      scope: 'Namespaced',
      versions: c.versions.map((name) => ({
        ...(c.columns ? { additionalPrinterColumns: structuredClone(c.columns) } : {}),
        name,
        schema: { openAPIV3Schema: istioSchema(schemaOf(c.kind, name)) },
        served: true,
        storage: name === c.storage,
        subresources: { status: {} },
      })),
    },
  };
}

/** Every Istio CRD, in the generated file's order. */
export const istioCrds = (schemaOf: IstioSchemaSource): CustomResourceDefinition[] => ISTIO_CRD_LIST.map((c) => istioCrd(c, schemaOf));
