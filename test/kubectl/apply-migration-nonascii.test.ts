import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { makeKubectl } from '../helpers/kubectl.ts';

let api: TestApiServer;
let kubectl: ReturnType<typeof makeKubectl>;

beforeAll(async () => {
  api = await startTestApiServer();
  kubectl = makeKubectl(api.kubeconfigPath);
});

afterAll(async () => {
  await api?.stop();
});

/** About 15 KB of text, most of it outside ASCII (so its byte length is far from its character length). */
const configMap = (name: string, round: number) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  greeting: "${'Grüße aus Zürich — ハロー・ワールド — '.repeat(300)} ${round}"
`;

describe('kubectl apply --server-side after a client-side apply, with non-ASCII text', () => {
  it('migrates the managed fields without a rejected request, round after round', async () => {
    for (let round = 0; round < 6; round++) {
      const name = `greetings-${round}`;
      const client = await kubectl.run(['apply', '-f', '-'], { input: configMap(name, round) });
      expect(client.stderr).toBe('');
      const server = await kubectl.run(['apply', '--server-side', '-f', '-'], { input: configMap(name, round) });
      expect(server.stderr).toBe('');
      expect(server.stdout.trim()).toBe(`configmap/${name} serverside-applied`);
      const stored = JSON.parse((await kubectl.run(['get', 'configmap', name, '-o', 'json'])).stdout);
      expect(stored.data.greeting.endsWith(` ${round}`)).toBe(true);
    }
  });
});
