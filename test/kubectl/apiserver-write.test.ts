import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until as poll } from '../helpers/until.ts';
import { invalid } from '../../server/embedded/apiserver/errors.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { makeKubectl } from '../helpers/kubectl.ts';

let api: TestApiServer;
let kubectl: ReturnType<typeof makeKubectl>;
let dir: string;

const t = (plural: string, group = '') => api.store.registry.mustGet(group, plural);
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const VS = (subset: string, weight = 100) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: ${subset}
      weight: ${weight}
`;

beforeAll(async () => {
  api = await startTestApiServer();
  kubectl = makeKubectl(api.kubeconfigPath);
  dir = mkdtempSync(join(tmpdir(), 'kubectl-write-'));
  // Stands in for Istio validation (owned elsewhere): shows how a 422 with causes reaches kubectl.
  api.store.addAdmissionHook((op, type, obj) => {
    if (type.kind !== 'VirtualService' || op === 'DELETE') return;
    const causes = ((obj.spec?.http ?? []) as any[]).flatMap((h, i) =>
      ((h.route ?? []) as any[]).flatMap((r, j) =>
        r.weight > 100 ? [{ field: `spec.http[${i}].route[${j}].weight`, message: `Invalid value: ${r.weight}: weight must be an integer between 0 and 100` }] : [],
      ),
    );
    if (causes.length) throw invalid(type, obj.metadata.name, causes);
  });
});

afterAll(async () => {
  kubectl?.cleanup();
  await api?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kubectl writes against the embedded API', () => {
  it('runs the generator commands that send protobuf bodies', async () => {
    expect(await kubectl.ok(['create', 'namespace', 'bookinfo'])).toBe('namespace/bookinfo created\n');
    expect(await kubectl.ok(['create', 'configmap', 'settings', '--from-literal=color=blue', '--from-literal=size=L'])).toBe('configmap/settings created\n');
    expect(await kubectl.ok(['create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret'])).toBe('secret/creds created\n');
    expect(await kubectl.ok(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2', '--port=8080'])).toBe('deployment.apps/web created\n');

    expect(api.store.get(t('namespaces'), undefined, 'bookinfo')).toBeDefined();
    expect(api.store.get(t('configmaps'), 'default', 'settings')!.data).toEqual({ color: 'blue', size: 'L' });
    const secret = api.store.get(t('secrets'), 'default', 'creds')!;
    expect(Buffer.from(secret.data.password, 'base64').toString()).toBe('s3cret');
    expect(secret.type).toBe('Opaque');
    const web = api.store.get(t('deployments', 'apps'), 'default', 'web')!;
    expect(web.spec.replicas).toBe(2);
    expect(web.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(web.spec.template.spec.containers).toMatchObject([{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 8080, protocol: 'TCP' }] }]);
    expect(web.metadata.managedFields).toMatchObject([{ manager: 'kubectl-create', operation: 'Update' }]);
  });

  it('scales a deployment through the scale subresource', async () => {
    expect(await kubectl.ok(['scale', 'deployment', 'web', '--replicas=5'])).toBe('deployment.apps/web scaled\n');
    expect(api.store.get(t('deployments', 'apps'), 'default', 'web')!.spec.replicas).toBe(5);
  });

  it('applies twice: configured when the file changed, unchanged when it did not', async () => {
    const path = file('vs.yaml', VS('v1'));
    expect(await kubectl.ok(['apply', '-f', path])).toBe('virtualservice.networking.istio.io/reviews created\n');
    writeFileSync(path, VS('v2'));
    expect(await kubectl.ok(['apply', '-f', path])).toBe('virtualservice.networking.istio.io/reviews configured\n');
    expect(await kubectl.ok(['apply', '-f', path])).toBe('virtualservice.networking.istio.io/reviews unchanged\n');
    const vs = api.store.get(t('virtualservices', 'networking.istio.io'), 'default', 'reviews')!;
    expect(vs.spec.http[0].route[0].destination.subset).toBe('v2');
    expect(vs.metadata.generation).toBe(2);
  });

  it('applies built-in kinds with kubectl strategic merge patches ($setElementOrder), keeping other fields', async () => {
    const pod = (image: string) => `apiVersion: v1
