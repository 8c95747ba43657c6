import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { DEMO_CLAIMS, GROUPS_SCOPE_CLAIMS, testIssuer } from '../helpers/jwt.ts';
import { until } from '../helpers/until.ts';

const m = (p: string) => join(resolve(import.meta.dirname, '../..'), 'manifests', p);

/** A PeerAuthentication named default with STRICT mutual TLS, as the mtls-migration page applies it from a heredoc. */
const STRICT = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: "default"
spec:
  mtls:
    mode: STRICT
`;

/** An ALLOW policy for GETs to one app from one service account, in the authz-http page's shape. */
const viewer = (name: string, app: string, serviceAccount?: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: "${name}"
  namespace: default
spec:
  selector:
    matchLabels:
      app: ${app}
  action: ALLOW
  rules:
  - ${serviceAccount ? `from:\n    - source:\n        principals: ["cluster.local/ns/default/sa/${serviceAccount}"]\n    ` : ''}to:
    - operation:
        methods: ["GET"]
`;

/** The authz-jwt page's RequestAuthentication jwt-example, with the test issuer's keys inline where the page names Istio's jwks.json on GitHub. */
const jwtExample = (jwks: string, extra = '') => `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: "jwt-example"
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
  jwtRules:
  - issuer: "testing@secure.istio.io"
    jwks: '${jwks}'
${extra}`;

