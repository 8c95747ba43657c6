import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');
const MANIFESTS = join(ROOT, 'manifests');

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any };

/** Every YAML file under manifests/, except the deck's own (written by the lead). */
function manifestFiles(dir = MANIFESTS): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'deck' && dir === MANIFESTS ? [] : manifestFiles(path);
    return /\.ya?ml$/.test(name) ? [relative(ROOT, path)] : [];
  });
}

function load(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(join(ROOT, file), 'utf8'));
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
  }
  return docs.map((d) => d.toJS()).filter((d) => d !== null) as Doc[];
}

const files = manifestFiles().filter((f) => f !== 'manifests/scenes.yaml');
const bookinfo = load('manifests/bookinfo/bookinfo.yaml');
const ofKind = (docs: Doc[], kind: string) => docs.filter((d) => d.kind === kind);
const one = (file: string, kind: string, name: string) => {
  const found = load(file).find((d) => d.kind === kind && d.metadata.name === name);
  if (!found) throw new Error(`${file} has no ${kind} ${name}`);
  return found;
};

describe('every manifest', () => {
  it('finds the manifests', () => {
    const expected = [
      'bookinfo/bookinfo.yaml',
      ...['bookinfo-gateway', 'destination-rule-all', 'destination-rule-all-mtls', 'destination-rule-reviews',
        'virtual-service-all-v1', 'virtual-service-reviews-test-v2', 'virtual-service-ratings-test-delay',
        'virtual-service-ratings-test-abort', 'virtual-service-reviews-50-v3', 'virtual-service-reviews-v3',
        'virtual-service-reviews-80-20', 'virtual-service-reviews-jason-v2-v3', 'virtual-service-reviews-timeout',
        'virtual-service-ratings-delay-2s', 'virtual-service-ratings-retries'].map((n) => `networking/${n}.yaml`),
      'httpbin/httpbin.yaml', 'httpbin/fortio.yaml', 'httpbin/destination-rule-httpbin-cb.yaml', 'sleep/sleep.yaml',
      'security/peer-authentication-strict.yaml', 'security/peer-authentication-permissive.yaml',
      'security/authorization-policy-deny-all.yaml', 'security/authorization-policy-productpage-viewer.yaml',
    ];
    for (const f of expected) expect(files).toContain(`manifests/${f}`);
  });

  it.each(files)('%s parses into named Kubernetes objects', (file) => {
    const docs = load(file);
    expect(docs.length).toBeGreaterThan(0);
    for (const d of docs) {
      expect(d.apiVersion, file).toMatch(/^(v1|apps\/v1|networking\.istio\.io\/v1|security\.istio\.io\/v1|gateway\.networking\.k8s\.io\/v1(beta1)?|apiextensions\.k8s\.io\/v1)$/);
      expect(d.kind, file).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(d.metadata.name, file).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
  });

  it('uses the current Istio API versions for every Istio object', () => {
    for (const file of files) {
      for (const d of load(file)) {
        if (['VirtualService', 'DestinationRule', 'Gateway'].includes(d.kind) && !d.apiVersion.startsWith('gateway.networking.k8s.io/')) expect(d.apiVersion, file).toBe('networking.istio.io/v1');
        if (['PeerAuthentication', 'AuthorizationPolicy'].includes(d.kind)) expect(d.apiVersion, file).toBe('security.istio.io/v1');
      }
    }
  });

  it('leaves the namespace to kubectl', () => {
    for (const file of files) {
      for (const d of load(file)) {
        expect(d.metadata.namespace, `${file} ${d.kind}/${d.metadata.name}`).toBeUndefined();
      }
    }
  });

  it('has no two objects of the same kind and name in one file', () => {
    for (const file of files) {
      const keys = load(file).map((d) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`);
      expect(new Set(keys).size, file).toBe(keys.length);
    }
  });
});

describe('Bookinfo', () => {
  const services = ofKind(bookinfo, 'Service');
  const deployments = ofKind(bookinfo, 'Deployment');
  const accounts = ofKind(bookinfo, 'ServiceAccount');

  it('has the four services on port 9080, selecting by app only', () => {
    expect(services.map((s) => s.metadata.name).sort()).toEqual(['details', 'productpage', 'ratings', 'reviews']);
    for (const s of services) {
      expect(s.metadata.labels).toEqual({ app: s.metadata.name, service: s.metadata.name });
      expect(s.spec.ports).toEqual([{ port: 9080, name: 'http' }]);
      expect(s.spec.selector).toEqual({ app: s.metadata.name });
    }
  });

  it('has a service account per service, labelled with its account', () => {
    expect(accounts.map((a) => a.metadata.name).sort()).toEqual(
      ['bookinfo-details', 'bookinfo-productpage', 'bookinfo-ratings', 'bookinfo-reviews']);
    for (const a of accounts) expect(a.metadata.labels).toEqual({ account: a.metadata.name.replace('bookinfo-', '') });
  });

  it('has six deployments with app and version labels that their selector matches', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      ['details-v1', 'productpage-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3']);
    for (const d of deployments) {
      const [app, version] = d.metadata.name.split('-');
      const labels = { app, version };
      expect(d.metadata.labels).toEqual(labels);
      expect(d.spec.template.metadata.labels).toEqual(labels);
      expect(d.spec.selector.matchLabels).toEqual(labels);
      const pod = d.spec.template.spec;
      expect(pod.serviceAccountName).toBe(`bookinfo-${app}`);
      expect(pod.containers[0].image).toBe(`docker.io/istio/examples-bookinfo-${app}-${version}:1.20.3`);
      expect(pod.containers[0].ports).toEqual([{ containerPort: 9080 }]);
    }
  });

  it('gives reviews a log directory and writable /tmp and wlp/output volumes', () => {
    for (const d of deployments.filter((x) => x.metadata.labels?.app === 'reviews')) {
      const pod = d.spec.template.spec;
      expect(pod.containers[0].env).toContainEqual({ name: 'LOG_DIR', value: '/tmp/logs' });
      const mounts = pod.containers[0].volumeMounts.map((m: any) => m.mountPath).sort();
      expect(mounts).toEqual(['/opt/ibm/wlp/output', '/tmp']);
      const volumes = pod.volumes.map((v: any) => v.name).sort();
      expect(volumes).toEqual(pod.containers[0].volumeMounts.map((m: any) => m.name).sort());
    }
  });
});

describe('the talk routing files', () => {
  const net = (name: string) => `manifests/networking/${name}.yaml`;

  it('gateway: port 8080 on the ingress gateway, productpage paths to productpage:9080', () => {
    const gw = one(net('bookinfo-gateway'), 'Gateway', 'bookinfo-gateway');
    expect(gw.spec.selector).toEqual({ istio: 'ingressgateway' });
    expect(gw.spec.servers).toEqual([{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }]);
    const vs = one(net('bookinfo-gateway'), 'VirtualService', 'bookinfo');
    expect(vs.spec.gateways).toEqual(['bookinfo-gateway']);
    expect(vs.spec.http[0].match).toContainEqual({ uri: { exact: '/productpage' } });
    expect(vs.spec.http[0].match).toContainEqual({ uri: { exact: '/login' } });
    expect(vs.spec.http[0].route).toEqual([{ destination: { host: 'productpage', port: { number: 9080 } } }]);
  });

  it('destination-rule-all names v1..v3 of reviews by version label', () => {
    const dr = one(net('destination-rule-all'), 'DestinationRule', 'reviews');
    expect(dr.spec.subsets).toEqual(['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })));
    const mtls = load(net('destination-rule-all-mtls'));
    expect(mtls.map((d) => d.spec.trafficPolicy.tls.mode)).toEqual(Array(4).fill('ISTIO_MUTUAL'));
  });

  it('all-v1 sends each of the four services to subset v1', () => {
    const docs = load(net('virtual-service-all-v1'));
    expect(docs.map((d) => d.metadata.name).sort()).toEqual(['details', 'productpage', 'ratings', 'reviews']);
    for (const d of docs) expect(d.spec.http).toEqual([{ route: [{ destination: { host: d.metadata.name, subset: 'v1' } }] }]);
  });

  it('reviews-test-v2 sends jason to v2 first, everyone else to v1', () => {
    const vs = one(net('virtual-service-reviews-test-v2'), 'VirtualService', 'reviews');
    expect(vs.spec.http[0].match).toEqual([{ headers: { 'end-user': { exact: 'jason' } } }]);
    expect(vs.spec.http[0].route[0].destination.subset).toBe('v2');
    expect(vs.spec.http[1]).toEqual({ route: [{ destination: { host: 'reviews', subset: 'v1' } }] });
  });

  it('the delay and abort faults hit only jason, 100 % of the time', () => {
    const delay = one(net('virtual-service-ratings-test-delay'), 'VirtualService', 'ratings');
    expect(delay.spec.http[0].match[0].headers['end-user'].exact).toBe('jason');
    expect(delay.spec.http[0].fault).toEqual({ delay: { percentage: { value: 100 }, fixedDelay: '7s' } });
    expect(delay.spec.http[1].fault).toBeUndefined();
    const abort = one(net('virtual-service-ratings-test-abort'), 'VirtualService', 'ratings');
    expect(abort.spec.http[0].fault).toEqual({ abort: { percentage: { value: 100 }, httpStatus: 500 } });
    expect(abort.spec.http[1].fault).toBeUndefined();
  });

  it('traffic shifting weights: 50/50 v1/v3, 80/20 v1/v2, then all v3', () => {
    const weights = (file: string) => one(net(file), 'VirtualService', 'reviews').spec.http[0].route
      .map((r: any) => [r.destination.subset, r.weight ?? 100]);
    expect(weights('virtual-service-reviews-50-v3')).toEqual([['v1', 50], ['v3', 50]]);
    expect(weights('virtual-service-reviews-80-20')).toEqual([['v1', 80], ['v2', 20]]);
    expect(weights('virtual-service-reviews-v3')).toEqual([['v3', 100]]);
  });

  it('the timeout fix: ratings slowed 2 s for all, reviews v2 capped at 0.5 s', () => {
    const ratings = one(net('virtual-service-ratings-delay-2s'), 'VirtualService', 'ratings');
    expect(ratings.spec.http[0].match).toBeUndefined();
    expect(ratings.spec.http[0].fault.delay).toEqual({ percentage: { value: 100 }, fixedDelay: '2s' });
    const reviews = one(net('virtual-service-reviews-timeout'), 'VirtualService', 'reviews');
    expect(reviews.spec.http).toEqual([{ route: [{ destination: { host: 'reviews', subset: 'v2' } }], timeout: '0.5s' }]);
  });

  it('load-balancing variants set one policy each on reviews', () => {
    const policy = (file: string) => one(net(file), 'DestinationRule', 'reviews').spec.trafficPolicy.loadBalancer;
    expect(policy('destination-rule-reviews')).toEqual({ simple: 'RANDOM' });
    expect(policy('destination-rule-reviews-least-request')).toEqual({ simple: 'LEAST_REQUEST' });
    expect(policy('destination-rule-reviews-round-robin')).toEqual({ simple: 'ROUND_ROBIN' });
    expect(policy('destination-rule-reviews-consistent-hash')).toEqual({ consistentHash: { httpHeaderName: 'end-user' } });
  });

  it('the circuit breaker allows one connection and one pending request', () => {
    const dr = one('manifests/httpbin/destination-rule-httpbin-cb.yaml', 'DestinationRule', 'httpbin');
    expect(dr.spec.trafficPolicy).toEqual({
      connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } },
      outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 100 },
    });
    const svc = one('manifests/httpbin/httpbin.yaml', 'Service', 'httpbin');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 8080 }]);
  });

  it('security: STRICT and PERMISSIVE mTLS, deny-all with an empty spec', () => {
    expect(one('manifests/security/peer-authentication-strict.yaml', 'PeerAuthentication', 'default').spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(one('manifests/security/peer-authentication-permissive.yaml', 'PeerAuthentication', 'default').spec).toEqual({ mtls: { mode: 'PERMISSIVE' } });
    expect(one('manifests/security/authorization-policy-deny-all.yaml', 'AuthorizationPolicy', 'allow-nothing').spec).toEqual({});
  });

  it('the legacy sleep client opts out of the sidecar; the other one does not', () => {
    const legacy = ofKind(load('manifests/sleep/sleep-legacy.yaml'), 'Deployment')[0];
    expect(legacy.metadata.name).toBe('sleep-legacy');
    expect(legacy.spec.template.metadata.annotations['sidecar.istio.io/inject']).toBe('false');
    const sleep = ofKind(load('manifests/sleep/sleep.yaml'), 'Deployment')[0];
    expect(sleep.spec.template.metadata.annotations?.['sidecar.istio.io/inject']).toBeUndefined();
  });
});
