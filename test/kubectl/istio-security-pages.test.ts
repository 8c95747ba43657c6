import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
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
});