/** The page's require-jwt policy: only the sample tokens' principal, and with `when`, only members of group1. */
const requireJwt = (when: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: require-jwt
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
  action: ALLOW
  rules:
  - from:
    - source:
       requestPrincipals: ["testing@secure.istio.io/testing@secure.istio.io"]
${when}`;

/**
 * istio.io's security tasks typed as written with the real kubectl: Mutual TLS Migration
 * (httpbin and curl in foo and bar with sidecars, curl in legacy without) and HTTP Traffic
 * authorization on Bookinfo. Sidecars come from namespace injection where the pages pipe
 * through `istioctl kube-inject`; the result is the same injected pod.
 */
describe("istio.io's mtls-migration and authz-http pages on the embedded cluster", () => {
  const fixture = clusterWithKubectl(0.05);
  const kubectl = (args: string[], input?: string) => fixture.kubectl.ok(args, { input });

  beforeAll(async () => {
    for (const ns of ['foo', 'bar']) {
      await kubectl(['create', 'ns', ns]);
      await kubectl(['label', 'namespace', ns, 'istio-injection=enabled']);
      await kubectl(['apply', '-f', m('httpbin/httpbin.yaml'), '-n', ns]);
      await kubectl(['apply', '-f', m('curl/curl.yaml'), '-n', ns]);
    }
    await kubectl(['create', 'ns', 'legacy']);
    await kubectl(['apply', '-f', m('curl/curl.yaml'), '-n', 'legacy']);
    await kubectl(['label', 'namespace', 'default', 'istio-injection=enabled']);
    await kubectl(['apply', '-f', m('bookinfo/bookinfo.yaml'), '-f', m('curl/curl.yaml')]);
    await fixture.kubectl.ok(['wait', '--for=condition=Available', 'deployment', '--all', '--all-namespaces', '--timeout=60s'], { timeoutMs: 70_000 });
  }, 120_000);

  describe('Mutual TLS Migration', () => {
    /** The page's loop: from each namespace's curl pod to each httpbin, printing the code; kubectl's stderr joins the output. */
    async function curlLoop(): Promise<string> {
      let out = '';
      for (const from of ['foo', 'bar', 'legacy']) {
        for (const to of ['foo', 'bar']) {
          const pod = await kubectl(['get', 'pod', '-l', 'app=curl', '-n', from, '-o', 'jsonpath={.items..metadata.name}']);
          const r = await fixture.kubectl.run([
            'exec', pod, '-c', 'curl', '-n', from, '--',
            'curl', `http://httpbin.${to}:8000/ip`, '-s', '-o', '/dev/null', '-w', `curl.${from} to httpbin.${to}: %{http_code}\n`,
          ]);
          out += r.stdout + r.stderr;
        }
      }
      return out;
    }

    it('before any policy, every client reaches both httpbins, and no policy exists', async () => {
      expect(await curlLoop()).toBe(
        ['foo', 'bar', 'legacy'].flatMap((from) => ['foo', 'bar'].map((to) => `curl.${from} to httpbin.${to}: 200\n`)).join(''),
      );
      for (const kind of ['peerauthentication', 'destinationrule']) {
        const r = await fixture.kubectl.run(['get', kind, '--all-namespaces']);
        expect(r).toEqual({ code: 0, stdout: '', stderr: 'No resources found\n' });
      }
    }, 60_000);

    it('STRICT in foo: the plaintext client gets 000 and exit code 56 from foo only', async () => {
      expect(await kubectl(['apply', '-n', 'foo', '-f', '-'], STRICT)).toBe('peerauthentication.security.istio.io/default created\n');
      expect(await curlLoop()).toBe(
        'curl.foo to httpbin.foo: 200\ncurl.foo to httpbin.bar: 200\ncurl.bar to httpbin.foo: 200\ncurl.bar to httpbin.bar: 200\n' +
          'curl.legacy to httpbin.foo: 000\ncommand terminated with exit code 56\ncurl.legacy to httpbin.bar: 200\n',
      );
    }, 60_000);

    it('STRICT mesh-wide (istio-system): the plaintext client is refused everywhere; cleanup restores it', async () => {
      expect(await kubectl(['apply', '-n', 'istio-system', '-f', '-'], STRICT)).toBe('peerauthentication.security.istio.io/default created\n');
      expect(await curlLoop()).toContain(
        'curl.legacy to httpbin.foo: 000\ncommand terminated with exit code 56\ncurl.legacy to httpbin.bar: 000\ncommand terminated with exit code 56\n',
      );
      await kubectl(['delete', 'peerauthentication', '-n', 'foo', 'default']);
      await kubectl(['delete', 'peerauthentication', '-n', 'istio-system', 'default']);
      expect(await curlLoop()).not.toContain('000');
    }, 90_000);
  });

  describe('Authorization for HTTP traffic', () => {
    const productPage = () => fixture.kubectl.run(['exec', 'deploy/curl', '-c', 'curl', '--', 'curl', '-sS', 'http://productpage:9080/productpage']);
    /** Requests the page until one matches (reviews answers from v1, v2 or v3 in turn). */
    const pageShowing = (pattern: RegExp, what: string) =>
      until(async () => {
        const r = await productPage();
        return pattern.test(r.stdout) && r.stdout;
      }, what, 30_000, 50);

    it('allow-nothing denies everything: RBAC: access denied', async () => {
      const out = await kubectl(['apply', '-f', '-'], 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: allow-nothing\n  namespace: default\nspec:\n  {}\n');
      expect(out).toBe('authorizationpolicy.security.istio.io/allow-nothing created\n');
      expect(await productPage()).toEqual({ code: 0, stdout: 'RBAC: access denied', stderr: '' });
      const code = await fixture.kubectl.run(['exec', 'deploy/curl', '-c', 'curl', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://productpage:9080/productpage']);
      expect(code.stdout).toBe('403');
    });

    it('productpage-viewer: the page loads, but details and reviews fail', async () => {
      expect(await kubectl(['apply', '-f', '-'], viewer('productpage-viewer', 'productpage'))).toBe('authorizationpolicy.security.istio.io/productpage-viewer created\n');
      const page = (await productPage()).stdout;
      expect(page).toContain('<title>Simple Bookstore App</title>');
      expect(page).toContain('Error fetching product details');
      expect(page).toContain('Error fetching product reviews');
    });

    it('details-viewer and reviews-viewer: details and reviews show, ratings are unavailable', async () => {
      expect(await kubectl(['apply', '-f', '-'], viewer('details-viewer', 'details', 'bookinfo-productpage'))).toBe('authorizationpolicy.security.istio.io/details-viewer created\n');
      expect(await kubectl(['apply', '-f', '-'], viewer('reviews-viewer', 'reviews', 'bookinfo-productpage'))).toBe('authorizationpolicy.security.istio.io/reviews-viewer created\n');
      const page = await pageShowing(/Ratings service is currently unavailable/, 'a page from reviews v2 or v3 saying ratings are unavailable');
      expect(page).not.toContain('Error fetching product details');
      expect(page).not.toContain('Error fetching product reviews');
    }, 40_000);

    it('ratings-viewer: the stars come back; deleting the policies opens everything again', async () => {
      expect(await kubectl(['apply', '-f', '-'], viewer('ratings-viewer', 'ratings', 'bookinfo-reviews'))).toBe('authorizationpolicy.security.istio.io/ratings-viewer created\n');
      // The simulated product page draws stars as its own markup, not Bookinfo's glyphicon spans.
      const page = await pageShowing(/data-stars="[1-5]"/, 'a page with ratings stars');
      expect(page).not.toContain('Ratings service is currently unavailable');
      for (const name of ['allow-nothing', 'productpage-viewer', 'details-viewer', 'reviews-viewer', 'ratings-viewer']) {
        expect(await kubectl(['delete', `authorizationpolicy.security.istio.io/${name}`])).toBe(`authorizationpolicy.security.istio.io "${name}" deleted\n`);
      }
      expect((await productPage()).stdout).toContain('<title>Simple Bookstore App</title>');
    }, 40_000);
  });

  /** The pages' check from foo's curl pod: httpbin.foo's status for `path` with curl's `args`, as `%{http_code}\n`. */
  async function httpbinFooStatus(path: string, args: string[] = []): Promise<string> {
    const pod = await kubectl(['get', 'pod', '-l', 'app=curl', '-n', 'foo', '-o', 'jsonpath={.items..metadata.name}']);
    return kubectl(['exec', pod, '-c', 'curl', '-n', 'foo', '--', 'curl', `http://httpbin.foo:8000${path}`, ...args, '-sS', '-o', '/dev/null', '-w', '%{http_code}\n']);
  }

  describe('Explicit deny', () => {
    const policy = (name: string, action: 'ALLOW' | 'DENY', operation: string, when = '') => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
  action: ${action}
  rules:
  - to:
    - operation:
        ${operation}
${when}`;
    const NOT_ADMIN = '    when:\n    - key: request.headers[x-token]\n      notValues: ["admin"]\n';

    it('deny-method-get: GET is denied, POST is not', async () => {
      expect(await kubectl(['apply', '-f', '-'], policy('deny-method-get', 'DENY', 'methods: ["GET"]'))).toBe('authorizationpolicy.security.istio.io/deny-method-get created\n');
      expect(await httpbinFooStatus('/get', ['-X', 'GET'])).toBe('403\n');
      expect(await httpbinFooStatus('/post', ['-X', 'POST'])).toBe('200\n');
    });

    it('with notValues on x-token: admin passes, guest is denied', async () => {
      expect(await kubectl(['apply', '-f', '-'], policy('deny-method-get', 'DENY', 'methods: ["GET"]', NOT_ADMIN))).toBe('authorizationpolicy.security.istio.io/deny-method-get configured\n');
      expect(await httpbinFooStatus('/get', ['-X', 'GET', '-H', 'x-token: admin'])).toBe('200\n');
      expect(await httpbinFooStatus('/get', ['-X', 'GET', '-H', 'x-token: guest'])).toBe('403\n');
    });

    it('allow-path-ip: the DENY still wins for guest; admin reaches /ip only', async () => {
      expect(await kubectl(['apply', '-f', '-'], policy('allow-path-ip', 'ALLOW', 'paths: ["/ip"]'))).toBe('authorizationpolicy.security.istio.io/allow-path-ip created\n');
      expect(await httpbinFooStatus('/ip', ['-X', 'GET', '-H', 'x-token: guest'])).toBe('403\n');
      expect(await httpbinFooStatus('/ip', ['-X', 'GET', '-H', 'x-token: admin'])).toBe('200\n');
      expect(await httpbinFooStatus('/get', ['-X', 'GET', '-H', 'x-token: admin'])).toBe('403\n');
      await kubectl(['delete', 'authorizationpolicy.security.istio.io/deny-method-get', 'authorizationpolicy.security.istio.io/allow-path-ip', '-n', 'foo']);
      expect(await httpbinFooStatus('/get')).toBe('200\n');
    });
  });

  describe('Authorization with JWT', () => {
    const issuer = testIssuer();
    const TOKEN = issuer.sign(DEMO_CLAIMS);
    const TOKEN_GROUP = issuer.sign(GROUPS_SCOPE_CLAIMS);
    /** The page's check from foo's curl pod: the status of GET /headers, with an Authorization header when given. */
    const code = (authorization?: string, path = '/headers') => httpbinFooStatus(path, authorization ? ['-H', `Authorization: ${authorization}`] : []);
    const headersSeen = async (authorization: string) =>
      JSON.parse(await kubectl(['exec', 'deploy/curl', '-c', 'curl', '-n', 'foo', '--', 'curl', '-sS', 'http://httpbin.foo:8000/headers', '-H', `Authorization: ${authorization}`])).headers;

    it('jwt-example: an invalid token gets 401, no token still 200', async () => {
      expect(await code()).toBe('200\n');
      expect(await kubectl(['apply', '-f', '-'], jwtExample(issuer.jwks))).toBe('requestauthentication.security.istio.io/jwt-example created\n');
      expect(await code('Bearer invalidToken')).toBe('401\n');
      expect(await code()).toBe('200\n');
      // A well-formed token signed by another key fails the same way, and Envoy says why.
      const forged = testIssuer().sign(DEMO_CLAIMS);
      const body = await fixture.kubectl.run(['exec', 'deploy/curl', '-c', 'curl', '-n', 'foo', '--', 'curl', '-sS', 'http://httpbin.foo:8000/headers', '-H', `Authorization: Bearer ${forged}`]);
      expect(body.stdout).toBe('Jwt verification fails');
    });

    it('a valid token reaches httpbin without its Authorization header, unless forwardOriginalToken; outputClaimToHeaders copies a claim', async () => {
      expect(await code(`Bearer ${TOKEN}`)).toBe('200\n');
      expect(Object.keys(await headersSeen(`Bearer ${TOKEN}`))).not.toContain('Authorization');
      await kubectl(['apply', '-f', '-'], jwtExample(issuer.jwks, '    forwardOriginalToken: true\n    outputClaimToHeaders:\n    - header: "x-jwt-claim-foo"\n      claim: "foo"\n'));
      const seen = await until(async () => {
        const h = await headersSeen(`Bearer ${TOKEN}`);
        return h['X-Jwt-Claim-Foo'] && h;
      }, 'httpbin seeing the copied claim', 10_000, 50);
      expect(seen['X-Jwt-Claim-Foo']).toEqual(['bar']);
      expect(seen.Authorization).toEqual([`Bearer ${TOKEN}`]);
      await kubectl(['apply', '-f', '-'], jwtExample(issuer.jwks));
    });

    it('an expired token gets 401; a token in ?access_token= is read as the default location', async () => {
      expect(await code(`Bearer ${issuer.sign({ ...DEMO_CLAIMS, exp: 1532389800 })}`)).toBe('401\n');
      expect(await code(undefined, `/headers?access_token=${testIssuer().sign(DEMO_CLAIMS)}`)).toBe('401\n');
      expect(await code(undefined, `/headers?access_token=${TOKEN}`)).toBe('200\n');
    });

    it('require-jwt: the token passes, no token gets 403', async () => {
      expect(await kubectl(['apply', '-f', '-'], requireJwt(''))).toBe('authorizationpolicy.security.istio.io/require-jwt created\n');
      expect(await code(`Bearer ${TOKEN}`)).toBe('200\n');
      expect(await code()).toBe('403\n');
      const denied = await fixture.kubectl.run(['exec', 'deploy/curl', '-c', 'curl', '-n', 'foo', '--', 'curl', '-sS', 'http://httpbin.foo:8000/headers']);
      expect(denied.stdout).toBe('RBAC: access denied');
    });

    it('require-jwt with request.auth.claims[groups]: only the token in group1 passes', async () => {
      const when = '    when:\n    - key: request.auth.claims[groups]\n      values: ["group1"]\n';
      expect(await kubectl(['apply', '-f', '-'], requireJwt(when))).toBe('authorizationpolicy.security.istio.io/require-jwt configured\n');
      expect(await code(`Bearer ${TOKEN_GROUP}`)).toBe('200\n');
      expect(await code(`Bearer ${TOKEN}`)).toBe('403\n');
      await kubectl(['delete', 'authorizationpolicy', 'require-jwt', '-n', 'foo']);
      await kubectl(['delete', 'requestauthentication', 'jwt-example', '-n', 'foo']);
      expect(await code('Bearer invalidToken')).toBe('200\n');
    });
  });
});
