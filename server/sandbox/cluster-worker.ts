/**
 * A sandbox's embedded cluster, run in its own worker thread: whatever an attendee makes
 * it do (a costly regex, a huge apply, thousands of pods) spends this thread's time and
 * heap, never the presenter's event loop. The deck reaches it only through its ports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ScaledClock } from '../clock.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from '../embedded/cluster.ts';
import type { FromSandboxWorker, SandboxWorkerData, ToSandboxWorker } from './worker-messages.ts';
import { lowerThisThreadPriority } from './thread-priority.ts';

const data = workerData as SandboxWorkerData;
const port = parentPort!;
const post = (m: FromSandboxWorker) => port.postMessage(m);

// The presenter's thread is served first when the cores are busy.
const threadId = lowerThisThreadPriority();
let cluster: EmbeddedCluster | undefined;
try {
  // Every pod of a sandbox is also watched by an informer in the deck's own process, so
  // thousands of them would cost the presenter's event loop; a talk's sandbox needs a few dozen.
  const podQuota = { name: 'sandbox-pods', limit: data.podsPerNamespace, perNamespace: true };
  cluster = await startEmbeddedCluster({ name: data.name, clock: new ScaledClock(data.scale, data.origin), podQuota });
  post({ type: 'ready', kubeconfig: cluster.kubeconfig, apiServerUrl: cluster.apiServerUrl, gatewayUrl: cluster.gatewayUrl, jaegerUrl: cluster.jaegerUrl, threadId });
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
}

port.on('message', async (m: ToSandboxWorker) => {
  if (m.type !== 'stop') return;
  await cluster?.stop().catch(() => {});
  post({ type: 'stopped' });
  port.close();
});
