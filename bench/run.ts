/**
 * `npm run bench`: prints the deck's performance figures (throughput, latency, memory).
 * Nothing here is asserted: a noisy 2-core machine makes timings unfit for tests.
 */
import { benchApiServer } from './api-server.ts';
import { benchCrd } from './crd.ts';
import { benchDeck } from './deck.ts';
import { benchHostileSandbox } from './hostile-sandbox.ts';

type Figure = [string, string];
const sections: Array<{ title: string; run: () => Promise<Figure[]> }> = [
  { title: 'Deck start-up and viewers', run: benchDeck },
  { title: 'Embedded Kubernetes API', run: benchApiServer },
  { title: 'CustomResourceDefinitions (registering a CRD)', run: benchCrd },
  { title: 'Hostile input in an attendee sandbox (issue 11, class 1)', run: benchHostileSandbox },
  { title: 'Sandbox cost (per attendee sandbox) and the default cap', run: async () => (await import('./sandbox-cost.ts')).benchSandboxCost() },
  {
    title: 'Mesh (productpage through the gateway, tracing on)',
    run: async () => {
      const { dataPlaneLines, benchDelayStory, benchHttpRoute } = await import('./mesh.ts');
      const dataPlane = await dataPlaneLines();
      const story = await benchDelayStory();
      const route = await benchHttpRoute();
      return [
        ...dataPlane,
        ['7 s ratings delay story at scale 1: page answered after', `${story.seconds.toFixed(2)} s`],
        ['/details/0 routed by an HTTPRoute (Gateway API gateway, in process): requests/s', route.httpRouteRps.toFixed(0)],
        ['the same, p50 (HTTPRoute / VirtualService at istio-ingressgateway)', `${route.httpRouteP50Ms.toFixed(3)} ms / ${route.virtualServiceP50Ms.toFixed(3)} ms`],
      ];
    },
  },
  { title: 'Container logs (kubectl logs)', run: async () => (await import('./logs.ts')).benchLogs() },
  {
    title: 'istioctl',
    run: async () => {
      const { benchIstioctl } = await import('./istioctl.ts');
      const i = await benchIstioctl();
      return [
        ['start-up, istioctl --help (median)', `${i.helpMs.toFixed(0)} ms (target well under 1500 ms)`],
        ['istioctl version against the embedded cluster (median)', `${i.versionMs.toFixed(0)} ms`],
      ];
    },
  },
  {
    title: 'Tracing',
    run: async () => {
      const { benchSpans } = await import('./tracing.ts');
      const s = benchSpans();
      return [
        ['spans recorded', String(s.spansRecorded)],
        ['spans kept (bounded store)', String(s.storedSpans)],
        ['heap after one million spans', `${s.heapMB.toFixed(1)} MB`],
      ];
    },
  },
  { title: 'Static edition (the cluster core in a Web Worker)', run: async () => (await import('./static-edition.ts')).benchStaticEdition() },
  {
    title: 'Client',
    run: async () => {
      const { benchClient, clientFigures } = await import('./client.ts');
      return clientFigures(await benchClient());
    },
  },
];

// The soak runs 10 minutes when asked for (`npm run bench -- soak`); the default run has a short one.
const only = process.argv[2];
const soakAsked = only !== undefined && 'soak'.includes(only.toLowerCase());
const soakMinutes = Number(process.env.ISTIO_DECK_SOAK_MINUTES ?? (soakAsked ? 10 : 1));
const soakViewers = Number(process.env.ISTIO_DECK_SOAK_VIEWERS ?? 300);
sections.push({
  title: `Soak (${soakViewers} viewers, scene resets back to back, ${soakMinutes} min)`,
  run: async () => (await import('./soak.ts')).benchSoak({ minutes: soakMinutes, viewers: soakViewers }),
});
for (const s of sections) {
  if (only && !s.title.toLowerCase().includes(only.toLowerCase())) continue;
  console.log(`\n${s.title}`);
  try {
    for (const [k, v] of await s.run()) console.log(`  ${k.padEnd(56)} ${v}`);
  } catch (err) {
    console.log(`  could not measure: ${err instanceof Error ? err.message : err}`);
  }
}
process.exit(0);

