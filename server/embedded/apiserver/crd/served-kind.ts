/** What a CustomResourceDefinition makes the API serve: the kind's names, its versions in discovery order, schemas, columns, subresources. */
import type { JSONSchemaProps } from '../openapi/json-schema.ts';
import { type CrdVersion, type CustomResourceDefinition, type PrinterColumn, printerColumnsOf } from './definition.ts';
import { byVersionPriority } from './version-priority.ts';

export interface ServedKind {
  crdName: string;
  group: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Served versions, highest priority (the preferred one) first. */
  versions: string[];
  storageVersion: string;
  schemas: Record<string, JSONSchemaProps>;
  /** The preferred version's columns (kubectl asks for a Table in that version). */
  printerColumns: PrinterColumn[];
  subresources: string[];
}

export function servedKind(crd: CustomResourceDefinition): ServedKind {
  const { spec } = crd;
  const served = spec.versions.filter((v) => v.served);
  const versions = byVersionPriority(served.map((v) => v.name));
  const byName = new Map<string, CrdVersion>(spec.versions.map((v) => [v.name, v]));
  const preferred = byName.get(versions[0])!;
  const schemas: Record<string, JSONSchemaProps> = {};
  for (const v of served) if (v.schema?.openAPIV3Schema) schemas[v.name] = v.schema.openAPIV3Schema;
  const subresources: string[] = [];
  if (preferred.subresources?.scale) subresources.push('scale');
  if (preferred.subresources?.status) subresources.push('status');
  return {
    crdName: crd.metadata.name,
    group: spec.group,
    kind: spec.names.kind,
    plural: spec.names.plural,
    singular: spec.names.singular || spec.names.kind.toLowerCase(),
    namespaced: spec.scope === 'Namespaced',
    shortNames: [...(spec.names.shortNames ?? [])],
    categories: [...(spec.names.categories ?? [])],
    versions,
    storageVersion: spec.versions.find((v) => v.storage)?.name ?? versions[0],
    schemas,
    printerColumns: printerColumnsOf(preferred),
    subresources,
  };
}

/** The names a kind claims in its group; two CRDs may not share one. */
export const claimedNames = (k: Pick<ServedKind, 'plural' | 'singular' | 'shortNames' | 'kind'>) => ({
  resources: [k.plural, k.singular, ...k.shortNames],
  kinds: [k.kind, `${k.kind}List`],
});

/** A names conflict with kinds already served, worded as the NamesAccepted condition's message; undefined when there is none. */
export function namesConflict(candidate: ServedKind, others: Array<Pick<ServedKind, 'group' | 'plural' | 'singular' | 'shortNames' | 'kind'>>): string | undefined {
  const mine = claimedNames(candidate);
  for (const o of others) {
    if (o.group !== candidate.group) continue;
    const theirs = claimedNames(o);
    if (theirs.resources.includes(candidate.plural)) return `"${candidate.plural}" is already in use`;
    if (theirs.resources.includes(candidate.singular)) return `"${candidate.singular}" is already in use`;
    const short = candidate.shortNames.find((s) => theirs.resources.includes(s));
    if (short) return `"${short}" is already in use`;
    if (theirs.kinds.includes(candidate.kind)) return `"${candidate.kind}" is already in use`;
    if (mine.resources.includes(o.plural)) return `"${o.plural}" is already in use`;
  }
  return undefined;
}
