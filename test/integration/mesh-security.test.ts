import { afterAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { createMesh } from '../../server/embedded/mesh/index.ts';
import { curl } from '../../server/embedded/workloads/index.ts';
import { SpanCollector, apply, bookinfoStore, manifest, podsFor, readPage, remove, tag } from '../helpers/mesh-fixtures.ts';

const clock = new ScaledClock(0.05);
const store = bookinfoStore(clock);
const apps = [...manifest('httpbin/httpbin.yaml'), ...manifest('sleep/sleep.yaml'), ...manifest('sleep/sleep-legacy.yaml')];
apply(store, apps.filter((o) => o.kind !== 'Deployment'));
podsFor(store, apps);
const spans = new SpanCollector();
const mesh = createMesh({ store, clock, spans });
afterAll(() => mesh.stop());

const sleep = { workload: 'sleep', namespace: 'default' };
const legacySleep = { workload: 'sleep', namespace: 'legacy' };
const headersUrl = 'http://httpbin.default:8000/headers';

describe('mutual TLS', () => {
  it('PERMISSIVE: the sidecar client talks mTLS (XFCC shows its identity), the legacy client plain text', async () => {
    const inMesh = await curl(mesh, sleep, headersUrl);
    expect(inMesh.exitCode).toBe(0);
    expect(inMesh.status).toBe(200);
    expect(JSON.parse(inMesh.body).headers['X-Forwarded-Client-Cert'][0]).toContain('URI=spiffe://cluster.local/ns/default/sa/sleep');
    const legacy = await curl(mesh, legacySleep, headersUrl);
    expect(legacy.status).toBe(200);
    expect(JSON.parse(legacy.body).headers['X-Forwarded-Client-Cert']).toBeUndefined();
  });

  it('STRICT: the client without a sidecar has its connection reset; the sidecar client is fine', async () => {
    apply(store, manifest('security/peer-authentication-strict.yaml'));
    const legacy = await curl(mesh, legacySleep, headersUrl);
    expect(legacy.exitCode).toBe(56);
    expect(legacy.status).toBe(0);
    expect(legacy.stderr).toBe('curl: (56) Recv failure: Connection reset by peer');
    expect((await curl(mesh, sleep, headersUrl)).status).toBe(200);
    // The page still works: every hop is sidecar to sidecar.
    expect(readPage((await mesh.request('ingress', { url: '/productpage' })).body).details).toBe(true);
  });

  it('STRICT plus a DestinationRule that disables TLS: the client sidecar answers 503 (UC)', async () => {
    apply(store, [{ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'httpbin' }, spec: { host: 'httpbin', trafficPolicy: { tls: { mode: 'DISABLE' } } } }]);
    const res = await curl(mesh, sleep, headersUrl);
    expect(res.status).toBe(503);
    expect(res.body).toBe('upstream connect error or disconnect/reset before headers. reset reason: connection termination');
    expect(tag(spans.spans.filter((s) => s.serviceName === 'sleep.default').at(-1)!, 'response_flags')).toBe('UC');
    remove(store, [{ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'httpbin' } }]);
  });

  it('a workload-level PERMISSIVE policy overrides the namespace STRICT one', async () => {
    apply(store, [{ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'httpbin' }, spec: { selector: { matchLabels: { app: 'httpbin' } }, mtls: { mode: 'PERMISSIVE' } } }]);
    expect((await curl(mesh, legacySleep, headersUrl)).status).toBe(200);
    remove(store, [{ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'httpbin' } }]);
    apply(store, manifest('security/peer-authentication-permissive.yaml'));
    expect((await curl(mesh, legacySleep, headersUrl)).status).toBe(200);
  });
});

describe('authorization policies', () => {
  it('allow-nothing denies everything with 403 "RBAC: access denied"', async () => {
    apply(store, manifest('security/authorization-policy-deny-all.yaml'));
    const res = await mesh.request('ingress', { url: '/productpage' });
    expect(res.status).toBe(403);
    expect(res.body).toBe('RBAC: access denied');
  });

  it('productpage-viewer opens the page, but details and reviews stay closed', async () => {
    apply(store, manifest('security/authorization-policy-productpage-viewer.yaml'));
    const res = await mesh.request('ingress', { url: '/productpage' });
    expect(res.status).toBe(200);
    const p = readPage(res.body);
    expect(p.details).toBe(false);
    expect(p.reviews).toBe('error');
  });

  it('the viewer policies admit only the right service accounts', async () => {
    apply(store, manifest('security/authorization-policy-bookinfo-viewers.yaml'));
    let p = readPage((await mesh.request('ingress', { url: '/productpage' })).body);
    for (let i = 0; i < 10 && p.reviews === 'v1'; i++) p = readPage((await mesh.request('ingress', { url: '/productpage' })).body);
    expect(p.details).toBe(true);
    expect(['v2', 'v3']).toContain(p.reviews);
    // sleep is not productpage: details refuses it.
    const denied = await curl(mesh, sleep, 'http://details:9080/details/0');
    expect(denied.status).toBe(403);
    expect(denied.body).toBe('RBAC: access denied');
    remove(store, [...manifest('security/authorization-policy-bookinfo-viewers.yaml'), ...manifest('security/authorization-policy-productpage-viewer.yaml'), ...manifest('security/authorization-policy-deny-all.yaml')]);
    expect((await curl(mesh, sleep, 'http://details:9080/details/0')).status).toBe(200);
  });
});
