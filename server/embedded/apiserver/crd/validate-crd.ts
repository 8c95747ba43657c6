/**
 * What the apiserver refuses in a CustomResourceDefinition, with its field paths and words:
 * names that do not make up `<plural>.<group>`, a group without a dot, an unknown scope,
 * versions without exactly one storage version, schemas that are not structural, and CEL
 * rules that do not compile.
 */
import type { JSONSchemaProps } from '../openapi/json-schema.ts';
import type { CrdVersion, CustomResourceDefinition } from './definition.ts';
import {
  type FieldError,
  childPath,
  duplicateValue,
  forbiddenField,
  indexPath,
  invalidValue,
  requiredValue,
  unsupportedValue,
} from './field-errors.ts';
import { ruleDefinitionErrors } from './validation-rules.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const VERSION_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const SCOPES = ['Cluster', 'Namespaced'];

function label(path: string, value: unknown, out: FieldError[], required = true): void {
  if (value === undefined || value === '') {
    if (required) out.push(requiredValue(path));
  } else if (typeof value !== 'string' || !DNS1123_LABEL.test(value) || value.length > 63) out.push(invalidValue(path, value, LABEL_MESSAGE));
}

function checkNames(crd: CustomResourceDefinition, out: FieldError[]): void {
  const names: any = crd.spec?.names ?? {};
  const group = crd.spec?.group;
  if (!group) out.push(requiredValue('spec.group'));
  else if (typeof group !== 'string' || !DNS1123_SUBDOMAIN.test(group)) out.push(invalidValue('spec.group', group, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
  else if (!group.includes('.')) out.push(invalidValue('spec.group', group, 'should be a domain with at least one dot'));
  if (names.plural && group && crd.metadata?.name !== `${names.plural}.${group}`) {
    out.push(invalidValue('metadata.name', crd.metadata?.name ?? '', 'must be spec.names.plural+"."+spec.group'));
  }
  label('spec.names.plural', names.plural, out);
  label('spec.names.singular', names.singular, out, false);
  if (!names.kind) out.push(requiredValue('spec.names.kind'));
  else if (typeof names.kind !== 'string' || !KIND.test(names.kind)) out.push(invalidValue('spec.names.kind', names.kind, 'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?'));
  if (names.listKind !== undefined) {
    if (typeof names.listKind !== 'string' || !KIND.test(names.listKind)) out.push(invalidValue('spec.names.listKind', names.listKind, 'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?'));
    else if (names.listKind === names.kind) out.push(invalidValue('spec.names.listKind', names.listKind, 'kind and listKind may not be the same'));
  }
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((s: unknown, i: number) => label(indexPath('spec.names.shortNames', i), s, out));
  (Array.isArray(names.categories) ? names.categories : []).forEach((s: unknown, i: number) => label(indexPath('spec.names.categories', i), s, out));
}

function checkVersion(v: CrdVersion, path: string, out: FieldError[]): void {
  if (!v.name) out.push(requiredValue(childPath(path, 'name')));
  else if (!DNS1035_LABEL.test(v.name) || v.name.length > 63) out.push(invalidValue(childPath(path, 'name'), v.name, VERSION_MESSAGE));
  const schema = v.schema?.openAPIV3Schema;
  const schemaPath = `${path}.schema.openAPIV3Schema`;
  if (!schema) out.push(requiredValue(schemaPath, 'schemas are required'));
  else checkStructural(schema, schemaPath, out);
  const scale = v.subresources?.scale;
  if (scale) {
    if (!scale.specReplicasPath?.startsWith('.spec.')) out.push(invalidValue(`${path}.subresources.scale.specReplicasPath`, scale.specReplicasPath ?? '', 'should be a json path under .spec'));
    if (!scale.statusReplicasPath?.startsWith('.status.')) out.push(invalidValue(`${path}.subresources.scale.statusReplicasPath`, scale.statusReplicasPath ?? '', 'should be a json path under .status'));
  }
  (v.additionalPrinterColumns ?? []).forEach((c, i) => {
    const col = indexPath(`${path}.additionalPrinterColumns`, i);
    if (!c.name) out.push(requiredValue(`${col}.name`));
    if (!COLUMN_TYPES.includes(c.type)) out.push(c.type ? unsupportedValue(`${col}.type`, c.type, COLUMN_TYPES) : requiredValue(`${col}.type`));
    if (!c.jsonPath) out.push(requiredValue(`${col}.jsonPath`));
  });
}

function checkVersions(crd: CustomResourceDefinition, out: FieldError[]): void {
  const versions = crd.spec?.versions;
  if (!Array.isArray(versions) || !versions.length) {
    out.push(invalidValue('spec.versions', null, 'must have exactly one version marked as storage version'));
    return;
  }
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const path = indexPath('spec.versions', i);
    if (v.name && seen.has(v.name)) out.push(duplicateValue(`${path}.name`, v.name));
    seen.add(v.name);
    checkVersion(v, path, out);
  });
  const summary = versions.map((v) => `${v.name}(served=${Boolean(v.served)},storage=${Boolean(v.storage)})`).join(', ');
  if (versions.filter((v) => v.storage).length !== 1) out.push(invalidValue('spec.versions', summary, 'must have exactly one version marked as storage version'));
  if (!versions.some((v) => v.served)) out.push(invalidValue('spec.versions', summary, 'must have at least one version marked as served'));
}

