/** `npm start`: the deck, on the embedded cluster unless --kubeconfig/--context says otherwise. */
import { relative } from 'node:path';
import { parseDeckConfig, USAGE } from './config.ts';
import { startDeck } from './deck.ts';
import { istioctlPathLine } from './istioctl-path.ts';
import { keepHeapTight } from './heap-policy.ts';

keepHeapTight();

let config;
try {
  config = parseDeckConfig(process.argv.slice(2));
} catch (err) {
  console.error(`error: ${err instanceof Error ? err.message : err}\n\n${USAGE}`);
  process.exit(2);
}

try {
  // The presenter's own cluster is the one that may take ports 80 and 443.
  const deck = await startDeck({ ...config, embeddedHostPorts: 'well-known' });
  const lines = [
    `Istio Live Deck is running on ${deck.mode === 'embedded' ? 'the embedded cluster' : `cluster "${deck.session.healthState.cluster}"`}.`,
    `  Audience:   ${deck.url}`,
    `  Presenter:  ${deck.presenterUrl}`,
  ];
  if (deck.kubeconfigPath) {
    const rel = relative(process.cwd(), deck.kubeconfigPath);
    lines.push(`  kubectl:    export KUBECONFIG=${rel.startsWith('..') ? deck.kubeconfigPath : rel}`);
  }
  lines.push(`  istioctl:   ${istioctlPathLine()}`);
  lines.push('  Stop with Ctrl+C.');
  console.log(lines.join('\n'));
  let stopping = false;
  const shutdown = async () => {
    if (stopping) process.exit(1);
    stopping = true;
    await deck.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (err) {
  console.error(`error: could not start the deck: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
