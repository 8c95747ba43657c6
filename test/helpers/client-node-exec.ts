import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';

/** Runs a command with client-node's Exec in a default-namespace pod; resolves when the server closes the stream. */
export async function execWithClientNode(kc: k8s.KubeConfig, pod: string, container: string, command: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  let status: k8s.V1Status | undefined;
  const ws = await new k8s.Exec(kc).exec('default', pod, container, command, stdout, stderr, null, false, (s) => (status = s));
  await new Promise<void>((resolve) => ws.on('close', () => resolve()));
  return { out, err, status, protocol: ws.protocol };
}
