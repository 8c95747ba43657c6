import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCrdController } from '../../server/embedded/controllers/crd-controller.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { makeKubectl } from '../helpers/kubectl.ts';

let api: TestApiServer;
let kubectl: ReturnType<typeof makeKubectl>;
let controller: { stop(): void };

beforeAll(async () => {
  api = await startTestApiServer();
  controller = startCrdController(api.store, api.clock);
  kubectl = makeKubectl(api.kubeconfigPath);
});

afterAll(async () => {
  controller?.stop();
  await api?.stop();
});

const apply = (yaml: string) => kubectl.run(['apply', '-f', '-'], { input: yaml });

const route = (name: string, rules: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
spec:
  parentRefs:
  - name: bookinfo-gateway
  rules:
${rules}
`;

const gateway = (name: string, listeners: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${name}
spec:
  gatewayClassName: istio
  listeners:
${listeners}
`;

describe('the Gateway API CRDs\' CEL rules, through kubectl', () => {
  it('refuses a RequestRedirect filter on a rule that also has backendRefs, at the rule, with the CRD\'s message', async () => {
    const r = await apply(
      route(
        'redirect-and-backend',
        `  - filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https}
    backendRefs:
    - name: productpage
      port: 9080`,
      ),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      'The HTTPRoute "redirect-and-backend" is invalid: spec.rules[0]: Invalid value: "object": RequestRedirect filter must not be used together with backendRefs',
    );
    expect((await kubectl.run(['get', 'httproute', 'redirect-and-backend'])).code).not.toBe(0);
  });

  it('refuses an Exact path match that does not start with "/", at the path', async () => {
    const r = await apply(
      route(
        'relative-path',
        `  - matches:
    - path: {type: Exact, value: productpage}
    backendRefs:
    - name: productpage
      port: 9080`,
      ),
    );
    expect(r.stderr).toContain('The HTTPRoute "relative-path" is invalid: ');
    expect(r.stderr).toContain(`spec.rules[0].matches[0].path: Invalid value: "object": value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']`);
  });

  it('refuses two URLRewrite filters in one rule, at the filters list', async () => {
    const r = await apply(
      route(
        'two-rewrites',
        `  - filters:
    - type: URLRewrite
      urlRewrite: {hostname: a.example.com}
    - type: URLRewrite
      urlRewrite: {hostname: b.example.com}
    backendRefs:
    - name: productpage
      port: 9080`,
      ),
    );
    expect(r.stderr.trim()).toBe('The HTTPRoute "two-rewrites" is invalid: spec.rules[0].filters: Invalid value: "array": URLRewrite filter cannot be repeated');
  });

  it('refuses a hostname on a TCP listener, at the listeners', async () => {
    const r = await apply(gateway('tcp-with-hostname', `  - name: tcp\n    protocol: TCP\n    port: 9000\n    hostname: db.example.com`));
    expect(r.stderr.trim()).toBe('The Gateway "tcp-with-hostname" is invalid: spec.listeners: Invalid value: "array": hostname must not be specified for protocols [\'TCP\', \'UDP\']');
  });

  it('still applies a valid Bookinfo HTTPRoute, and refuses the same route edited into a forbidden one', async () => {
    const valid = route(
      'bookinfo',
      `  - matches:
    - path: {type: Exact, value: /productpage}
    - path: {type: PathPrefix, value: /static}
    - path: {type: Exact, value: /login}
    - path: {type: Exact, value: /logout}
    - path: {type: PathPrefix, value: /api/v1/products}
    backendRefs:
    - name: productpage
      port: 9080`,
    );
    const r = await apply(valid);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('httproute.gateway.networking.k8s.io/bookinfo created');
    const edited = await apply(valid.replace('value: /login', 'value: login'));
    expect(edited.stderr).toContain('spec.rules[0].matches[2].path: Invalid value: "object": value must be an absolute path');
    const stored = JSON.parse((await kubectl.run(['get', 'httproute', 'bookinfo', '-o', 'json'])).stdout);
    expect(stored.spec.rules[0].matches[2].path.value).toBe('/login');
  });
});

const CRD = (name: string, rules: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${name}s.example.com
spec:
  group: example.com
  names: {kind: ${name[0].toUpperCase()}${name.slice(1)}, plural: ${name}s, singular: ${name}}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              volumeName:
                type: string
${rules}
              replicas:
                type: integer
            x-kubernetes-validations:
            - rule: "!has(self.replicas) || self.replicas <= 10"
              messageExpression: "'replicas must be at most 10, not ' + string(self.replicas)"
              fieldPath: .replicas
`;

describe('a user CRD\'s CEL rules', () => {
  it('refuses changing a field its transition rule makes immutable, and takes the other changes', async () => {
    const crd = await apply(CRD('claim', '                x-kubernetes-validations:\n                - rule: self == oldSelf\n                  message: volumeName is immutable'));
    expect(crd.stderr).toBe('');
    await kubectl.run(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/claims.example.com']);
    const claim = (volume: string, replicas: number) => `apiVersion: example.com/v1\nkind: Claim\nmetadata: {name: data}\nspec: {volumeName: ${volume}, replicas: ${replicas}}\n`;
    expect((await apply(claim('vol-a', 1))).stdout.trim()).toBe('claim.example.com/data created');
    expect((await apply(claim('vol-a', 2))).stdout.trim()).toBe('claim.example.com/data configured');
    const changed = await apply(claim('vol-b', 2));
    expect(changed.stderr.trim()).toBe('The Claim "data" is invalid: spec.volumeName: Invalid value: "string": volumeName is immutable');
    const tooMany = await apply(claim('vol-a', 12));
    expect(tooMany.stderr.trim()).toBe('The Claim "data" is invalid: spec.replicas: Invalid value: "object": replicas must be at most 10, not 12');
    const stored = JSON.parse((await kubectl.run(['get', 'claim', 'data', '-o', 'json'])).stdout);
    expect(stored.spec).toEqual({ volumeName: 'vol-a', replicas: 2 });
  });

  it('refuses a CRD whose rule does not compile, naming the rule', async () => {
    const r = await apply(CRD('broken', '                x-kubernetes-validations:\n                - rule: "self.startsWith(\'vol-\') &&"'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The CustomResourceDefinition "brokens.example.com" is invalid: spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[volumeName].x-kubernetes-validations[0].rule: Invalid value: ');
    expect(r.stderr).toContain('compilation failed: ERROR: <input>:1:');
    const undeclared = await apply(CRD('unknownfn', '                x-kubernetes-validations:\n                - rule: "noSuchFunction(self)"'));
    expect(undeclared.stderr).toContain("compilation failed: ERROR: <input>: undeclared reference to 'noSuchFunction'");
    expect((await kubectl.run(['get', 'crd', 'brokens.example.com'])).code).not.toBe(0);
  });

  it('stops a rule whose work grows with a hostile object, with the apiserver\'s cost-limit words, and takes a small one', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: pairs.example.com}
spec:
  group: example.com
  names: {kind: Pair, plural: pairs, singular: pair}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              items:
                type: array
                items: {type: integer}
                x-kubernetes-validations:
                - rule: "self.all(a, self.all(b, a != b || a == b))"
                  message: items are compared pairwise
`;
    expect((await apply(crd)).stderr).toBe('');
    await kubectl.run(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/pairs.example.com']);
    const pair = (name: string, n: number) => `apiVersion: example.com/v1\nkind: Pair\nmetadata: {name: ${name}}\nspec: {items: [${Array.from({ length: n }, (_, i) => i).join(',')}]}\n`;
    expect((await apply(pair('small', 50))).stdout.trim()).toBe('pair.example.com/small created');
    const hostile = await apply(pair('hostile', 3000));
    expect(hostile.stderr.trim()).toBe(
      "The Pair \"hostile\" is invalid: spec.items: Invalid value: \"array\": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: items are compared pairwise",
    );
  });
});
