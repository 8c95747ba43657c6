import { describe, expect, it } from 'vitest';
import { deckWithKubectl } from '../helpers/deck.ts';

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const deployment = (name: string, spec: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
${spec}`;
const TEMPLATE = `  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
`;

/** Real kubectl against the embedded cluster prints the kube-apiserver's refusals, and nothing is stored. */
describe('kubectl sees what a real kube-apiserver refuses', () => {
  const fixture = deckWithKubectl();
  const apply = (yaml: string, ...flags: string[]) => fixture.kubectl.run(['apply', '-f', '-', ...flags], { input: yaml });
  const absent = async (...what: string[]) => expect((await fixture.kubectl.run(['get', ...what])).code).not.toBe(0);

  it('refuses names that are not DNS-1123 subdomains, on create and dry run', async () => {
    for (const name of ['a.b-', 'has.Upper']) {
      const r = await fixture.kubectl.run(['create', 'configmap', name]);
      expect(r.code).toBe(1);
      // kubectl create wraps the apiserver's message in its own prefix, as against any cluster.
      expect(r.stderr.trim()).toBe(`error: failed to create configmap: ConfigMap "${name}" is invalid: metadata.name: Invalid value: "${name}": ${SUBDOMAIN}`);
    }
    // kubectl apply itself refuses a name with '/' before asking; kubectl create sends it.
    for (const name of ['-hx', 'hx:1', 'a/b', '../../hx']) {
      const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "${name}"\n`;
      const dry = await fixture.kubectl.run(['create', '-f', '-', '--dry-run=server'], { input: yaml });
      expect(dry.stderr).toContain(`The ConfigMap "${name}" is invalid: metadata.name: Invalid value: "${name}": ${SUBDOMAIN}`);
    }
    await absent('configmap', '-hx');
  });

  it('refuses a 300-character name and a Service name that is not a DNS-1035 label', async () => {
    const long = 'a'.repeat(300);
    const r = await fixture.kubectl.run(['create', 'configmap', long]);
    expect(r.stderr).toContain(`metadata.name: Invalid value: "${long}": must be no more than 253 characters`);
    const svc = await apply('apiVersion: v1\nkind: Service\nmetadata: {name: 1web}\nspec:\n  ports: [{port: 80}]\n');
    expect(svc.stderr).toMatch(/The Service "1web" is invalid: metadata\.name: Invalid value: "1web": a DNS-1035 label must consist of/);
  });

  it('refuses the label key "bad key!", and kubectl label with it', async () => {
    const r = await apply('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: labelled\n  labels: {"bad key!": x}\n');
    expect(r.stderr.trim()).toBe(`The ConfigMap "labelled" is invalid: metadata.labels: Invalid value: "bad key!": ${NAME_PART}`);
    await fixture.kubectl.ok(['create', 'configmap', 'plain']);
    const label = await fixture.kubectl.run(['label', 'configmap', 'plain', 'bad key!=x']);
    expect(label.code).toBe(1);
    expect(label.stderr).toContain(`metadata.labels: Invalid value: "bad key!": ${NAME_PART}`);
    expect(await fixture.kubectl.ok(['get', 'configmap', 'plain', '-o', 'jsonpath={.metadata.labels}'])).toBe('');
  });

  it('refuses negative replicas, a Deployment without containers, and a changed selector', async () => {
    const negative = await apply(deployment('neg', `  replicas: -1\n${TEMPLATE}`));
    expect(negative.stderr.trim()).toBe('The Deployment "neg" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    const empty = await apply(deployment('empty', '  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: []\n'));
    expect(empty.stderr.trim()).toBe('The Deployment "empty" is invalid: spec.template.spec.containers: Required value');
    await absent('deployment', 'neg');

    await fixture.kubectl.ok(['apply', '-f', '-'], { input: deployment('web', TEMPLATE) });
    const moved = await apply(deployment('web', TEMPLATE.replaceAll('{app: web}', '{app: web, tier: front}')));
    expect(moved.stderr).toContain(
      'The Deployment "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"front"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );
  });

  it('refuses the same through server-side apply, a JSON patch and a dry-run label', async () => {
    await fixture.kubectl.ok(['apply', '-f', '-'], { input: deployment('scaled', TEMPLATE) });
    const ssa = await apply(deployment('scaled', `  replicas: -3\n${TEMPLATE}`), '--server-side', '--field-manager=test', '--force-conflicts');
    expect(ssa.stderr).toContain('spec.replicas: Invalid value: -3: must be greater than or equal to 0');
    const patch = await fixture.kubectl.run(['patch', 'deployment', 'scaled', '--type=json', '-p', '[{"op":"add","path":"/spec/template/spec/containers/0/ports","value":[{"containerPort":70000}]}]']);
    expect(patch.stderr).toContain('The Deployment "scaled" is invalid: spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive');
    const dry = await fixture.kubectl.run(['label', 'deployment', 'scaled', 'bad key!=x', '--dry-run=server']);
    expect(dry.stderr).toContain(`metadata.labels: Invalid value: "bad key!": ${NAME_PART}`);
    expect(await fixture.kubectl.ok(['get', 'deployment', 'scaled', '-o', 'jsonpath={.spec.replicas}'])).toBe('1');
  });

  it('answers fractional and over-int32 replicas as the decoder does', async () => {
    for (const replicas of ['1.5', '99999999999']) {
      const r = await apply(deployment('frac', `  replicas: ${replicas}\n${TEMPLATE}`));
      expect(r.stderr).toContain(
        `Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number ${replicas} into Go struct field DeploymentSpec.spec.replicas of type int32`,
      );
    }
    const data = await apply('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typed}\ndata:\n  port: 8080\n');
    expect(data.stderr).toContain('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string');
    await absent('deployment', 'frac');
  });

  it('refuses a Service port of 70000', async () => {
    const r = await apply('apiVersion: v1\nkind: Service\nmetadata: {name: big}\nspec:\n  ports: [{port: 70000}]\n');
    expect(r.stderr.trim()).toBe('The Service "big" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive');
  });

  it('refuses deleting default, kube-system and kube-public', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      const r = await fixture.kubectl.run(['delete', 'namespace', ns, '--wait=false']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`Error from server (Forbidden): namespaces "${ns}" is forbidden: this namespace may not be deleted`);
    }
    expect(await fixture.kubectl.ok(['get', 'namespace', 'default', '-o', 'jsonpath={.status.phase}'])).toBe('Active');
  });
});

