/** CRD bundles (multi-document YAML such as the Gateway API's install files) read into their CRDs. */
import { parseAllDocuments } from 'yaml';
import { CRD_GROUP, CRD_KIND, type CustomResourceDefinition } from './definition.ts';

/** The CRDs among a multi-document YAML text's documents. */
export function crdsInYaml(text: string): CustomResourceDefinition[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as CustomResourceDefinition & { apiVersion?: string; kind?: string } | null)
    .filter((o): o is CustomResourceDefinition => o?.apiVersion === `${CRD_GROUP}/v1` && o?.kind === CRD_KIND);
}

/** The part of Node's fs a bundle file is read with (handed in, so this module imports nothing of Node's). */
export interface BundleFileSystem {
  existsSync(path: string): boolean;
  statSync(path: string): { mtimeMs: number };
  readFileSync(path: string, encoding: 'utf8'): string;
}

const bundles = new Map<string, { mtimeMs: number; crds: CustomResourceDefinition[] }>();

/** The CRDs in a bundle file; none when there is no such file. Parsed once per change (many clusters start from it). */
export function crdsInBundleFile(fs: BundleFileSystem, path: string): CustomResourceDefinition[] {
  if (!fs.existsSync(path)) return [];
  const { mtimeMs } = fs.statSync(path);
  const cached = bundles.get(path);
  if (cached?.mtimeMs === mtimeMs) return cached.crds;
  const crds = crdsInYaml(fs.readFileSync(path, 'utf8'));
  bundles.set(path, { mtimeMs, crds });
  return crds;
}
