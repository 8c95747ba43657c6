import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultChangePolicy } from '../../server/api/apply.ts';
import { runTalkCommand } from '../../server/api/run-command.ts';
import { ClusterConnection } from '../../server/cluster/connection.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { until } from '../helpers/until.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Each line with its AGE cell replaced by `AGE`: the two commands run a moment apart, so
 * only ages may differ. AGE is the last column of these tables (kubectl pads every other).
 */
function withoutAge(output: string): string {
  const lines = output.split('\n');
  return lines
    .map((line) => {
      if (/^NAME\s/.test(line)) return line;
      const header = lines.slice(0, lines.indexOf(line) + 1).findLast((l) => /^NAME\s/.test(l)) ?? '';
      const at = header.indexOf('AGE');
      if (at < 0 || !line) return line;
      expect(line.slice(at), `an age in: ${line}`).toMatch(/^\d+[smhdy](\d+[smh])?$/);
      return `${line.slice(0, at)}AGE`;
    })
    .join('\n');
}

/** The Run button's `kubectl get` prints the very table the real kubectl prints for the same objects. */
describe('Run button tables match kubectl get', () => {
  const fixture = clusterWithKubectl(0.005);
  let connection: ClusterConnection;
  const run = (command: string) => runTalkCommand(connection, defaultChangePolicy(['default']), ROOT, command);

  beforeAll(async () => {
    connection = new ClusterConnection({ mode: 'embedded', kubeconfigText: fixture.cluster.kubeconfig });
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    for (const file of ['bookinfo/bookinfo.yaml', 'networking/bookinfo-gateway.yaml', 'networking/destination-rule-all.yaml', 'networking/virtual-service-all-v1.yaml']) {
      await fixture.kubectl.ok(['apply', '-f', join(ROOT, 'manifests', file)]);
    }
    await until(async () => {
      const rows = (await fixture.kubectl.ok(['get', 'pods', '--no-headers'])).trim().split('\n');
      return rows.length === 6 && rows.every((r) => /\s2\/2\s+Running\s/.test(r));
    }, 'six Bookinfo pods 2/2 Running', 30_000, 150);
  }, 60_000);

  for (const args of [
    ['get', 'pods'],
    ['get', 'pods', '-n', 'istio-system'],
    ['get', 'svc'],
    ['get', 'svc', '-n', 'istio-system'],
    ['get', 'deployments'],
    ['get', 'vs'],
    ['get', 'dr'],
    ['get', 'gw'],
    ['get', 'svc', 'productpage'],
    ['get', 'deploy,svc'],
  ]) {
    it(`kubectl ${args.join(' ')}`, async () => {
      const expected = await fixture.kubectl.ok(args);
      const shown = await run(`kubectl ${args.join(' ')}`);
      expect(shown.exitCode).toBe(0);
      expect(withoutAge(shown.output)).toBe(withoutAge(expected.replace(/\n$/, '')));
    });
  }

  it('kubectl get on nothing or on a missing name says what kubectl says', async () => {
    for (const args of [['get', 'pods', '-n', 'kube-public'], ['get', 'svc', 'nope'], ['get', 'pods,svc', '-n', 'kube-public']]) {
      const expected = await fixture.kubectl.run(args);
      const shown = await run(`kubectl ${args.join(' ')}`);
      expect({ output: shown.output, exitCode: shown.exitCode }, args.join(' ')).toEqual({ output: (expected.stderr + expected.stdout).trim(), exitCode: expected.code });
    }
  });
});
