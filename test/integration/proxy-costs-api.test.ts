import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyCostsReport } from '../../server/protocol.ts';
import { startTestDeck } from '../helpers/deck.ts';
import { makeKubectl } from '../helpers/kubectl.ts';

/** The costs slide's figures, served by the deck from the embedded cluster's own data plane. */
describe('GET /api/proxy-costs', () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let kubectl: ReturnType<typeof makeKubectl>;
  beforeAll(async () => {
    deck = await startTestDeck();
    kubectl = makeKubectl(deck.kubeconfigPath!);
  }, 60_000);
  afterAll(async () => {
    kubectl?.cleanup();
    await deck?.stop();
  });
  const costs = async () => {
    const res = await fetch(`${deck.base}/api/proxy-costs`);
    expect(res.status).toBe(200);
    return (await res.json()) as ProxyCostsReport;
  };

  it('measures the sidecars on the requests that pass them, labelled as the simulation', async () => {
    const before = await costs();
    expect(before.measuredOn).toBe('simulated on this laptop');
    expect(before.proxies.map((p) => p.kind)).toEqual(['sidecar', 'ztunnel', 'waypoint']);

    await kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    await kubectl.ok(['apply', '-f', 'manifests/bookinfo/bookinfo.yaml', '-f', 'manifests/networking/bookinfo-gateway.yaml']);
    await kubectl.ok(['wait', '--for=condition=Available', 'deployment', '--all', '--timeout=60s'], { timeoutMs: 70_000 });
    for (let i = 0; i < 40; i++) expect((await fetch(`${deck.embedded!.gatewayUrl}/productpage`)).status).toBe(200);

    const sidecar = (await costs()).proxies.find((p) => p.kind === 'sidecar')!;
    // Each page passes productpage's sidecars and those of details, reviews (and ratings): many passes per page.
    expect(sidecar.requests).toBeGreaterThanOrEqual(40 * 4);
    expect(sidecar.samples).toBeGreaterThan(0);
    expect(sidecar.cpuMsPer1000Requests).toBeGreaterThan(0);
    expect(sidecar.instances).toBeGreaterThanOrEqual(6);
    // Each sidecar's access log is what it holds of its own.
    expect(sidecar.memoryKiBPerInstance).toBeGreaterThan(0);
    const ztunnel = (await costs()).proxies.find((p) => p.kind === 'ztunnel')!;
    expect(ztunnel).toMatchObject({ requests: 0, instances: 0 });
  }, 120_000);
});
