import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KIND_LIST } from '../../kinds.ts';
import type { JSONSchemaProps } from './openapi/json-schema.ts';
import { CUSTOM_RESOURCE_STRATEGY, WORKLOAD_STRATEGY } from './strategy.ts';
import type { ResourceType } from './types.ts';

/**
 * The Gateway API kinds served from the project's standard CRD bundle until the embedded API
 * installs CRDs itself: names, versions and schemas as the bundle declares them, and the
 * status subresource its CRDs have (with generation, as every custom resource).
 */
const BUNDLE = resolve(import.meta.dirname, '../../../manifests/gateway-api/standard-install.yaml');

function bundleCrds(): any[] {
  return parseAllDocuments(readFileSync(BUNDLE, 'utf8'))
    .map((d) => d.toJS())
    .filter((o) => o?.kind === 'CustomResourceDefinition');
}

export function gatewayApiTypes(): ResourceType[] {
  const crds = bundleCrds();
  return KIND_LIST.filter((k) => k.group === 'gateway.networking.k8s.io').map((k): ResourceType => {
    const crd = crds.find((c) => c.spec.names.kind === k.kind);
    if (!crd) throw new Error(`${BUNDLE} has no CRD for ${k.kind}`);
    const versions: any[] = crd.spec.versions;
    const withStatus = versions.some((v) => v.subresources?.status);
    return {
      group: k.group,
      versions: [...k.versions],
      kind: k.kind,
      plural: k.plural,
      singular: crd.spec.names.singular,
      namespaced: k.namespaced,
      shortNames: [...k.shortNames],
      categories: crd.spec.names.categories,
      ...(withStatus ? { subresources: ['status'] } : {}),
      strategy: withStatus ? WORKLOAD_STRATEGY : CUSTOM_RESOURCE_STRATEGY,
      schemas: Object.fromEntries(versions.map((v) => [v.name, v.schema.openAPIV3Schema as JSONSchemaProps])),
    };
  });
}