kind: Pod
metadata: {name: app, labels: {app: app}}
spec:
  containers:
  - name: app
    image: ${image}
    ports: [{containerPort: 80}]
  - name: sidecar
    image: busybox
`;
    const path = file('pod.yaml', pod('nginx:1.25'));
    await kubectl.ok(['apply', '-f', path]);
    writeFileSync(path, pod('nginx:1.26'));
    expect(await kubectl.ok(['apply', '-f', path])).toBe('pod/app configured\n');
    const stored = api.store.get(t('pods'), 'default', 'app')!;
    expect(stored.spec.containers.map((c: any) => [c.name, c.image])).toEqual([['app', 'nginx:1.26'], ['sidecar', 'busybox']]);
    expect(stored.spec.containers[0].ports).toEqual([{ containerPort: 80 }]);
    expect(JSON.stringify(stored)).not.toContain('$setElementOrder');
  });

  it('reports server-side apply conflicts like a real server, and --force-conflicts takes the field', async () => {
    const path = file('vs-ssa.yaml', VS('v3'));
    const r = await kubectl.run(['apply', '--server-side', '--field-manager=other-team', '-f', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply"');
    expect(r.stderr).toContain('.spec.http');
    expect(r.stderr).toContain('--force-conflicts');
    expect(await kubectl.ok(['apply', '--server-side', '--field-manager=other-team', '--force-conflicts', '-f', path])).toBe(
      'virtualservice.networking.istio.io/reviews serverside-applied\n',
    );
    const vs = api.store.get(t('virtualservices', 'networking.istio.io'), 'default', 'reviews')!;
    expect(vs.spec.http[0].route[0].destination.subset).toBe('v3');
    const managers = (vs.metadata.managedFields as any[]).map((m) => `${m.manager}/${m.operation}`);
    expect(managers).toContain('other-team/Apply');
  });

  it('creates with server-side apply (201) and leaves managed fields hidden unless asked', async () => {
    const path = file('dr.yaml', 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews}\nspec: {host: reviews}\n');
    expect(await kubectl.ok(['apply', '--server-side', '-f', path])).toBe('destinationrule.networking.istio.io/reviews serverside-applied\n');
    const yaml = await kubectl.ok(['get', 'dr', 'reviews', '-o', 'yaml', '--show-managed-fields']);
    expect(yaml).toContain('manager: kubectl');
    expect(yaml).toContain('operation: Apply');
    expect(yaml).toContain('f:host: {}');
  });

  it('rejects strategic merge patch on an Istio kind with kubectl\'s message', async () => {
    const r = await kubectl.run(['patch', 'vs', 'reviews', '-p', '{"spec":{"hosts":["ratings"]}}']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'error: application/strategic-merge-patch+json is not supported by networking.istio.io/v1, Kind=VirtualService: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    expect(await kubectl.ok(['patch', 'vs', 'reviews', '--type', 'merge', '-p', '{"spec":{"hosts":["ratings"]}}'])).toBe('virtualservice.networking.istio.io/reviews patched\n');
    expect(await kubectl.ok(['patch', 'vs', 'reviews', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/hosts/0","value":"reviews"}]'])).toBe('virtualservice.networking.istio.io/reviews patched\n');
    expect(await kubectl.ok(['get', 'vs', 'reviews', '-o', 'jsonpath={.spec.hosts}'])).toBe('["reviews"]');
  });

  it('prints 409 AlreadyExists and Conflict and 422 Invalid as kubectl does on a real cluster', async () => {
    const exists = await kubectl.run(['create', 'configmap', 'settings', '--from-literal=a=b']);
    expect(exists.stderr.trim()).toBe('error: failed to create configmap: configmaps "settings" already exists');
    const stale = file('stale.yaml', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', resourceVersion: '1' }, data: { a: 'b' } }));
    const conflict = await kubectl.run(['replace', '-f', stale]);
    expect(conflict.stderr.trim()).toBe(
      `Error from server (Conflict): error when replacing "${stale}": Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again`,
    );
    const bad = await kubectl.run(['apply', '-f', file('bad.yaml', VS('v1', 150))]);
    expect(bad.stderr.trim()).toBe('The VirtualService "reviews" is invalid: spec.http[0].route[0].weight: Invalid value: 150: weight must be an integer between 0 and 100');
    const missingNs = await kubectl.run(['create', 'configmap', 'x', '-n', 'nowhere']);
    expect(missingNs.stderr.trim()).toBe('error: failed to create configmap: namespaces "nowhere" not found');
  });

  it('dry-run=server runs the whole write and stores nothing', async () => {
    const rv = api.store.resourceVersion;
    const path = file('dry.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dry}\ndata: {a: "1"}\n');
    expect(await kubectl.ok(['apply', '--dry-run=server', '-f', path])).toBe('configmap/dry created (server dry run)\n');
    expect(await kubectl.ok(['create', '--dry-run=server', '-f', path])).toBe('configmap/dry created (server dry run)\n');
    expect(await kubectl.ok(['apply', '--server-side', '--dry-run=server', '-f', path])).toBe('configmap/dry serverside-applied (server dry run)\n');
    expect(await kubectl.ok(['delete', 'deployment', 'web', '--dry-run=server'])).toBe('deployment.apps "web" deleted (server dry run)\n');
    expect(await kubectl.ok(['scale', 'deployment', 'web', '--replicas=1', '--dry-run=server'])).toBe('deployment.apps/web scaled (server dry run)\n');
    expect(api.store.get(t('configmaps'), 'default', 'dry')).toBeUndefined();
    expect(api.store.get(t('deployments', 'apps'), 'default', 'web')!.spec.replicas).toBe(5);
    expect(api.store.resourceVersion).toBe(rv);
  });

  it('prints an added pod while kubectl get -w is running', async () => {
    api.store.create(t('pods'), { metadata: { name: 'reviews-v1-first', namespace: 'bookinfo' }, spec: { containers: [{ name: 'r', image: 'r' }] } });
    const child = spawn('kubectl', ['get', 'pods', '-w', '-n', 'bookinfo'], {
      env: { ...process.env, KUBECONFIG: api.kubeconfigPath, KUBECACHEDIR: join(dir, 'watch-cache'), HOME: dir },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      // The watch starts from the list's resourceVersion, so a pod created right after the
      // first row printed is replayed even if the watch request is still on its way.
      await until(() => out.includes('reviews-v1-first'));
      api.store.create(t('pods'), { metadata: { name: 'details-v1-abc', namespace: 'bookinfo' }, spec: { containers: [{ name: 'details', image: 'details' }] }, status: { phase: 'Pending' } });
      await until(() => /details-v1-abc\s+0\/1\s+Pending\s+0\s+\d+s/.test(out));
      expect(out).toMatch(/NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nreviews-v1-first\s+0\/1\s+Pending\s+0\s+\d+s\ndetails-v1-abc\s+0\/1\s+Pending/);
    } finally {
      child.kill();
    }
  });

  it('deletes a namespace together with everything in it', async () => {
    await kubectl.ok(['create', 'configmap', 'inside', '-n', 'bookinfo', '--from-literal=a=b']);
    expect(await kubectl.ok(['delete', 'namespace', 'bookinfo'])).toBe('namespace "bookinfo" deleted\n');
    expect(api.store.list(t('configmaps'), 'bookinfo')).toEqual([]);
    expect(api.store.list(t('pods'), 'bookinfo')).toEqual([]);
    const gone = await kubectl.run(['get', 'ns', 'bookinfo']);
    expect(gone.stderr.trim()).toBe('Error from server (NotFound): namespaces "bookinfo" not found');
  });
});

const until = (cond: () => boolean, timeoutMs = 10_000) => poll(cond, 'condition not met in time', timeoutMs, 20);
