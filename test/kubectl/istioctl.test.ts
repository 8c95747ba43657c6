import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { REPO, makeIstioctl } from '../helpers/istioctl.ts';

/** What a command prints, one line each. */
const lines = (...l: string[]) => l.map((x) => `${x}\n`).join('');

/** The project's istioctl as the talk and istio.io's pages run it, next to the real kubectl. */
describe('istioctl on the embedded cluster', () => {
  const fixture = clusterWithKubectl(0.02);
  let t: ReturnType<typeof makeIstioctl>;

  beforeAll(async () => {
    t = makeIstioctl(fixture.cluster.kubeconfig);
    // The talk's line: manual injection, in a namespace the webhook does not inject.
    const applied = await t.bash('kubectl apply -f <(istioctl kube-inject -f manifests/bookinfo/bookinfo.yaml)');
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('deployment.apps/productpage-v1 created');
    await fixture.kubectl.ok(['wait', '--for=condition=Available', 'deployment', '--all', '--timeout=60s'], { timeoutMs: 70_000 });
  }, 120_000);
  afterAll(() => t?.cleanup());

  const applyManifests = (...paths: string[]) => fixture.kubectl.ok(['apply', ...paths.flatMap((p) => ['-f', join(REPO, 'manifests', p)])]);
  const podOf = async (app: string, ns = 'default') => (await fixture.kubectl.ok(['get', 'pod', '-n', ns, '-l', app, '-o', 'jsonpath={.items[0].metadata.name}'])).trim();

  it('kube-inject gives every Bookinfo pod one sidecar, and the webhook adds none on top', async () => {
    const pods = await fixture.kubectl.ok(['get', 'pods', '--no-headers']);
    expect(pods.trim().split('\n')).toHaveLength(6);
    for (const line of pods.trim().split('\n')) expect(line).toMatch(/^\S+\s+2\/2\s+Running\s+0\s/);
    // With injection also on for the namespace, a re-created pod still has one istio-proxy.
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    await fixture.kubectl.ok(['delete', 'pod', '-l', 'app=ratings', '--wait=false']);
    await fixture.kubectl.ok(['wait', '--for=condition=Available', 'deployment/ratings-v1', '--timeout=60s'], { timeoutMs: 70_000 });
    const containers = await fixture.kubectl.ok(['get', 'pod', '-l', 'app=ratings', '-o', 'jsonpath={range .items[*]}{.spec.containers[*].name}|{.spec.initContainers[*].name}{"\\n"}{end}']);
    for (const line of containers.trim().split('\n')) expect(line).toBe('ratings istio-proxy|istio-init');
  }, 90_000);

  it('kube-inject reads stdin, leaves non-workloads alone and keeps a pod that opts out', async () => {
    const input = ['apiVersion: v1', 'kind: Service', 'metadata: {name: a}', 'spec: {ports: [{port: 80}]}', '---', 'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: b', '  annotations: {sidecar.istio.io/inject: "false"}', 'spec: {containers: [{name: c, image: curl}]}', '---', 'apiVersion: v1', 'kind: Pod', 'metadata: {name: d}', 'spec: {containers: [{name: c, image: curl}]}', ''].join('\n');
    const r = await t.istioctl(['kube-inject', '-f', '-'], { input });
    expect(r.code).toBe(0);
    const docs = r.stdout.split(/^---$/m);
    expect(docs).toHaveLength(3);
    expect(docs[0]).not.toContain('istio-proxy');
    expect(docs[1]).not.toContain('istio-proxy');
    expect(docs[2]).toContain('name: istio-proxy');
    expect(docs[2]).toContain('sidecar.istio.io/status');
    const missing = await t.istioctl(['kube-inject', '-f', 'no-such.yaml']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe('Error: open no-such.yaml: no such file or directory\n');
  });

  it('version prints the client, the control plane and the data plane with its proxy count', async () => {
    const pods = await fixture.kubectl.ok(['get', 'pods', '-A', '-o', 'jsonpath={range .items[*]}{.spec.containers[*].name}{"\\n"}{end}']);
    const proxies = pods.split('\n').filter((l) => l.split(' ').includes('istio-proxy')).length;
    const r = await t.istioctl(['version']);
    expect(r).toEqual({ code: 0, stderr: '', stdout: `client version: 1.28.0\ncontrol plane version: 1.28.0\ndata plane version: 1.28.0 (${proxies} proxies)\n` });
    expect((await t.istioctl(['version', '--remote=false'])).stdout).toBe('client version: 1.28.0\n');
  });

  it('help, and one line for what it does not run', async () => {
    const help = await t.istioctl(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['analyze', 'kube-inject', 'proxy-config', 'proxy-status', 'waypoint', 'dashboard', 'install', 'version']) expect(help.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect((await t.istioctl(['analyze', '-h'])).stdout).toContain('-A, --all-namespaces');
    for (const args of [['tag', 'list'], ['frobnicate'], ['proxy-config', 'rbac', 'x']]) {
      const r = await t.istioctl(args);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/not supported/);
    }
  });

  it('analyze: clean Bookinfo, then IST0101 for a missing gateway, host and subset, exit 79', async () => {
    await fixture.kubectl.ok(['label', '--overwrite', 'namespace', 'default', 'istio-injection=enabled']);
    await applyManifests('networking/bookinfo-gateway.yaml', 'networking/destination-rule-all.yaml');
    expect(await t.istioctl(['analyze'])).toEqual({ code: 0, stdout: '', stderr: '\u2714 No validation issues found when analyzing namespace: default.\n' });
    const broken = [
      'apiVersion: networking.istio.io/v1', 'kind: VirtualService', 'metadata: {name: broken}', 'spec:', '  hosts: [reviews]', '  gateways: [nope-gateway]',
      '  http:', '  - route:', '    - destination: {host: reviews, subset: v9}', '      weight: 50', '    - destination: {host: nowhere}', '      weight: 50', '',
    ].join('\n');
    await fixture.kubectl.ok(['apply', '-f', '-'], { input: broken });
    const r = await t.istioctl(['analyze']);
    expect(r.code).toBe(79);
    expect(r.stdout).toBe(lines(
      'Error [IST0101] (VirtualService default/broken) Referenced gateway not found: "nope-gateway"',
      'Error [IST0101] (VirtualService default/broken) Referenced host not found: "nowhere"',
      'Error [IST0101] (VirtualService default/broken) Referenced host+subset in destinationrule not found: "reviews+v9"',
    ));
    expect(r.stderr).toBe('Error: Analyzers found issues when analyzing namespace: default.\nSee https://istio.io/v1.28/docs/reference/config/analysis for more information about causes and resolutions.\n');
    await fixture.kubectl.ok(['delete', 'virtualservice', 'broken']);
  });

  it('analyze: IST0102, IST0104, IST0106, IST0108 and IST0118, from the cluster and from files', async () => {
    await fixture.kubectl.ok(['create', 'namespace', 'plain']);
    const svc = ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: legacy', '  namespace: plain', '  annotations: {sidecar.istio.io/nonsense: "1"}', 'spec: {selector: {app: legacy}, ports: [{name: web, port: 80, targetPort: 8080}]}', ''].join('\n');
    await fixture.kubectl.ok(['apply', '-f', '-'], { input: svc });
    const r = await t.istioctl(['analyze', '-n', 'plain']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(lines(
      'Warning [IST0108] (Service plain/legacy) Unknown annotation: sidecar.istio.io/nonsense',
      "Info [IST0102] (Namespace plain) The namespace is not enabled for Istio injection. Run 'kubectl label namespace plain istio-injection=enabled' to enable it, or 'kubectl label namespace plain istio-injection=disabled' to explicitly mark it as not needing injection.",
      "Info [IST0118] (Service plain/legacy) Port name web (port: 80, targetPort: 8080) doesn't follow the naming convention of Istio port.",
    ));

    const dir = t.kubeconfigPath.replace(/kubeconfig$/, '');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}gw.yaml`, ['apiVersion: networking.istio.io/v1', 'kind: Gateway', 'metadata: {name: port80}', 'spec:', '  selector: {istio: ingressgateway}', '  servers:', '  - port: {number: 80, name: http, protocol: HTTP}', '    hosts: ["*"]', '---', 'apiVersion: networking.istio.io/v1', 'kind: VirtualService', 'metadata: {name: bad}', 'spec:', '  hosts: [reviews]', '  http:', '  - route:', '    - destination: {host: reviews}', '      weight: -5', ''].join('\n'));
    const files = await t.istioctl(['analyze', `${dir}gw.yaml`]);
    expect(files.code).toBe(79);
    expect(files.stdout).toMatch(new RegExp(`^Error \\[IST0106\\] \\(VirtualService default/bad ${dir}gw.yaml:10\\) Schema validation error: spec\\.http\\[0\\]\\.route\\[0\\]\\.weight: Invalid value: -5: weight -5 < 0$`, 'm'));
    expect(files.stdout).toContain(`Warning [IST0104] (Gateway default/port80 ${dir}gw.yaml:1) The gateway refers to a port that is not exposed on the workload (pod selector istio=ingressgateway; port 80)\n`);
    // Files alone: no cluster, so the Gateway's selector picks no pod.
    const offline = await t.istioctl(['analyze', '--use-kube=false', `${dir}gw.yaml`]);
    expect(offline.stdout).toContain(`Error [IST0101] (Gateway default/port80 ${dir}gw.yaml:1) Referenced selector not found: "istio=ingressgateway"\n`);
    const all = await t.istioctl(['analyze', '-A']);
    expect(all.stdout).toContain('Info [IST0102] (Namespace plain) ');
    expect(all.stdout).not.toMatch(/istio-system|kube-system/);
    // Nothing of the files was stored.
    expect((await fixture.kubectl.run(['get', 'gateway.networking.istio.io', 'port80'])).code).toBe(1);
  });

  it('proxy-status lists every proxy as synced with istiod', async () => {
    const r = await t.istioctl(['proxy-status']);
    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['NAME', 'CLUSTER', 'CDS', 'LDS', 'EDS', 'RDS', 'ECDS', 'ISTIOD', 'VERSION']);
    const productpage = await podOf('app=productpage');
    expect(rows.find((l) => l.startsWith(`${productpage}.default `))).toMatch(/\s+Kubernetes\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED\s+NOT SENT\s+istiod-\S+\s+1\.28\.0$/);
    expect(rows.some((l) => /^istio-ingressgateway-\S+\.istio-system /.test(l))).toBe(true);
  });

  it('proxy-config reads the sidecar\'s config_dump: routes follow a VirtualService, clusters its subsets, endpoints the pods', async () => {
    await applyManifests('networking/destination-rule-all.yaml', 'networking/virtual-service-reviews-80-20.yaml');
    const pod = await podOf('app=productpage');
    const routes = await t.istioctl(['proxy-config', 'routes', `${pod}.default`, '--name', '9080']);
    expect(routes.code).toBe(0);
    const reviews = routes.stdout.split('\n').find((l) => l.includes('reviews.default.svc.cluster.local:9080'))!;
    expect(reviews.split(/\s{2,}/)).toEqual(['9080', 'reviews.default.svc.cluster.local:9080', 'reviews, reviews.default + 1 more...', '/*', 'reviews.default']);
    const json = JSON.parse((await t.istioctl(['pc', 'routes', pod, '--name', '9080', '-o', 'json'])).stdout);
    const vh = json[0].virtual_hosts.find((v: any) => v.name === 'reviews.default.svc.cluster.local:9080');
    expect(vh.routes[0].route.weighted_clusters.clusters).toEqual([
      { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', weight: 80 },
      { name: 'outbound|9080|v2|reviews.default.svc.cluster.local', weight: 20 },
    ]);

    const clusters = await t.istioctl(['proxy-config', 'clusters', pod, '--fqdn', 'reviews.default.svc.cluster.local']);
    expect(clusters.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/).slice(0, 5))).toEqual([
      ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE'],
      ...['-', 'v1', 'v2', 'v3'].map((s) => ['reviews.default.svc.cluster.local', '9080', s, 'outbound', 'EDS']),
    ]);

    const ips = (await fixture.kubectl.ok(['get', 'pods', '-l', 'app=reviews', '-o', 'jsonpath={.items[*].status.podIP}'])).trim().split(' ').sort();
    const eps = await t.istioctl(['proxy-config', 'endpoints', pod, '--cluster', 'outbound|9080||reviews.default.svc.cluster.local']);
    const rows = eps.stdout.trim().split('\n');
    expect(rows[0].split(/\s{2,}/)).toEqual(['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER']);
    expect(rows.slice(1).map((l) => l.split(/\s+/)[0]).sort()).toEqual(ips.map((ip) => `${ip}:9080`).sort());
    for (const l of rows.slice(1)) expect(l).toMatch(/HEALTHY\s+OK\s+outbound\|9080\|\|reviews/);

    const listeners = await t.istioctl(['proxy-config', 'listeners', pod]);
    expect(listeners.stdout).toMatch(/^0\.0\.0\.0\s+9080\s+Trans: raw_buffer; App: http\/1\.1,h2c\s+Route: 9080$/m);
    const secrets = (await t.istioctl(['proxy-config', 'secret', pod])).stdout.trim().split('\n').map((l) => l.split(/\s{2,}/).slice(0, 3));
    expect(secrets).toEqual([['RESOURCE NAME', 'TYPE', 'STATUS'], ['default', 'Cert Chain', 'ACTIVE'], ['ROOTCA', 'CA', 'ACTIVE']]);
    const bootstrap = JSON.parse((await t.istioctl(['proxy-config', 'bootstrap', pod])).stdout);
    expect(bootstrap.bootstrap.node.id).toMatch(new RegExp(`^sidecar~[\\d.]+~${pod}\\.default~default\\.svc\\.cluster\\.local$`));
  });

  it('proxy-config routes of the ingress gateway shows the Gateway\'s VirtualService', async () => {
    await applyManifests('networking/bookinfo-gateway.yaml');
    const gw = await podOf('istio=ingressgateway', 'istio-system');
    const r = await t.istioctl(['proxy-config', 'routes', '-n', 'istio-system', gw]);
    expect(r.stdout).toMatch(/^http\.8080\s+\*:80\s+\*\s+\/productpage\s+bookinfo\.default$/m);
    const missing = await t.istioctl(['proxy-config', 'routes', 'nope']);
    expect(missing).toMatchObject({ code: 1, stderr: 'Error: pods "nope" not found\n' });
  });

  it('pilot-agent request answers as Envoy\'s admin API: config_dump, clusters, server_info, logging', async () => {
    const exec = (path: string, method = 'GET') => fixture.kubectl.run(['exec', 'deploy/productpage-v1', '-c', 'istio-proxy', '--', 'pilot-agent', 'request', method, path]);
    const dump = JSON.parse((await exec('config_dump')).stdout);
    expect(dump.configs.map((c: any) => c['@type'].split('.').pop())).toEqual(['BootstrapConfigDump', 'ClustersConfigDump', 'ListenersConfigDump', 'ScopedRoutesConfigDump', 'RoutesConfigDump', 'SecretsConfigDump']);
    const clusters = (await exec('clusters')).stdout;
    expect(clusters).toMatch(/^outbound\|9080\|v1\|reviews\.default\.svc\.cluster\.local::[\d.]+:9080::health_flags::healthy$/m);
    expect(JSON.parse((await exec('server_info')).stdout).state).toBe('LIVE');
    const logging = await exec('logging?rbac=debug', 'POST');
    expect(logging.code).toBe(0);
    expect(logging.stdout).toMatch(/^active loggers:\n/);
    expect(logging.stdout).toContain('\n  rbac: debug\n');
    expect(logging.stdout).toContain('\n  http: warning\n');
    const bad = await exec('logging?rbac=loud', 'POST');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('error: unknown logger level');
  });

  it('dashboard port-forwards to Jaeger and prints its URL; a missing add-on is named', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn('bin/istioctl', ['dashboard', 'jaeger', '--port', '0', '--browser=false'], { env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /^http:\/\/localhost:\d+/m.exec(out);
          if (m) resolve(m[0]);
        });
        child.once('exit', (code) => reject(new Error(`istioctl dashboard exited ${code}`)));
      });
      const res = await fetch(`${url}/api/services`.replace('localhost', '127.0.0.1'), { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toHaveProperty('data');
    } finally {
      child.kill('SIGTERM');
    }
    const kiali = await t.istioctl(['dashboard', 'kiali']);
    expect(kiali).toMatchObject({ code: 1, stdout: '' });
    expect(kiali.stderr).toBe("Error: no Kiali pods found in namespace istio-system: the kiali add-on is not installed (Istio's samples/addons/kiali.yaml installs it)\n");
  });

  it('x precheck finds no issues', async () => {
    const r = await t.istioctl(['x', 'precheck']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\u2714 No issues found when checking the cluster\. Istio is safe to install or upgrade!\n/);
  });
});

describe('the PATH line npm start and npm run cluster print', () => {
  it('puts this istioctl first on PATH when typed in the repository', async () => {
    const { istioctlPathLine } = await import('../../server/istioctl-path.ts');
    const { REPO } = await import('../helpers/istioctl.ts');
    const line = istioctlPathLine(REPO);
    expect(line).toBe('export PATH=$PWD/bin:$PATH');
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync('bash', ['-c', `${line} && command -v istioctl && istioctl version --remote=false`], { cwd: REPO, encoding: 'utf8' });
    expect(out).toBe(`${REPO}/bin/istioctl\nclient version: 1.28.0\n`);
    expect(istioctlPathLine('/')).toBe(`export PATH=${REPO}/bin:$PATH`);
  });
});
