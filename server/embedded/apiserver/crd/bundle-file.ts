/** CRD bundles shipped as YAML files (the Gateway API's install files), read with node:fs once per change of the file. */
import * as fs from 'node:fs';
import { resolve } from 'node:path';
import { crdsInBundleFile } from './bundle.ts';
import type { CustomResourceDefinition } from './definition.ts';

/** The project's copy of the Gateway API standard bundle (the same file users apply). */
export const GATEWAY_API_STANDARD_BUNDLE = resolve(import.meta.dirname, '../../../../manifests/gateway-api/standard-install.yaml');

/** The CRDs in a multi-document YAML file; none when there is no such file. Parsed once per change (many clusters start from it). */
export const crdsInFile = (path: string): CustomResourceDefinition[] => crdsInBundleFile(fs, path);