describe("the deck's own API passes the apiserver's refusal on", () => {
  const fixture = deckWithKubectl();
  const post = (path: string, body: string, type = 'application/yaml') =>
    fetch(`${fixture.deck.base}${path}`, { method: 'POST', body, headers: { 'content-type': type, authorization: `Bearer ${fixture.deck.token}` } });

  it('/api/apply answers 422 naming the document, line and field', async () => {
    const yaml = `apiVersion: v1
kind: ConfigMap
metadata:
  name: fine
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: -1
${TEMPLATE}`;
    const res = await post('/api/apply', yaml);
    expect(res.status).toBe(422);
    const err = await res.json();
    expect(err.document).toBe(1);
    expect(err.field).toBe('spec.replicas');
    expect(err.line).toBe(yaml.split('\n').indexOf('  replicas: -1') + 1);
    expect(err.error).toMatch(/^document 2 .*spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
    expect((await fixture.kubectl.run(['get', 'configmap', 'fine'])).code).not.toBe(0);
  });

  it("the Run button's kubectl label with a bad key shows the apiserver's refusal", async () => {
    const res = await post('/api/run', JSON.stringify({ command: "kubectl label namespace default 'bad key!'=x" }), 'application/json');
    const body = await res.json();
    expect(body.exitCode).not.toBe(0);
    expect(body.output).toContain(`metadata.labels: Invalid value: "bad key!": ${NAME_PART}`);
    expect(await fixture.kubectl.ok(['get', 'namespace', 'default', '-o', 'jsonpath={.metadata.labels}'])).not.toContain('bad key');
  });
});
