/**
 * The `/openapi/v3` documents, one per group/version, in the shape the kube-apiserver serves
 * them: `components.schemas` keyed by definition name (built-in kinds as Kubernetes names
 * them, a CRD's kind by its reversed group), each kind's schema tagged with
 * `x-kubernetes-group-version-kind`, and the resource paths whose operations say which kind
 * they serve and that they take `fieldValidation` (kubectl explain and kubectl's validation
 * look those up).
 */
import { API_VERSION_FIELD, BUILTIN_DEFINITIONS, KIND_FIELD, META, METADATA_DESCRIPTION, builtinDefinitionName, builtinListDefinition, refTo } from './builtin-schemas.ts';
import type { JSONSchemaProps } from './json-schema.ts';
import { sha512Hex } from '../../portable/sha.ts';

/**
 * What the documents need to know of a served kind (the apiserver's ServedKind has these
 * fields; declared here so this folder depends on nothing of the apiserver's).
 */
export interface ServedKind {
  group: string;
  versions: readonly string[];
  kind: string;
  plural: string;
  namespaced: boolean;
  subresources?: readonly string[];
  schemas?: Readonly<Record<string, JSONSchemaProps>>;
}

/** The kinds served right now (a CRD applied later adds its kinds). */
export type ServedKinds = () => readonly ServedKind[];

export const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

/** `networking.istio.io`, v1, VirtualService → io.istio.networking.v1.VirtualService. */
export const customDefinitionName = (group: string, version: string, kind: string) => `${group.split('.').reverse().join('.')}.${version}.${kind}`;

/**
 * A served kind's schema at one version, as its group/version document holds it, with the
 * definitions it refers to; undefined when the kind has none (a CRD without a schema).
 */
export interface KindSchema {
  name: string;
  schema: JSONSchemaProps;
  definitions: Readonly<Record<string, JSONSchemaProps>>;
}

const customSchemas = new WeakMap<JSONSchemaProps, Map<string, JSONSchemaProps>>();

/** A CRD version's openAPIV3Schema plus apiVersion, kind and metadata, as the apiserver publishes it. */
function customKindSchema(type: ServedKind, version: string, crd: JSONSchemaProps): JSONSchemaProps {
  const key = `${type.group}/${version}/${type.kind}`;
  const cache = customSchemas.get(crd) ?? new Map<string, JSONSchemaProps>();
  customSchemas.set(crd, cache);
  const cached = cache.get(key);
  if (cached) return cached;
  const schema: JSONSchemaProps = {
    ...crd,
    type: 'object',
    // The apiserver's own fields win over what a CRD says of them (the Gateway API's say only `metadata: {type: object}`).
    properties: {
      ...(crd.properties ?? {}),
      apiVersion: API_VERSION_FIELD,
      kind: KIND_FIELD,
      metadata: { allOf: [{ $ref: refTo(`${META}ObjectMeta`) }], description: METADATA_DESCRIPTION },
    },
    'x-kubernetes-group-version-kind': [{ group: type.group, version, kind: type.kind }],
  };
  cache.set(key, schema);
  return schema;
}

/** The schema `type` is served with at `version`, or undefined when it has none. */
export function kindSchema(type: ServedKind, version: string): KindSchema | undefined {
  const crd = type.schemas?.[version];
  if (crd) return { name: customDefinitionName(type.group, version, type.kind), schema: customKindSchema(type, version, crd), definitions: BUILTIN_DEFINITIONS };
  const name = builtinDefinitionName(type.group, type.kind);
  if (!name) return undefined;
  return { name, schema: { ...BUILTIN_DEFINITIONS[name], 'x-kubernetes-group-version-kind': [{ group: type.group, version, kind: type.kind }] }, definitions: BUILTIN_DEFINITIONS };
}

/** Adds `name` and every definition it reaches through `$ref` to `out`. */
function collect(name: string, definitions: Readonly<Record<string, JSONSchemaProps>>, out: Record<string, JSONSchemaProps>): void {
  if (out[name] || !definitions[name]) return;
  out[name] = definitions[name];
  visitRefs(definitions[name], (ref) => collect(ref, definitions, out));
}

function visitRefs(schema: JSONSchemaProps, found: (name: string) => void): void {
  if (schema.$ref) found(schema.$ref.replace('#/components/schemas/', ''));
  for (const child of Object.values(schema.properties ?? {})) visitRefs(child, found);
  if (schema.items) visitRefs(schema.items, found);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') visitRefs(schema.additionalProperties, found);
  for (const list of [schema.allOf, schema.anyOf, schema.oneOf]) for (const child of list ?? []) visitRefs(child, found);
  if (schema.not) visitRefs(schema.not, found);
}

const QUERY = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
const WRITE_PARAMETERS = [QUERY('dryRun'), QUERY('fieldManager'), QUERY('fieldValidation')];
const jsonResponse = (schemaName: string) => ({ '200': { description: 'OK', content: { 'application/json': { schema: { $ref: refTo(schemaName) } } } } });

function operation(type: ServedKind, version: string, action: string, method: string, responseSchema: string, opts: { write?: boolean; list?: boolean } = {}) {
  return {
    operationId: `${method}${type.kind}`,
    tags: [gvPath(type.group, version)],
    ...(opts.write ? { parameters: WRITE_PARAMETERS } : {}),
    responses: jsonResponse(responseSchema),
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: type.group, version, kind: type.kind },
  };
}

