import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { type EmbeddedCluster, startEmbeddedCluster } from '../../server/embedded/cluster.ts';
import { makeKubectl } from '../helpers/kubectl.ts';
import { readPage } from '../helpers/mesh-fixtures.ts';

/** The talk's opening, driven by kubectl against the embedded cluster with its real controllers. */
describe('Bookinfo on the embedded cluster, driven by kubectl', () => {
  let cluster: EmbeddedCluster;
  let kubectl: ReturnType<typeof makeKubectl>;
  let dir: string;
  const m = (p: string) => join(process.cwd(), 'manifests', p);

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ clock: new ScaledClock(0.05) });
    dir = mkdtempSync(join(tmpdir(), 'mesh-cluster-'));
    writeFileSync(join(dir, 'kubeconfig'), cluster.kubeconfig);
    kubectl = makeKubectl(join(dir, 'kubeconfig'));
  });
  afterAll(async () => {
    kubectl?.cleanup();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const page = async () => {
    const res = await fetch(`${cluster.gatewayUrl}/productpage`);
    return { status: res.status, ...readPage(await res.text()) };
  };

  /** Polls the page (real ms) until `ok` holds; pods take simulated seconds to start and stop. */
  async function eventually(ok: (p: Awaited<ReturnType<typeof page>>) => boolean, timeoutMs = 15_000) {
    const until = Date.now() + timeoutMs;
    let last = await page();
    while (!ok(last) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      last = await page();
    }
    return last;
  }

  it('serves the page once the injected pods are Ready, across all reviews versions', async () => {
    await kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled', '--overwrite']);
    await kubectl.ok(['apply', '-f', m('bookinfo/bookinfo.yaml')]);
    await kubectl.ok(['apply', '-f', m('networking/bookinfo-gateway.yaml')]);
    const first = await eventually((p) => p.status === 200 && p.details && p.reviews !== 'error');
    expect(first.status).toBe(200);
    const versions = new Set<string>();
    for (let i = 0; i < 40 && versions.size < 3; i++) versions.add((await eventually((p) => p.reviews !== 'error')).reviews);
    expect(versions).toEqual(new Set(['v1', 'v2', 'v3']));
  });

  it('applies all-v1 on the very next request', async () => {
    await kubectl.ok(['apply', '-f', m('networking/destination-rule-all.yaml'), '-f', m('networking/virtual-service-all-v1.yaml')]);
    for (let i = 0; i < 10; i++) expect((await page()).reviews).toBe('v1');
    await kubectl.ok(['delete', '-f', m('networking/virtual-service-all-v1.yaml')]);
  });

  it('scaling and deleting deployments changes who answers', async () => {
    await kubectl.ok(['scale', 'deployment', 'reviews-v1', 'reviews-v2', '--replicas=0']);
    // Once the old pods are gone every answer comes from v3.
    const onlyV3 = async () => {
      for (let i = 0; i < 10; i++) if ((await page()).reviews !== 'v3') return false;
      return true;
    };
    const until = Date.now() + 15_000;
    while (!(await onlyV3()) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(await onlyV3()).toBe(true);
    await kubectl.ok(['delete', 'deployment', 'reviews-v3']);
    const gone = await eventually((p) => p.reviews === 'error');
    expect(gone.status).toBe(200);
    expect(gone.reviews).toBe('error');
  });
});
