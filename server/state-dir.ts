import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What `endpoints.json` holds: every address a person or a test needs. */
export interface Endpoints {
  deck?: string;
  presenter?: string;
  apiServer: string;
  kubeconfig: string;
  gateway: string;
  jaeger: string;
  pid: number;
}

/** Writes `kubeconfig` and `endpoints.json` readable by the user only; returns the kubeconfig path. */
export function writeStateFiles(stateDir: string, kubeconfig: string, endpoints: Omit<Endpoints, 'kubeconfig' | 'pid'>): { kubeconfigPath: string; endpointsPath: string } {
  const dir = resolve(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const kubeconfigPath = join(dir, 'kubeconfig');
  const endpointsPath = join(dir, 'endpoints.json');
  writePrivate(kubeconfigPath, kubeconfig);
  const full: Endpoints = { ...endpoints, kubeconfig: kubeconfigPath, pid: process.pid };
  writePrivate(endpointsPath, JSON.stringify(full, null, 2) + '\n');
  return { kubeconfigPath, endpointsPath };
}

/** Atomic so a reader never sees half a file; 0600 because the files hold tokens. */
function writePrivate(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