/** The REST paths of one kind: collection, item and status, each operation tagged with the kind. */
function kindPaths(type: ServedKind, version: string, schemaName: string, listName: string): Record<string, unknown> {
  const base = `/${gvPath(type.group, version)}`;
  const scoped = type.namespaced ? `${base}/namespaces/{namespace}/${type.plural}` : `${base}/${type.plural}`;
  const item = `${scoped}/{name}`;
  const paths: Record<string, unknown> = {
    [scoped]: {
      get: operation(type, version, 'list', type.namespaced ? 'listNamespaced' : 'list', listName),
      post: operation(type, version, 'post', type.namespaced ? 'createNamespaced' : 'create', schemaName, { write: true }),
      delete: operation(type, version, 'deletecollection', type.namespaced ? 'deleteCollectionNamespaced' : 'deleteCollection', listName),
    },
    [item]: {
      get: operation(type, version, 'get', type.namespaced ? 'readNamespaced' : 'read', schemaName),
      put: operation(type, version, 'put', type.namespaced ? 'replaceNamespaced' : 'replace', schemaName, { write: true }),
      patch: operation(type, version, 'patch', type.namespaced ? 'patchNamespaced' : 'patch', schemaName, { write: true }),
      delete: operation(type, version, 'delete', type.namespaced ? 'deleteNamespaced' : 'delete', schemaName),
    },
  };
  if (type.namespaced) paths[`${base}/${type.plural}`] = { get: operation(type, version, 'list', 'listForAllNamespaces', listName) };
  if ((type.subresources ?? []).includes('status')) {
    paths[`${item}/status`] = {
      get: operation(type, version, 'get', type.namespaced ? 'readNamespacedStatus' : 'readStatus', schemaName),
      put: operation(type, version, 'put', type.namespaced ? 'replaceNamespacedStatus' : 'replaceStatus', schemaName, { write: true }),
      patch: operation(type, version, 'patch', type.namespaced ? 'patchNamespacedStatus' : 'patchStatus', schemaName, { write: true }),
    };
  }
  return paths;
}

const typesOf = (kinds: ServedKinds, group: string, version: string) => kinds().filter((t) => t.group === group && t.versions.includes(version));

/** The document of one group/version, or undefined when the API serves nothing there. */
export function groupVersionDocument(kinds: ServedKinds, kubernetesVersion: string, group: string, version: string) {
  const types = typesOf(kinds, group, version);
  if (!types.length) return undefined;
  const schemas: Record<string, JSONSchemaProps> = {};
  let paths: Record<string, unknown> = {};
  for (const type of types) {
    const found = kindSchema(type, version);
    // A kind without a schema still gets its paths: kubectl needs them to send fieldValidation.
    const name = found?.name ?? customDefinitionName(type.group, version, type.kind);
    const listName = `${name}List`;
    if (found) {
      schemas[name] = found.schema;
      visitRefs(found.schema, (ref) => collect(ref, found.definitions, schemas));
    } else {
      schemas[name] = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-group-version-kind': [{ group, version, kind: type.kind }] };
    }
    schemas[listName] = { ...builtinListDefinition(name, type.kind), 'x-kubernetes-group-version-kind': [{ group, version, kind: `${type.kind}List` }] };
    collect(`${META}ListMeta`, BUILTIN_DEFINITIONS, schemas);
    paths = { ...paths, ...kindPaths(type, version, name, listName) };
  }
  const sorted = Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, schemas[k]]));
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: kubernetesVersion }, paths, components: { schemas: sorted } };
}

/** One group/version document as served: its JSON text and that text's hash. */
export interface ServedDocument {
  json: string;
  hash: string;
}

/** Upper-case hex SHA-512 of the text, as the apiserver's handler names a document's version. */
const hashOf = (json: string) => sha512Hex(json).toUpperCase();

/**
 * Documents are rebuilt only when the kinds of their group/version change: a CRD applied
 * or changed gives its kinds new schema objects, hence a new document and hash.
 */
export class OpenApiDocuments {
  private readonly cache = new Map<string, { types: readonly ServedKind[]; schemas: unknown[]; doc: ServedDocument }>();

  /** `kubernetesVersion` is the release the documents describe, as /version reports it. */
  constructor(
    private readonly kinds: ServedKinds,
    private readonly kubernetesVersion: string,
  ) {}

  /** The served document of a group/version, or undefined when nothing is served there. */
  document(group: string, version: string): ServedDocument | undefined {
    const types = typesOf(this.kinds, group, version);
    if (!types.length) return undefined;
    const key = gvPath(group, version);
    const schemas = types.map((t) => t.schemas?.[version]);
    const hit = this.cache.get(key);
    if (hit && hit.types.length === types.length && hit.types.every((t, i) => t === types[i] && hit.schemas[i] === schemas[i])) return hit.doc;
    const json = JSON.stringify(groupVersionDocument(this.kinds, this.kubernetesVersion, group, version));
    const doc = { json, hash: hashOf(json) };
    this.cache.set(key, { types, schemas, doc });
    return doc;
  }

  /** `/openapi/v3`: every group/version with the URL of its current document. */
  index(): { paths: Record<string, { serverRelativeURL: string }> } {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    const seen = new Set<string>();
    for (const type of this.kinds()) {
      for (const version of type.versions) {
        const key = gvPath(type.group, version);
        if (seen.has(key)) continue;
        seen.add(key);
        const doc = this.document(type.group, version)!;
        paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
      }
    }
    return { paths };
  }
}
