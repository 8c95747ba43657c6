import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinValidationHook, istioValidationHook } from '../../server/embedded/apiserver/validation/index.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { WIDGET, registryWithWidget } from '../helpers/custom-kind.ts';
import { makeKubectl } from '../helpers/kubectl.ts';

let api: TestApiServer;
let kubectl: ReturnType<typeof makeKubectl>;
let dir: string;

const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const stored = (group: string, plural: string, name: string) => api.store.get(api.store.registry.mustGet(group, plural), 'default', name);

const deployment = (name: string, specExtra: string, containerExtra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
${specExtra}  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: nginx
${containerExtra}`;

const TYPO = '  replica: 2\n';
const MISPLACED = '        requests:\n          cpu: 10m\n';

beforeAll(async () => {
  api = await startTestApiServer({ registry: registryWithWidget() });
  api.store.addAdmissionHook(builtinValidationHook);
  api.store.addAdmissionHook(istioValidationHook);
  kubectl = makeKubectl(api.kubeconfigPath);
  dir = mkdtempSync(join(tmpdir(), 'field-validation-'));
});

afterAll(async () => {
  kubectl?.cleanup();
  await api?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kubectl apply --validate (fieldValidation) against the embedded API', () => {
  it('refuses unknown fields of a built-in kind by default (strict), naming each by its path', async () => {
    const path = file('strict.yaml', deployment('strict', TYPO, MISPLACED));
    const r = await kubectl.run(['apply', '-f', path]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `Error from server (BadRequest): error when creating "${path}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica", unknown field "spec.template.spec.containers[0].requests"`,
    );
    expect(stored('apps', 'deployments', 'strict')).toBeUndefined();
  });

  it('with --validate=warn creates the object, prints a warning per field and stores none of them', async () => {
    const r = await kubectl.run(['apply', '--validate=warn', '-f', file('warn.yaml', deployment('warn', TYPO, MISPLACED))]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('deployment.apps/warn created\n');
    expect(r.stderr).toBe('Warning: unknown field "spec.replica"\nWarning: unknown field "spec.template.spec.containers[0].requests"\n');
    const obj = stored('apps', 'deployments', 'warn')!;
    expect(obj.spec.replica).toBeUndefined();
    expect(obj.spec.template.spec.containers[0]).not.toHaveProperty('requests');
    expect(obj.spec.template.spec.containers[0].image).toBe('nginx');
  });

  it('with --validate=false drops the unknown fields silently', async () => {
    const r = await kubectl.run(['apply', '--validate=false', '-f', file('ignore.yaml', deployment('ignore', TYPO))]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(stored('apps', 'deployments', 'ignore')!.spec).not.toHaveProperty('replica');
  });

  it('refuses an update through client-side apply (a strategic merge patch) that adds an unknown field, leaving the object as it was', async () => {
    const path = file('update.yaml', deployment('update', '  replicas: 1\n'));
    expect((await kubectl.run(['apply', '-f', path])).code).toBe(0);
    const before = stored('apps', 'deployments', 'update');
    writeFileSync(path, deployment('update', '  replicas: 3\n  paused: false\n  pausd: true\n'));
    const r = await kubectl.run(['apply', '-f', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The request is invalid: patch: Invalid value: "map[');
    expect(r.stderr).toContain('spec:map[pausd:true paused:false replicas:3]]": strict decoding error: unknown field "spec.pausd"');
    expect(stored('apps', 'deployments', 'update')).toBe(before);
    const warned = await kubectl.run(['patch', 'deployment', 'update', '--type', 'merge', '-p', '{"spec":{"replicas":2,"pausd":true}}']);
    expect(warned.stderr).toBe('Warning: unknown field "spec.pausd"\n');
    expect(stored('apps', 'deployments', 'update')!.spec).toMatchObject({ replicas: 2 });
    expect(stored('apps', 'deployments', 'update')!.spec).not.toHaveProperty('pausd');
  });

  it('refuses a server-side apply whose configuration the schema cannot type, whatever --validate says', async () => {
    const path = file('ssa.yaml', deployment('ssa', TYPO, MISPLACED));
    const r = await kubectl.run(['apply', '--server-side', '--validate=false', '-f', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error from server (BadRequest): failed to create typed patch object (default/ssa; apps/v1, Kind=Deployment): errors:\n' +
        '  .spec.replica: field not declared in schema\n  .spec.template.spec.containers[name="web"].requests: field not declared in schema\n',
    );
    expect(stored('apps', 'deployments', 'ssa')).toBeUndefined();
    writeFileSync(path, deployment('ssa', '  replicas: 2\n'));
    expect((await kubectl.run(['apply', '--server-side', '-f', path])).stdout).toBe('deployment.apps/ssa serverside-applied\n');
  });

  it('reports duplicate fields of a raw JSON body, refused under Strict and warned about by default', async () => {
    const body = file('dup.json', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1","a":"2"},"immutable":false,"immutable":true}');
    const strict = await kubectl.run(['create', '--raw', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', '-f', body]);
    expect(strict.code).toBe(1);
    expect(strict.stderr.trim()).toBe('Error from server (BadRequest): ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "data.a", duplicate field "immutable"');
    const warn = await kubectl.run(['create', '--raw', '/api/v1/namespaces/default/configmaps', '-f', body]);
    expect(warn.code).toBe(0);
    expect(warn.stderr).toBe('Warning: duplicate field "data.a"\nWarning: duplicate field "immutable"\n');
    expect(stored('', 'configmaps', 'dup')).toMatchObject({ data: { a: '2' }, immutable: true });
  });

  it('refuses a fieldValidation value it does not know, as the apiserver does', async () => {
    const body = file('cm.json', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"}}');
    const r = await kubectl.run(['create', '--raw', '/api/v1/namespaces/default/configmaps?fieldValidation=strict', '-f', body]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('The CreateOptions "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"');
    expect(stored('', 'configmaps', 'cm')).toBeUndefined();
  });

  it("checks a CRD kind against its version's schema; a preserve-unknown-fields subtree takes anything", async () => {
    const widget = `apiVersion: ${WIDGET.group}/v1
kind: Widget
metadata:
  name: w1
spec:
  size: 1
  colour: red
  rules:
  - path: {type: Exact, value: /a, regex: x}
  labels: {team: a}
  extra: {anything: {goes: here}}
`;
    const path = file('widget.yaml', widget);
    const strict = await kubectl.run(['apply', '-f', path]);
    expect(strict.stderr.trim()).toBe(
      `Error from server (BadRequest): error when creating "${path}": Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.colour", unknown field "spec.rules[0].path.regex"`,
    );
    const warn = await kubectl.run(['apply', '--validate=warn', '-f', path]);
    expect(warn.stderr).toBe('Warning: unknown field "spec.colour"\nWarning: unknown field "spec.rules[0].path.regex"\n');
    expect(stored(WIDGET.group, 'widgets', 'w1')!.spec).toEqual({ size: 1, rules: [{ path: { type: 'Exact', value: '/a' } }], labels: { team: 'a' }, extra: { anything: { goes: 'here' } } });
  });

  it('refuses an update of a CRD kind through client-side apply (a merge patch), quoting the patched object', async () => {
    const path = file('w2.yaml', `apiVersion: ${WIDGET.group}/v1\nkind: Widget\nmetadata:\n  name: w2\nspec:\n  size: 1\n`);
    expect((await kubectl.run(['apply', '-f', path])).code).toBe(0);
    writeFileSync(path, `apiVersion: ${WIDGET.group}/v1\nkind: Widget\nmetadata:\n  name: w2\nspec:\n  size: 2\n  sise: 2\n`);
    const r = await kubectl.run(['apply', '-f', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^The request is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"deck\.example\.com\/v1\\",\\"kind\\":\\"Widget\\",/);
    expect(r.stderr.trim().endsWith('\\"spec\\":{\\"sise\\":2,\\"size\\":2}}": strict decoding error: unknown field "spec.sise"')).toBe(true);
    expect(stored(WIDGET.group, 'widgets', 'w2')!.spec).toEqual({ size: 1 });
  });

  it("keeps Istio kinds to istiod's rule: an unknown field is refused even with --validate=false", async () => {
    const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\nspec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}}], timout: 1s}]}\n';
    const r = await kubectl.run(['apply', '--validate=false', '-f', file('vs.yaml', vs)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The VirtualService "reviews" is invalid: spec.http[0].timout');
    expect(r.stderr).toContain('field not declared in schema');
    expect(r.stderr).not.toContain('strict decoding error');
  });
});
