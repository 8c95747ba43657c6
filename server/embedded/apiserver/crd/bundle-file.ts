/** CRD bundles shipped as YAML files (the Gateway API's install files), read once per change of the file. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CRD_GROUP, CRD_KIND, type CustomResourceDefinition } from './definition.ts';

/** The project's copy of the Gateway API standard bundle (the same file users apply). */
export const GATEWAY_API_STANDARD_BUNDLE = resolve(import.meta.dirname, '../../../../manifests/gateway-api/standard-install.yaml');

const bundles = new Map<string, { mtimeMs: number; crds: CustomResourceDefinition[] }>();

/** The CRDs in a multi-document YAML file; none when there is no such file. Parsed once per change (many clusters start from it). */
export function crdsInFile(path: string): CustomResourceDefinition[] {
  if (!existsSync(path)) return [];
  const { mtimeMs } = statSync(path);
  const cached = bundles.get(path);
  if (cached?.mtimeMs === mtimeMs) return cached.crds;
  const crds = parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => d.toJS() as CustomResourceDefinition & { apiVersion?: string; kind?: string } | null)
    .filter((o): o is CustomResourceDefinition => o?.apiVersion === `${CRD_GROUP}/v1` && o?.kind === CRD_KIND);
  bundles.set(path, { mtimeMs, crds });
  return crds;
}
