import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { readPage } from '../helpers/mesh-fixtures.ts';
import { until } from '../helpers/until.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const m = (p: string) => join(ROOT, 'manifests', p);

/**
 * istio.io's getting started with the Gateway API, as typed there (file paths aside): the
 * GatewayClasses istiod made, Istio's automated deployment for the Bookinfo Gateway, its
 * status and `kubectl wait`, and the product page through it, from inside the mesh.
 */
describe('getting started with the Gateway API, through kubectl', () => {
  const fixture = clusterWithKubectl(0.005);
  const sh = (...args: string[]) => fixture.kubectl.ok(args);
  const waitFor = (check: () => Promise<boolean>, what: string, ms = 15_000) => until(check, what, ms, 150);
  const curl = (url: string, ...opts: string[]) => sh('exec', 'deploy/sleep', '-c', 'sleep', '--', 'curl', '-s', ...opts, url);

  it('lists the GatewayClasses istiod created, accepted', async () => {
    const out = await waitFor(async () => /istio\s+istio\.io\/gateway-controller\s+True/.test(await sh('get', 'gatewayclass')), 'the istio GatewayClass accepted').then(() => sh('get', 'gc'));
    expect(out).toMatch(/^NAME\s+CONTROLLER\s+ACCEPTED\s+AGE\n/);
    expect(out).toMatch(/^istio\s+istio\.io\/gateway-controller\s+True\s+\d+[smh]/m);
    expect(out).toMatch(/^istio-remote\s+istio\.io\/unmanaged-gateway\s+True/m);
    const wide = await sh('get', 'gc', 'istio', '-o', 'wide');
    expect(wide).toMatch(/DESCRIPTION\n.*The default Istio GatewayClass/);
  });

  it('adds istio-waypoint, for the mesh controller, once istiod runs with ambient enabled', async () => {
    expect(await sh('get', 'gc', '-o', 'name')).not.toContain('istio-waypoint');
    await sh('-n', 'istio-system', 'set', 'env', 'deploy/istiod', 'PILOT_ENABLE_AMBIENT=true');
    await waitFor(async () => /^istio-waypoint\s+istio\.io\/mesh-controller\s+True/m.test(await sh('get', 'gc')), 'the istio-waypoint GatewayClass accepted');
  });

  it('deploys Bookinfo and its Gateway API gateway: Deployment and Service bookinfo-gateway-istio', async () => {
    await sh('label', 'namespace', 'default', 'istio-injection=enabled');
    await sh('apply', '-f', m('bookinfo/bookinfo.yaml'));
    await sh('apply', '-f', m('sleep/sleep.yaml'));
    const applied = await sh('apply', '-f', m('bookinfo/gateway-api/bookinfo-gateway.yaml'));
    expect(applied).toContain('gateway.gateway.networking.k8s.io/bookinfo-gateway created');
    expect(applied).toContain('httproute.gateway.networking.k8s.io/bookinfo created');

    const waited = await fixture.kubectl.run(['wait', '--for=condition=programmed', 'gtw', 'bookinfo-gateway', '--timeout=20s']);
    expect(waited.stderr).toBe('');
    expect(waited.stdout).toBe('gateway.gateway.networking.k8s.io/bookinfo-gateway condition met\n');

    const svc = await sh('get', 'svc', 'bookinfo-gateway-istio');
    expect(svc).toMatch(/^bookinfo-gateway-istio\s+LoadBalancer\s+\S+\s+127\.0\.0\.1\s+\d+:\d+\/TCP,\d+:\d+\/TCP\s/m); // a test cluster binds free host ports, shown as the Service ports
    const deploy = JSON.parse(await sh('get', 'deploy', 'bookinfo-gateway-istio', '-o', 'json'));
    expect(deploy.metadata.ownerReferences).toEqual([expect.objectContaining({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: 'bookinfo-gateway', controller: true })]);
    expect(deploy.spec.template.metadata.labels).toMatchObject({ 'gateway.networking.k8s.io/gateway-name': 'bookinfo-gateway', 'sidecar.istio.io/inject': 'false' });
    await waitFor(async () => /^bookinfo-gateway-istio-\S+\s+1\/1\s+Running/m.test(await sh('get', 'pods')), 'the gateway pod 1/1 Running');
  });

  it("finds the gateway's address and port with the page's jsonpath lines", async () => {
    expect(await sh('get', 'gtw', 'bookinfo-gateway', '-o', 'jsonpath={.status.addresses[0].value}')).toBe('127.0.0.1');
    // Port 80 is not every user's to bind (a test cluster always takes a free one): the listener shows the port that serves, as its Service does.
    const port = await until(async () => {
      const p = await sh('get', 'gtw', 'bookinfo-gateway', '-o', 'jsonpath={.spec.listeners[?(@.name=="http")].port}');
      return p !== '80' && p;
    }, "the http listener showing its host port", 15_000, 150);
    expect(await sh('get', 'svc', 'bookinfo-gateway-istio', '-o', 'jsonpath={.spec.ports[?(@.name=="http")].port}')).toBe(port);
    const page = await fetch(`http://127.0.0.1:${port}/productpage`);
    expect(await page.text()).toContain('<title>Simple Bookstore App</title>');
    // Showing the host port is a change of spec: programmed again at the new generation.
    const gateway = await until(async () => {
      const g = JSON.parse(await sh('get', 'gtw', 'bookinfo-gateway', '-o', 'json'));
      return g.status.conditions.find((c: any) => c.type === 'Programmed')?.observedGeneration === g.metadata.generation && g;
    }, 'programmed at the latest generation', 15_000, 150);
    const status = gateway.status;
    const programmed = status.conditions.find((c: any) => c.type === 'Programmed');
    expect(programmed).toMatchObject({ status: 'True', reason: 'Programmed', message: 'Resource programmed, assigned to service(s) bookinfo-gateway-istio.default.svc.cluster.local:80' });
    expect(status.conditions.map((c: any) => c.type)).toEqual(['Accepted', 'Programmed', 'ResolvedRefs']);
    expect(status.listeners).toEqual([expect.objectContaining({ name: 'http', attachedRoutes: 1 })]);
  });

  it('shows the route accepted by its Gateway', async () => {
    const route = JSON.parse(await sh('get', 'httproute', 'bookinfo', '-o', 'json'));
    const parent = route.status.parents[0];
    expect(parent.controllerName).toBe('istio.io/gateway-controller');
    expect(parent.parentRef).toMatchObject({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'bookinfo-gateway' });
    expect(parent.conditions.map((c: any) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Accepted', 'True', 'Accepted', 'Route was valid'],
      ['ResolvedRefs', 'True', 'ResolvedRefs', 'All references resolved'],
      // istiod runs with ambient enabled here (the test before set it), so it reports waypoints too.
      ['ResolvedWaypoints', 'True', 'ResolvedWaypoints', 'All waypoints resolved'],
    ]);
    expect(await sh('get', 'httproute')).toMatch(/^NAME\s+HOSTNAMES\s+AGE\nbookinfo\s+\d+[smh]/);
  });

  it('serves the product page through bookinfo-gateway-istio from inside the mesh', async () => {
    await waitFor(async () => (await sh('get', 'pods', '--no-headers')).trim().split('\n').filter((r) => /\s2\/2\s+Running\s/.test(r)).length === 7, 'Bookinfo and sleep 2/2 Running', 20_000);
    const title = await curl('http://bookinfo-gateway-istio.default/productpage');
    expect(title).toContain('<title>Simple Bookstore App</title>');
    // Not a path the route names: the gateway's 404, not the app's.
    expect(await curl('http://bookinfo-gateway-istio.default/ratings/0', '-o', '/dev/null', '-w', '%{http_code}')).toBe('404');
  });

  // Typed as the page has it: `gateway` is the Gateway API's kind, as on a cluster with both CRDs.
  it('after switching the Service to ClusterIP, kubectl get gateway shows its host name, programmed', async () => {
    expect(await sh('annotate', 'gateway', 'bookinfo-gateway', 'networking.istio.io/service-type=ClusterIP', '--namespace=default')).toContain('gateway.gateway.networking.k8s.io/bookinfo-gateway annotated');
    const row = await waitFor(async () => /bookinfo-gateway-istio\.default\.svc\.cluster\.local/.test(await sh('get', 'gtw')), 'the gateway addressed by host name').then(() => sh('get', 'gateway'));
    expect(row).toMatch(/^NAME\s+CLASS\s+ADDRESS\s+PROGRAMMED\s+AGE\nbookinfo-gateway\s+istio\s+bookinfo-gateway-istio\.default\.svc\.cluster\.local\s+True\s+\d+[smh]/);
    expect(await sh('get', 'svc', 'bookinfo-gateway-istio')).toMatch(/bookinfo-gateway-istio\s+ClusterIP\s+\S+\s+<none>\s+15021\/TCP,80\/TCP/);
    expect(readPage(await curl('http://bookinfo-gateway-istio.default/productpage')).details).toBe(true);
  });

  it('kubectl port-forward svc/bookinfo-gateway-istio reaches the product page through the gateway', async () => {
    // The page forwards 8080:80; any free local port here.
    const pf = await fixture.kubectl.portForward(['svc/bookinfo-gateway-istio', ':80']);
    try {
      const page = await fetch(`http://127.0.0.1:${pf.localPort}/productpage`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Simple Bookstore App</title>');
      expect((await fetch(`http://127.0.0.1:${pf.localPort}/nowhere`)).status).toBe(404);
    } finally {
      await pf.stop();
    }
  });

  it('the Istio API gateway answers from inside too, through its Gateway and VirtualService', async () => {
    await sh('apply', '-f', m('networking/bookinfo-gateway.yaml'));
    expect(await curl('http://istio-ingressgateway.istio-system/productpage')).toContain('<title>Simple Bookstore App</title>');
  });

  it('deleting the Gateway removes what was deployed for it', async () => {
    expect(await sh('delete', 'gtw', 'bookinfo-gateway')).toContain('gateway.gateway.networking.k8s.io "bookinfo-gateway" deleted');
    await waitFor(async () => !(await sh('get', 'deploy,svc', '-o', 'name')).includes('bookinfo-gateway-istio'), 'the gateway deployment and service gone');
  });
});
