import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultChangePolicy } from '../../server/api/apply.ts';
import { runTalkCommand } from '../../server/api/run-command.ts';
import { ScaledClock } from '../../server/clock.ts';
import { ClusterConnection } from '../../server/cluster/connection.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../server/embedded/cluster.ts';
import { until } from '../helpers/until.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** The Run button's `kubectl logs`, through client-node as on any cluster. */
describe('Run button: kubectl logs on the embedded cluster', () => {
  let cluster: EmbeddedCluster;
  let connection: ClusterConnection;
  const policy = defaultChangePolicy(['default']);
  const run = (command: string) => runTalkCommand(connection, policy, ROOT, command);

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ clock: new ScaledClock(0.1) });
    connection = new ClusterConnection({ mode: 'embedded', kubeconfigText: cluster.kubeconfig });
    await run('kubectl label namespace default istio-injection=enabled');
    await run('kubectl apply -f manifests/bookinfo/bookinfo.yaml -f manifests/curl/curl.yaml');
    await until(async () => {
      const list = await connection.apps.listNamespacedDeployment({ namespace: 'default' });
      return list.items.length >= 7 && list.items.every((d) => (d.status?.readyReplicas ?? 0) >= 1);
    }, 'Bookinfo and curl ready', 30_000);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it("shows an app's lines, the sidecar's access log with -c, and filters them with | grep", async () => {
    expect((await run('kubectl exec deploy/curl -c curl -- curl -s -o /dev/null http://ratings:9080/ratings/3')).exitCode).toBe(0);
    const app = await run('kubectl logs deploy/ratings-v1');
    expect(app).toEqual({ output: expect.stringMatching(/^Server listening on: http:\/\/0\.0\.0\.0:9080\n(GET \/ratings\/\d+\n)*GET \/ratings\/3$/), exitCode: 0 });
    const proxy = await run('kubectl logs deploy/curl -c istio-proxy --tail=1');
    expect(proxy.output).toMatch(/^\[\S+\] "GET \/ratings\/3 HTTP\/1\.1" 200 - via_upstream - "-" 0 \d+ \d+ \d+ "-" "curl\/8\.16\.0" "[0-9a-f-]+" "ratings:9080" "\S+:9080" outbound\|9080\|\|ratings\.default\.svc\.cluster\.local /);
    const grep = await run('kubectl logs -l app=ratings -c istio-proxy | grep inbound');
    expect(grep.exitCode).toBe(0);
    expect(grep.output.split('\n').every((l) => l.includes('inbound|9080||'))).toBe(true);
  });

  it('--all-containers --prefix names each line\'s container; -f is left to a terminal', async () => {
    const all = await run('kubectl logs deploy/details-v1 --all-containers --prefix --tail=1');
    expect(all.exitCode).toBe(0);
    expect(all.output).toMatch(/^\[pod\/details-v1-\S+\/details\] /m);
    expect(all.output).toMatch(/^\[pod\/details-v1-\S+\/istio-proxy\] /m);
    expect(await run('kubectl logs -f deploy/details-v1')).toEqual({ output: 'the deck shows the logs so far; follow them (-f) in a terminal', exitCode: 2 });
    const missing = await run('kubectl logs deploy/nope');
    expect(missing).toEqual({ output: 'Error from server (NotFound): deployments.apps "nope" not found', exitCode: 1 });
  });

  it("client-node's Log follows a container (follow=true) and stops when aborted", async () => {
    const pod = (await connection.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=ratings' })).items[0];
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        text += chunk;
        done();
      },
    });
    const req = await new k8s.Log(connection.kc).log('default', pod.metadata!.name!, 'ratings', sink, { follow: true, tailLines: 1 });
    try {
      await until(() => text.length > 0, 'the last line');
      await run('kubectl exec deploy/curl -c curl -- curl -s -o /dev/null http://ratings:9080/ratings/11');
      await until(() => text.includes('GET /ratings/11\n'), 'the followed request line');
    } finally {
      req.abort();
    }
  });
});
