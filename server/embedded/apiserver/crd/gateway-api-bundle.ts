/**
 * The Gateway API standard bundle that every store serves from the start and bootstrap
 * installs. Its text can be handed in: a browser build imports the YAML as a string (Vite
 * `?raw`) and calls provideGatewayApiBundle before the registry module is first evaluated
 * (its kinds are fixed then). With nothing handed in, the project's file is read through
 * Node's process.getBuiltinModule, as before, so this module imports nothing of Node's.
 */
import { type BundleFileSystem, crdsInBundleFile, crdsInYaml } from './bundle.ts';
import type { CustomResourceDefinition } from './definition.ts';

let provided: { text: string; crds?: CustomResourceDefinition[] } | undefined;

/** Serve and install the bundle in `text` instead of reading the project's file. */
export function provideGatewayApiBundle(text: string): void {
  provided = { text };
}

/** The bundle's CRDs: the text handed in, else the project's file on Node, else none. */
export function gatewayApiCrds(): readonly CustomResourceDefinition[] {
  if (provided) return (provided.crds ??= crdsInYaml(provided.text));
  const node = nodeModules();
  if (!node || !import.meta.dirname) return [];
  return crdsInBundleFile(node.fs, node.path.resolve(import.meta.dirname, '../../../../manifests/gateway-api/standard-install.yaml'));
}

type MaybeNodeProcess = { process?: { getBuiltinModule?: (id: string) => unknown } };

function nodeModules(): { fs: BundleFileSystem; path: { resolve(...parts: string[]): string } } | undefined {
  const builtin = (globalThis as MaybeNodeProcess).process?.getBuiltinModule;
  if (!builtin) return undefined;
  return { fs: builtin('node:fs') as BundleFileSystem, path: builtin('node:path') as { resolve(...parts: string[]): string } };
}
