import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { makeIstioctl } from '../helpers/istioctl.ts';

/**
 * istio.io's getting-started with the Istio APIs, each step typed as the page has it (the
 * samples' paths are this project's manifests), in bash with the project's istioctl first on
 * PATH and the real kubectl: what each step prints is what the page shows.
 */
describe("istio.io's getting-started, Istio API variant", () => {
  const fixture = clusterWithKubectl(0.02);
  let t: ReturnType<typeof makeIstioctl>;
  beforeAll(() => {
    t = makeIstioctl(fixture.cluster.kubeconfig);
  });
  afterAll(() => t?.cleanup());

  const sh = async (script: string, timeoutMs = 90_000) => {
    const r = await t.bash(`set -o pipefail\n${script}`, { timeoutMs });
    if (r.code !== 0) throw new Error(`${script}\nexit ${r.code}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };

  it('installs the demo profile and labels the namespace for injection', async () => {
    const installed = await sh('istioctl install --set profile=demo -y');
    expect(installed).toContain('Installation complete');
    expect(await sh('kubectl label namespace default istio-injection=enabled')).toBe('namespace/default labeled\n');
  }, 120_000);

  it('deploys Bookinfo with sidecars, and the product page answers from inside the mesh', async () => {
    const applied = await sh('kubectl apply -f manifests/bookinfo/bookinfo.yaml');
    expect(applied).toContain('service/productpage created');
    expect(applied).toContain('deployment.apps/reviews-v3 created');
    await sh('kubectl wait --for=condition=Available deployment --all --timeout=60s');
    const services = await sh('kubectl get services');
    for (const name of ['details', 'kubernetes', 'productpage', 'ratings', 'reviews']) expect(services).toMatch(new RegExp(`^${name}\\s+ClusterIP\\s`, 'm'));
    const pods = (await sh('kubectl get pods --no-headers')).trim().split('\n');
    expect(pods).toHaveLength(6);
    for (const line of pods) expect(line).toMatch(/^\S+\s+2\/2\s+Running\s+0\s/);
    const title = await sh(`kubectl exec "$(kubectl get pod -l app=ratings -o jsonpath='{.items[0].metadata.name}')" -c ratings -- curl -sS productpage:9080/productpage | grep -o "<title>.*</title>"`);
    expect(title).toBe('<title>Simple Bookstore App</title>\n');
  }, 120_000);

  it('opens the app to outside traffic: the gateway, a clean analyze, and the page at GATEWAY_URL', async () => {
    expect(await sh('kubectl apply -f manifests/networking/bookinfo-gateway.yaml')).toBe('gateway.networking.istio.io/bookinfo-gateway created\nvirtualservice.networking.istio.io/bookinfo created\n');
    expect(await sh('istioctl analyze 2>&1')).toBe('✔ No validation issues found when analyzing namespace: default.\n');
    const page = await sh(`export INGRESS_HOST=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
export INGRESS_PORT=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="http2")].port}')
export GATEWAY_URL=$INGRESS_HOST:$INGRESS_PORT
curl -s "http://\${GATEWAY_URL}/productpage" | grep -o "<title>.*</title>"`);
    expect(page).toBe('<title>Simple Bookstore App</title>\n');
  }, 60_000);

  it('applies the default destination rules and the routing tasks start from there', async () => {
    const applied = await sh('kubectl apply -f manifests/networking/destination-rule-all.yaml');
    expect(applied).toContain('destinationrule.networking.istio.io/reviews created');
    expect(await sh('kubectl get destinationrules')).toMatch(/^reviews\s+reviews\s+\d+[smh]/m);
  }, 60_000);
});