/** The keywords a structural schema's value validations (oneOf/anyOf/allOf/not) may not use. */
const NOT_IN_VALUE_VALIDATION = ['type', 'default', 'additionalProperties', 'nullable', 'description', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-embedded-resource'] as const;

function checkValueValidation(s: JSONSchemaProps, path: string, out: FieldError[]): void {
  for (const key of NOT_IN_VALUE_VALIDATION) if (s[key] !== undefined) out.push(forbiddenField(childPath(path, key), 'must be empty to be structural'));
  for (const [name, p] of Object.entries(s.properties ?? {})) checkValueValidation(p, `${path}.properties[${name}]`, out);
  if (s.items) checkValueValidation(s.items, `${path}.items`, out);
}

/** The structural-schema rules, node by node (`root` at the top, where only an object fits). */
export function checkStructural(s: JSONSchemaProps, path: string, out: FieldError[], root = true): void {
  const special = s['x-kubernetes-int-or-string'] || s['x-kubernetes-preserve-unknown-fields'];
  if (root) {
    if (!s.type) out.push(requiredValue(`${path}.type`, 'must not be empty at the root'));
    else if (s.type !== 'object') out.push(invalidValue(`${path}.type`, s.type, 'must be object at the root'));
  } else if (!s.type && !special) out.push(requiredValue(`${path}.type`, 'must not be empty for specified object fields'));
  if (s['x-kubernetes-preserve-unknown-fields'] === false) out.push(invalidValue(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  if (s.type === 'array' && !s.items) out.push(requiredValue(`${path}.items`, 'must be specified'));
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    out.push(forbiddenField(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  if (root && s.properties?.metadata) {
    const extra = Object.keys(s.properties.metadata.properties ?? {}).filter((k) => k !== 'name' && k !== 'generateName');
    if (extra.length || (s.properties.metadata.type && s.properties.metadata.type !== 'object')) {
      out.push(forbiddenField(`${path}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
  }
  ruleDefinitionErrors(s, path, out);
  for (const [name, p] of Object.entries(s.properties ?? {})) checkStructural(p, `${path}.properties[${name}]`, out, false);
  if (s.items) checkStructural(s.items, `${path}.items`, out, false);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') checkStructural(s.additionalProperties, `${path}.additionalProperties`, out, false);
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) (s[key] ?? []).forEach((sub, i) => checkValueValidation(sub, `${path}.${key}[${i}]`, out));
  if (s.not) checkValueValidation(s.not, `${path}.not`, out);
}

/** Every reason the apiserver would refuse this CRD on create. */
export function validateCrd(crd: CustomResourceDefinition): FieldError[] {
  const out: FieldError[] = [];
  checkNames(crd, out);
  const scope = crd.spec?.scope;
  if (!scope) out.push(requiredValue('spec.scope'));
  else if (!SCOPES.includes(scope)) out.push(unsupportedValue('spec.scope', scope, SCOPES));
  checkVersions(crd, out);
  return out;
}

/** On update: the create rules, an immutable scope, and every stored version still listed. */
export function validateCrdUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldError[] {
  const out = validateCrd(crd);
  if (old.spec?.scope && crd.spec?.scope !== old.spec.scope) out.push(invalidValue('spec.scope', crd.spec?.scope ?? '', 'field is immutable'));
  const listed = new Set((crd.spec?.versions ?? []).map((v) => v.name));
  ((old.status?.storedVersions ?? []) as string[]).forEach((v, i) => {
    if (!listed.has(v)) out.push(invalidValue(indexPath('status.storedVersions', i), v, 'must appear in spec.versions'));
  });
  return out;
}
