import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { makeKubectl } from '../helpers/kubectl.ts';

/** `kubectl logs` of containers that have no log to give, as the kubelet answers through the API server. */
describe('kubectl logs before a container runs', () => {
  let api: TestApiServer;
  let kubectl: ReturnType<typeof makeKubectl>;

  beforeAll(async () => {
    api = await startTestApiServer();
    kubectl = makeKubectl(api.kubeconfigPath);
    const pods = api.store.registry.mustGet('', 'pods');
    api.store.create(pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'starting', namespace: 'default' },
      spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'docker.io/curlimages/curl:8.16.0' }] },
      status: { phase: 'Pending', containerStatuses: [{ name: 'app', image: 'docker.io/curlimages/curl:8.16.0', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] },
    });
  });
  afterAll(async () => {
    kubectl?.cleanup();
    await api?.stop();
  });

  it('says the container is waiting to start, with its reason', async () => {
    const r = await kubectl.run(['logs', 'starting']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (BadRequest): container "app" in pod "starting" is waiting to start: ContainerCreating\n');
  });

  it('refuses bad options with the API server\'s validation message', async () => {
    const r = await kubectl.run(['get', '--raw', '/api/v1/namespaces/default/pods/starting/log?container=app&limitBytes=0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('limitBytes: Invalid value: 0: must be greater than 0');
  });
});
