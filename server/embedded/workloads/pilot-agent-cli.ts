import type { ProcessIo } from '../apiserver/pod-runtime.ts';
import type { Mesh } from '../mesh/index.ts';

/** `pilot-agent request GET stats`: the sidecar's Envoy admin stats (the circuit-breaker counters). */
export async function pilotAgentCommand(mesh: Mesh, pod: { workload: string; namespace: string }, args: string[], io: ProcessIo): Promise<number> {
  if (args[0] !== 'request' || args.length < 3) {
    io.stderr('Error: the embedded pilot-agent runs: pilot-agent request GET stats\n');
    return 1;
  }
  const [, method, path] = args;
  const resource = path.replace(/^\//, '').split('?')[0];
  if (method.toUpperCase() !== 'GET' || resource !== 'stats') {
    io.stderr(`Error: failed to ${method} ${path}: the embedded sidecar's admin API serves only GET stats\n`);
    return 1;
  }
  io.stdout(mesh.proxyStats(pod));
  return 0;
}
