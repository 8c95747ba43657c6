import { beforeAll, describe, expect, it } from 'vitest';
import { bashWithKubectl, succeeding } from '../helpers/bash.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';

/**
 * The tools each sample container's image has, run with the real kubectl exec: istio.io's
 * connectivity check from ratings, `sh -c` scripts with pipes and expansions in the curl and
 * Bookinfo images, and the answers of images without the program (or without any shell).
 */
describe('kubectl exec runs the tools each container image has', () => {
  const fixture = clusterWithKubectl(0.05);
  const bash = bashWithKubectl(fixture);
  const ok = succeeding(bash);

  beforeAll(async () => {
    await ok(`kubectl label namespace default istio-injection=enabled
kubectl apply -f manifests/bookinfo/bookinfo.yaml -f manifests/curl/curl.yaml -f manifests/httpbin/httpbin.yaml -f manifests/httpbin/fortio.yaml >/dev/null
kubectl wait --for=condition=Available deployment --all --timeout=60s >/dev/null`);
  }, 90_000);

  it("istio.io's check from ratings prints the page's title", async () => {
    const out = await ok(`kubectl exec "$(kubectl get pod -l app=ratings -o jsonpath='{.items[0].metadata.name}')" -c ratings -- curl -sS productpage:9080/productpage | grep -o "<title>.*</title>"`);
    expect(out).toBe('<title>Simple Bookstore App</title>\n');
  });

  it('sh -c in the curl container: a pipe, &&, ||, $(…), $VAR and quoting', async () => {
    const out = await ok(`kubectl exec deploy/curl -- sh -c 'curl -s http://productpage:9080/productpage | grep -c "<title>" && echo "host is $(hostname)" ; false || echo "status $?"; N=3; for i in $(seq 1 $N); do echo "try $i"; done | wc -l'`);
    const pod = (await ok(`kubectl get pod -l app=curl -o jsonpath='{.items[0].metadata.name}'`)).trim();
    expect(out).toBe(`1\nhost is ${pod}\nstatus 1\n3\n`);
  });

  it("env prints the container's environment (the kubelet's and the spec's); grep -i, -v and -E filter it", async () => {
    const env = await ok(`kubectl exec deploy/reviews-v1 -c reviews -- env`);
    expect(env).toMatch(/^PATH=\S+$/m);
    expect(env).toMatch(/^HOSTNAME=reviews-v1-/m);
    expect(env).toMatch(/^KUBERNETES_SERVICE_HOST=10\.96\.0\.1$/m);
    expect(await ok(`kubectl exec deploy/reviews-v1 -c reviews -- sh -c 'env | grep -i "^kubernetes_service_port=" | grep -v HTTPS'`)).toBe('KUBERNETES_SERVICE_PORT=443\n');
    expect(await ok(`kubectl exec deploy/details-v1 -c details -- sh -c 'env | grep -E "^KUBERNETES_PORT_443_TCP_(PROTO|PORT)=" | sort -r | head -n 1'`)).toBe('KUBERNETES_PORT_443_TCP_PROTO=tcp\n');
  });

  it('files a script writes stay in the container: echo > file, cat, head, wc -l', async () => {
    await ok(`kubectl exec deploy/curl -- sh -c 'echo one > /tmp/notes && echo two >> /tmp/notes'`);
    expect(await ok(`kubectl exec deploy/curl -- cat /tmp/notes`)).toBe('one\ntwo\n');
    expect(await ok(`kubectl exec deploy/curl -- sh -c 'head -1 /tmp/notes; wc -l < /tmp/notes'`)).toBe('one\n2\n');
  });

  it("a program the image lacks: 127 inside sh, runc's 126 without a shell", async () => {
    const noCurl = await bash(`kubectl exec deploy/productpage-v1 -c productpage -- sh -c 'curl -s http://details:9080/details/0'`);
    expect(noCurl.code).toBe(127);
    expect(noCurl.out).toContain('sh: 1: curl: not found');
    expect(noCurl.out).toContain('command terminated with exit code 127');
    const direct = await bash(`kubectl exec deploy/details-v1 -c details -- curl -s http://ratings:9080/health`);
    expect(direct.code).toBe(126);
    expect(direct.out).toContain('OCI runtime exec failed: exec failed: unable to start container process: exec: "curl": executable file not found in $PATH: unknown');
    // go-httpbin is a distroless image, fortio a scratch one: no shell at all.
    const distroless = await bash(`kubectl exec deploy/httpbin -c httpbin -- sh -c 'echo hi'`);
    expect(distroless.code).toBe(126);
    expect(distroless.out).toContain('exec: "sh": executable file not found in $PATH');
    expect(await ok(`kubectl exec deploy/fortio-deploy -c fortio -- fortio version`)).toMatch(/\d/);
  });

  it("a script's syntax error and a grep that matches nothing answer as dash and grep do", async () => {
    const bad = await bash(`kubectl exec deploy/ratings-v1 -c ratings -- sh -c 'echo "open'`);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('sh: 1: Syntax error: Unterminated quoted string');
    const none = await bash(`kubectl exec deploy/ratings-v1 -c ratings -- sh -c 'curl -s productpage:9080/productpage | grep -o "<blink>"'`);
    expect(none.code).toBe(1);
    expect(none.out).toContain('command terminated with exit code 1');
  });
});

describe("Bookinfo's own markup, grepped from inside the mesh", () => {
  const fixture = clusterWithKubectl(0.05);
  const ok = succeeding(bashWithKubectl(fixture));

  beforeAll(async () => {
    await ok(`kubectl label namespace default istio-injection=enabled
kubectl apply -f manifests/bookinfo/bookinfo.yaml -f manifests/networking/destination-rule-all.yaml -f manifests/networking/virtual-service-all-v1.yaml >/dev/null
kubectl wait --for=condition=Available deployment --all --timeout=60s >/dev/null`);
  }, 90_000);

  const fromRatings = `kubectl exec deploy/ratings-v1 -c ratings -- curl -sS productpage:9080/productpage`;

  it("reviews v3: each reviewer's row of red glyphicon stars (5 and 4 of 5)", async () => {
    await ok('kubectl apply -f manifests/networking/virtual-service-reviews-v3.yaml');
    expect(await ok(`${fromRatings} | grep -o 'id="glyphicon glyphicon-star"' | wc -l`)).toBe('9\n');
    expect(await ok(`${fromRatings} | grep -o 'glyphicon glyphicon-star-empty' | wc -l`)).toBe('1\n');
    expect(await ok(`${fromRatings} | grep -o 'text-red-500' | head -1`)).toBe('text-red-500\n');
    expect(await ok(`${fromRatings} | grep -o 'Reviewer[12]<'`)).toBe('Reviewer1<\nReviewer2<\n');
  });

  it('reviews v1: no stars; with details down, the template\'s error strings', async () => {
    await ok('kubectl apply -f manifests/networking/virtual-service-all-v1.yaml');
    expect(await ok(`${fromRatings} | grep -c glyphicon || true`)).toBe('0\n');
    await ok('kubectl scale deployment details-v1 --replicas=0 && kubectl wait --for=delete pod -l app=details --timeout=30s');
    const page = await ok(fromRatings);
    expect(page).toContain('Error fetching product details');
    expect(page).toContain('Sorry, product details are currently unavailable for this book.');
  });
});
