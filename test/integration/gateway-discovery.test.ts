import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/until.ts';
import { ScaledClock } from '../../server/clock.ts';
import { ClusterConnection } from '../../server/cluster/connection.ts';
import { INGRESS_GATEWAY, JAEGER_QUERY, LOCAL_URL_ANNOTATION, canConnect, findServiceAddress, type FoundAddress } from '../../server/cluster/service-address.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../server/embedded/cluster.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';
import { apply, manifest } from '../helpers/mesh-fixtures.ts';

/**
 * Finding the ingress gateway and Jaeger the way the talk does, each fallback for real:
 * annotation, load balancer, node port, and a client-node port-forward through the
 * embedded API's portforward subresource.
 */
describe('finding the gateway and Jaeger', () => {
  let cluster: EmbeddedCluster;
  let connection: ClusterConnection;
  const found: FoundAddress[] = [];

  /** Edits the Service in the store, as another controller (or a cloud) would. */
  function editService(name: string, edit: (svc: KubeObject) => void): void {
    const type = cluster.store.registry.mustGet('', 'services');
    const svc = structuredClone(cluster.store.get(type, 'istio-system', name)!);
    edit(svc);
    cluster.store.update(type, svc);
  }

  const remember = (a: FoundAddress) => (found.push(a), a);
  const onlyLoopback = (host: string, port: number) => (host === '127.0.0.1' ? canConnect(host, port) : Promise.resolve(false));

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ clock: new ScaledClock(0.05) });
    connection = new ClusterConnection({ mode: 'embedded', kubeconfigText: cluster.kubeconfig });
    apply(cluster.store, [...manifest('bookinfo/namespace.yaml'), ...manifest('bookinfo/bookinfo.yaml'), ...manifest('networking/bookinfo-gateway.yaml')]);
    await until(async () => {
      const res = await fetch(`${cluster.gatewayUrl}/productpage`).catch(() => undefined);
      return res?.status === 200 && (await res.text()).includes('Reviewer1');
    }, 'Bookinfo to come up behind the gateway within 30 s', 30_000);
  }, 60_000);
  afterAll(async () => {
    for (const a of found) a.close?.();
    await cluster?.stop();
  });

  const http2Of = () => cluster.store.get(cluster.store.registry.mustGet('', 'services'), 'istio-system', 'istio-ingressgateway')!.spec.ports.find((p: { name: string }) => p.name === 'http2');

  it('finds Jaeger by its local-url annotation, and the gateway at its load balancer IP and http2 port', async () => {
    expect(await findServiceAddress(connection, JAEGER_QUERY)).toEqual({ url: cluster.jaegerUrl, how: 'annotation' });
    const address = remember(await findServiceAddress(connection, INGRESS_GATEWAY));
    expect(address).toEqual({ url: `http://127.0.0.1:${http2Of().port}`, how: 'load-balancer' });
    expect(address.url).toBe(cluster.gatewayUrl);
    const page = await fetch(`${address.url}/productpage`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Simple Bookstore App</title>');
  });

  it('with no load balancer answering, a node port on the node', async () => {
    const { port, nodePort } = http2Of();
    const lbDown = (host: string, p: number) => (p === port ? Promise.resolve(false) : onlyLoopback(host, p));
    const address = remember(await findServiceAddress(connection, INGRESS_GATEWAY, lbDown));
    expect(address).toEqual({ url: `http://127.0.0.1:${nodePort}`, how: 'node-port' });
    expect((await fetch(`${address.url}/productpage`)).status).toBe(200);
  });

  it('with nothing reachable, a port-forward to the gateway pod carries the product page', async () => {
    const address = remember(await findServiceAddress(connection, INGRESS_GATEWAY, async () => false));
    expect(address.how).toBe('port-forward');
    expect(address.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (let i = 0; i < 3; i++) {
      const page = await fetch(`${address.url}/productpage`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<title>Simple Bookstore App</title>');
      expect(html).toContain('The Comedy of Errors');
    }
  });

  it('finds Jaeger the same way: a port-forward to the jaeger pod reaches the query API', async () => {
    editService('tracing', (svc) => delete svc.metadata.annotations![LOCAL_URL_ANNOTATION]);
    const address = remember(await findServiceAddress(connection, JAEGER_QUERY, async () => false));
    expect(address.how).toBe('port-forward');
    const services = await fetch(`${address.url}/api/services`);
    expect(services.status).toBe(200);
    const body = (await services.json()) as { data: string[] };
    expect(body.data).toContain('productpage.default');
  });
});
