import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/until.ts';
import { deckWithKubectl, TestSocket, wsUrl } from '../helpers/deck.ts';
import type { PodSummary, ResourcesSnapshot } from '../../server/protocol.ts';

const POD = (name: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: istio-system
  labels: {app: extra}
spec:
  containers:
  - name: app
    image: busybox
`;

const VS = (name: string, extra = '') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
spec:
  hosts: [${name}]
  http:
  - route:
    - destination:
        host: ${name}${extra}
`;

describe('deck server on the embedded cluster', () => {
  const fixture = deckWithKubectl();


  const post = (path: string, body: string, token?: string) =>
    fetch(`${fixture.deck.base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/yaml', ...(token ? { authorization: `Bearer ${token}` } : {}) } });

  it('writes kubeconfig and endpoints.json readable by the user only', () => {
    const endpoints = JSON.parse(readFileSync(join(fixture.deck.stateDir, 'endpoints.json'), 'utf8'));
    for (const key of ['deck', 'presenter', 'apiServer', 'kubeconfig', 'gateway', 'jaeger']) expect(endpoints[key], key).toBeTruthy();
    expect(endpoints.presenter).toContain(fixture.deck.token);
    expect(endpoints.apiServer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    for (const f of ['endpoints.json', 'kubeconfig']) expect(statSync(join(fixture.deck.stateDir, f)).mode & 0o077).toBe(0);
  });

  it('reports the embedded cluster as connected', async () => {
    const health = await until(async () => {
      const h = await (await fetch(`${fixture.deck.base}/api/health`)).json();
      return h.connected && h;
    }, 'health to say connected', 5000);
    expect(health).toMatchObject({ mode: 'embedded', connected: true, istio: true });
    expect(health.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Its clock runs 100x faster (scale 0.01), so it is already ahead of this one: ages count from it.
    expect(health.clock.scale).toBe(0.01);
    expect(health.clock.nowMs).toBeGreaterThan(Date.now());
  });

  it('streams istio-system pods, and a pod added or deleted with kubectl shows up as a change', async () => {
    const sock = new TestSocket(wsUrl(fixture.deck.base));
    await sock.opened;
    sock.send({ type: 'subscribe', topic: 'resources/Pod/istio-system' });
    const snap = (await sock.waitFor((m) => m.type === 'snapshot')) as any;
    const names = (snap.data as ResourcesSnapshot).items.map((p) => p.name);
    expect(names.some((n) => n.startsWith('istiod-'))).toBe(true);
    expect(names.some((n) => n.startsWith('istio-ingressgateway-'))).toBe(true);
    const istiod = (snap.data as ResourcesSnapshot).items.find((p) => p.name.startsWith('istiod-')) as PodSummary;
    expect(istiod).toMatchObject({ ready: '1/1', status: 'Running', restarts: 0 });

    await fixture.kubectl.ok(['apply', '-f', '-'], { input: POD('extra') });
    const added = (await sock.waitFor((m) => m.type === 'change' && (m.data as any).item?.name === 'extra', 2000)) as any;
    expect(added.seq).toBeGreaterThan(snap.seq);
    await fixture.kubectl.ok(['delete', 'pod', 'extra', '-n', 'istio-system', '--wait=false']);
    await sock.waitFor((m) => m.type === 'change' && (m.data as any).op === 'delete' && (m.data as any).name === 'extra', 2000);
    sock.close();
  });

  it('resumes after a reconnect with only the changes that were missed', async () => {
    const first = new TestSocket(wsUrl(fixture.deck.base));
    await first.opened;
    first.send({ type: 'subscribe', topic: 'resources/Pod/istio-system' });
    const snap = await first.waitFor((m) => m.type === 'snapshot');
    first.close();
    await fixture.kubectl.ok(['apply', '-f', '-'], { input: POD('missed') });
    await new Promise((r) => setTimeout(r, 300));
    const second = new TestSocket(wsUrl(fixture.deck.base));
    await second.opened;
    second.send({ type: 'subscribe', topic: 'resources/Pod/istio-system', since: (snap as any).seq });
    const change = (await second.waitFor((m) => m.type === 'change' || m.type === 'snapshot')) as any;
    expect(change.type).toBe('change');
    expect(change.data.item.name).toBe('missed');
    expect(second.messages.filter((m) => m.type === 'snapshot')).toHaveLength(0);
    second.close();
    await fixture.kubectl.ok(['delete', 'pod', 'missed', '-n', 'istio-system', '--wait=false']);
  });

  it('refuses changes without the presenter token, and changes nothing', async () => {
    const none = await post('/api/apply', VS('guarded'));
    expect(none.status).toBe(401);
    const wrong = await post('/api/apply', VS('guarded'), 'not-the-token');
    expect(wrong.status).toBe(403);
    const got = await fixture.kubectl.run(['get', 'virtualservice', 'guarded']);
    expect(got.code).not.toBe(0);
    expect(got.stderr).toContain('not found');
  });

  it('applies multi-document YAML, then reports unchanged and configured with a diff', async () => {
    const created = await post('/api/apply', VS('ratings') + '---\n' + VS('details'), fixture.deck.token);
    expect(created.status).toBe(200);
    const body = await created.json();
    expect(body.results.map((r: any) => [r.name, r.result])).toEqual([['ratings', 'created'], ['details', 'created']]);
    expect((await fixture.kubectl.ok(['get', 'vs', 'ratings', '-o', 'jsonpath={.spec.hosts[0]}'])).trim()).toBe('ratings');

    const again = await (await post('/api/apply', VS('ratings'), fixture.deck.token)).json();
    expect(again.results[0]).toMatchObject({ result: 'unchanged', diff: '' });

    const changed = VS('ratings').replace('hosts: [ratings]', 'hosts: [ratings, ratings.default.svc.cluster.local]');
    const dry = await (await post('/api/apply?dryRun=1', changed, fixture.deck.token)).json();
    expect(dry.results[0].result).toBe('configured');
    expect(dry.results[0].diff).toContain('+    - ratings.default.svc.cluster.local');
    expect((await fixture.kubectl.ok(['get', 'vs', 'ratings', '-o', 'jsonpath={.spec.hosts}'])).includes('svc.cluster.local')).toBe(false);
  });

  it('applies nothing when one document is invalid, and names the document, line and field', async () => {
    const bad = VS('reviews') + '---\n' + VS('productpage').replace('        host: productpage\n', '        host: productpage\n      weight: -5\n');
    const res = await post('/api/apply', bad, fixture.deck.token);
    expect(res.status).toBe(422);
    const err = await res.json();
    expect(err.document).toBe(1);
    expect(err.field).toMatch(/weight/);
    expect(err.line).toBe(bad.split('\n').findIndex((l) => l.includes('weight: -5')) + 1);
    expect(err.error).toMatch(/document 2/);
    const got = await fixture.kubectl.run(['get', 'vs', 'reviews']);
    expect(got.code).not.toBe(0);
  });

  it('puts the marker of an error under a map key in brackets on that key\'s line', async () => {
    // The cause's field is spec.http[0].match[0].headers[end-user].exact: the bracketed header name is a map key.
    const bad = VS('reviews').replace('  - route:\n', '  - match:\n    - headers:\n        end-user:\n          exact: 7\n    route:\n');
    const res = await post('/api/apply', bad, fixture.deck.token);
    expect(res.status).toBe(422);
    const err = await res.json();
    expect(err.field).toBe('spec.http[0].match[0].headers[end-user].exact');
    expect(err.line).toBe(bad.split('\n').findIndex((l) => l.includes('exact: 7')) + 1);
  });

  it('points at the line of a YAML syntax error', async () => {
    const res = await post('/api/apply', 'apiVersion: v1\nkind: [unclosed\n', fixture.deck.token);
    expect(res.status).toBe(422);
    const err = await res.json();
    expect(err.line).toBeGreaterThanOrEqual(2);
    expect(err.error).toMatch(/YAML/);
  });

  it('refuses kinds and namespaces outside the allow-list', async () => {
    const secret = await post('/api/apply', 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: b}\n', fixture.deck.token);
    expect(secret.status).toBe(422);
    expect((await secret.json()).error).toMatch(/kind Secret is not one the deck may change/);
    const sys = await post('/api/apply', VS('x').replace('name: x', 'name: x\n  namespace: istio-system'), fixture.deck.token);
    expect((await sys.json()).error).toMatch(/namespace istio-system/);
  });

  it('lets only the presenter drive the slides, and the audience follows', async () => {
    const audience = new TestSocket(wsUrl(fixture.deck.base));
    const presenter = new TestSocket(wsUrl(fixture.deck.base, `?token=${fixture.deck.token}`));
    await Promise.all([audience.opened, presenter.opened]);
    expect((await presenter.waitFor((m) => m.type === 'hello')) as any).toMatchObject({ role: 'presenter' });
    expect((await audience.waitFor((m) => m.type === 'hello')) as any).toMatchObject({ role: 'audience' });
    audience.send({ type: 'subscribe', topic: 'presenter' });
    await audience.waitFor((m) => m.type === 'snapshot');
    audience.send({ type: 'presenter-position', position: { h: 9, v: 0 } });
    await audience.waitFor((m) => m.type === 'error' && /presenter/.test((m as any).message));
    presenter.send({ type: 'presenter-position', position: { h: 3, v: 0, slideId: '03-istio' } });
    const moved = (await audience.waitFor((m) => m.type === 'change')) as any;
    expect(moved.data).toMatchObject({ h: 3, slideId: '03-istio' });
    audience.close();
    presenter.close();
  });

  it('refuses a WebSocket from another origin and a wrong token', async () => {
    const foreign = new TestSocket(wsUrl(fixture.deck.base), { origin: 'http://evil.example' });
    await expect(foreign.opened).rejects.toThrow(/403/);
    const wrong = new TestSocket(wsUrl(fixture.deck.base, '?token=nope'));
    await expect(wrong.opened).rejects.toThrow(/403/);
  });

  it('answers malformed and oversized messages with an error, not a crash', async () => {
    const sock = new TestSocket(wsUrl(fixture.deck.base));
    await sock.opened;
    sock.ws.send('not json');
    await sock.waitFor((m) => m.type === 'error' && /not JSON/.test((m as any).message));
    sock.send({ type: 'subscribe', topic: 'resources/Secret/default' });
    await sock.waitFor((m) => m.type === 'error' && /unknown topic/.test((m as any).message));
    const closed = new Promise<number>((r) => sock.ws.once('close', (code) => r(code)));
    sock.ws.send('x'.repeat(70 * 1024));
    expect(await closed).toBe(1009);
  });

  it('fans one applied change out to 200 viewers', async () => {
    const viewers = Array.from({ length: 200 }, () => new TestSocket(wsUrl(fixture.deck.base)));
    await Promise.all(viewers.map((v) => v.opened));
    for (const v of viewers) v.send({ type: 'subscribe', topic: 'resources/VirtualService/default' });
    await Promise.all(viewers.map((v) => v.waitFor((m) => m.type === 'snapshot', 10_000)));
    const res = await post('/api/apply', VS('fanout'), fixture.deck.token);
    expect(res.status).toBe(200);
    const seen = await Promise.all(viewers.map((v) => v.waitFor((m) => m.type === 'change' && (m.data as any).item?.name === 'fanout', 10_000)));
    expect(seen).toHaveLength(200);
    for (const v of viewers) v.close();
  });

  it('loses no update when the embedded API restarts in the middle of a watch', async () => {
    const sock = new TestSocket(wsUrl(fixture.deck.base));
    await sock.opened;
    sock.send({ type: 'subscribe', topic: 'resources/VirtualService/default' });
    await sock.waitFor((m) => m.type === 'snapshot');
    const restart = fixture.deck.embedded!.restartApiServer(300);
    // Written straight into the store while the API is down: only a resumed watch can see it.
    const store = fixture.deck.embedded!.store;
    const type = store.registry.mustGet('networking.istio.io', 'virtualservices');
    store.create(type, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'during-outage', namespace: 'default' }, spec: { hosts: ['x'], http: [{ route: [{ destination: { host: 'x' } }] }] } });
    await restart;
    await sock.waitFor((m) => m.type === 'change' && (m.data as any).item?.name === 'during-outage', 15_000);
    sock.close();
  });

  it('resets the cluster to a scene: its routing and nothing else', async () => {
    writeFileSync(join(fixture.deck.stateDir, 'noop'), '');
    const res = await fetch(`${fixture.deck.base}/api/scene/all-v1`, { method: 'POST', headers: { authorization: `Bearer ${fixture.deck.token}` } });
    expect(res.status).toBe(200);
    const names = (await fixture.kubectl.ok(['get', 'vs', '-o', 'jsonpath={.items[*].metadata.name}'])).split(/\s+/).sort();
    expect(names).toEqual(['bookinfo', 'details', 'productpage', 'ratings', 'reviews']);
    const subset = await fixture.kubectl.ok(['get', 'vs', 'reviews', '-o', 'jsonpath={.spec.http[0].route[0].destination.subset}']);
    expect(subset).toBe('v1');
  });

  it('runs the talk\'s kubectl commands for the presenter only', async () => {
    const run = (command: string, token?: string) =>
      fetch(`${fixture.deck.base}/api/run`, { method: 'POST', body: JSON.stringify({ command }), headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    expect((await run('kubectl apply -f manifests/networking/virtual-service-reviews-v3.yaml')).status).toBe(401);
    const applied = await (await run('kubectl apply -f manifests/networking/virtual-service-reviews-v3.yaml', fixture.deck.token)).json();
    expect(applied).toMatchObject({ exitCode: 0 });
    expect(applied.output).toContain('virtualservice.networking.istio.io/reviews configured');
    const yaml = await (await run('kubectl get virtualservice reviews -o yaml', fixture.deck.token)).json();
    expect(yaml.output).toMatch(/kind: VirtualService[\s\S]*subset: v3/);
    const outside = await (await run('kubectl apply -f /etc/passwd', fixture.deck.token)).json();
    expect(outside.exitCode).not.toBe(0);
    expect(outside.output).toMatch(/only files under manifests\//);
  });
});
