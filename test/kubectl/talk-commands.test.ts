import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/until.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const m = (p: string) => join(ROOT, 'manifests', p);

/** The talk's kubectl commands, verbatim but for file paths, print what a real cluster prints. */
describe('the talk, through kubectl, on the embedded cluster', () => {
  const fixture = clusterWithKubectl(0.005);


  const sh = async (...args: string[]) => fixture.kubectl.ok(args);
  const waitFor = (check: () => Promise<boolean>, what: string, ms = 15_000) => until(check, what, ms, 150);

  it('kubectl get pods && kubectl get svc: an empty default namespace with the kubernetes service', async () => {
    const pods = await fixture.kubectl.run(['get', 'pods']);
    expect(pods.code).toBe(0);
    expect(pods.stderr + pods.stdout).toContain('No resources found in default namespace.');
    const svc = await sh('get', 'svc');
    expect(svc).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    expect(svc).toMatch(/kubernetes\s+ClusterIP/);
  });

  it('kubectl get svc -n istio-system / get pods -n istio-system: the control plane is running', async () => {
    const svc = await sh('get', 'svc', '-n', 'istio-system');
    expect(svc).toMatch(/istio-ingressgateway\s+LoadBalancer\s+\S+\s+127\.0\.0\.1\s+\d+:\d+\/TCP,\d+:\d+\/TCP,\d+:\d+\/TCP/);
    expect(svc).toMatch(/istiod\s+ClusterIP/);
    expect(svc).toMatch(/tracing\s+ClusterIP/);
    const pods = await sh('get', 'pods', '-n', 'istio-system');
    expect(pods).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    for (const name of ['istiod', 'istio-ingressgateway', 'jaeger']) expect(pods).toMatch(new RegExp(`${name}-\\S+\\s+1/1\\s+Running\\s+0`));
  });

  it('deploys Bookinfo with sidecars: pods come up 2/2 and the services exist', async () => {
    expect(await sh('label', 'namespace', 'default', 'istio-injection=enabled')).toContain('namespace/default labeled');
    const applied = await sh('apply', '-f', m('bookinfo/bookinfo.yaml'));
    for (const line of ['service/details created', 'deployment.apps/reviews-v3 created', 'serviceaccount/bookinfo-productpage created']) expect(applied).toContain(line);
    await waitFor(async () => {
      const out = await sh('get', 'pods', '--no-headers');
      const rows = out.trim().split('\n').filter(Boolean);
      return rows.length === 6 && rows.every((r) => /\s2\/2\s+Running\s/.test(r));
    }, 'six Bookinfo pods 2/2 Running');
    const out = await sh('get', 'services');
    for (const s of ['details', 'productpage', 'ratings', 'reviews']) expect(out).toMatch(new RegExp(`^${s}\\s+ClusterIP\\s+\\S+\\s+<none>\\s+9080/TCP`, 'm'));
  });

  it('applies the gateway and finds its URL with the talk\'s jsonpath lines', async () => {
    expect(await sh('apply', '-f', m('networking/bookinfo-gateway.yaml'))).toMatch(/gateway.networking.istio.io\/bookinfo-gateway created/);
    expect(await sh('get', 'gw')).toMatch(/^NAME\s+AGE\nbookinfo-gateway\s+\d+[smhd]/);
    // With the Gateway API's CRDs installed, `gateway` is its kind, as on a real cluster.
    expect((await fixture.kubectl.run(['get', 'gateway'])).stderr.trim()).toBe('No resources found in default namespace.');
    const host = await sh('-n', 'istio-system', 'get', 'service', 'istio-ingressgateway', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}');
    const port = await sh('-n', 'istio-system', 'get', 'service', 'istio-ingressgateway', '-o', 'jsonpath={.spec.ports[?(@.name=="http2")].port}');
    expect(host).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // Port 80 where this process may bind it, else the free port its load balancer took: either way it serves.
    const page = await fetch(`http://${host}:${port}/productpage`);
    expect(await page.text()).toContain('<title>Simple Bookstore App</title>');
  });

  it('applies each networking file and shows the rules back as YAML', async () => {
    expect(await sh('apply', '-f', m('networking/destination-rule-all.yaml'))).toContain('destinationrule.networking.istio.io/reviews created');
    expect(await sh('apply', '-f', m('networking/virtual-service-all-v1.yaml'))).toContain('virtualservice.networking.istio.io/reviews created');
    const vs = await sh('get', 'virtualservices', '-o', 'yaml');
    expect(vs).toContain('kind: VirtualService');
    expect(vs).toContain('subset: v1');
    const dr = await sh('get', 'destinationrules', '-o', 'yaml');
    expect(dr).toMatch(/name: v3\n\s+labels:|labels:\n\s+version: v3/);
    const table = await sh('get', 'vs');
    expect(table).toMatch(/^NAME\s+GATEWAYS\s+HOSTS\s+AGE/);
    expect(table).toMatch(/bookinfo\s+\["bookinfo-gateway"\]\s+\["\*"\]/);
    const drTable = await sh('get', 'dr');
    expect(drTable).toMatch(/^NAME\s+HOST\s+AGE\n/);
    expect(drTable).toMatch(/^reviews\s+reviews\s+(\d+[smhd])+$/m);
    expect(await sh('apply', '-f', m('networking/virtual-service-reviews-test-v2.yaml'))).toContain('virtualservice.networking.istio.io/reviews configured');
    const reviews = await sh('get', 'virtualservice', 'reviews', '-o', 'yaml');
    expect(reviews).toMatch(/end-user:\s+exact: jason/);
  });

  it('serves the product page through the gateway once the rules are in', async () => {
    const res = await fetch(`${fixture.cluster.gatewayUrl}/productpage`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<title>Simple Bookstore App</title>');
    expect(html).toContain('The Comedy of Errors');
  });
});
