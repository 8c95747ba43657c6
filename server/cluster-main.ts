/** `npm run cluster`: the embedded cluster alone, for kubectl users and for tests. */
import { relative } from 'node:path';
import { ScaledClock } from './clock.ts';
import { parseDeckConfig } from './config.ts';
import { startEmbeddedCluster } from './embedded/cluster.ts';
import { writeStateFiles } from './state-dir.ts';
import { istioctlPathLine } from './istioctl-path.ts';

const config = parseDeckConfig(process.argv.slice(2));
const cluster = await startEmbeddedCluster({ clock: new ScaledClock(config.timeScale), host: '127.0.0.1', hostPorts: 'well-known' });
const { kubeconfigPath, endpointsPath } = writeStateFiles(config.stateDir, cluster.kubeconfig, {
  apiServer: cluster.apiServerUrl,
  gateway: cluster.gatewayUrl,
  jaeger: cluster.jaegerUrl,
});
const shown = relative(process.cwd(), kubeconfigPath) || kubeconfigPath;
console.log(`Embedded cluster ready.
  API server:  ${cluster.apiServerUrl}
  Gateway:     ${cluster.gatewayUrl}/productpage
  Jaeger API:  ${cluster.jaegerUrl}/api/services
  kubectl:     export KUBECONFIG=${shown.startsWith('..') ? kubeconfigPath : shown}
  istioctl:    ${istioctlPathLine()}
  endpoints:   ${endpointsPath}`);

const shutdown = async () => {
  await cluster.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
