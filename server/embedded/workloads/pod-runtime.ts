import type { ForwardTarget, PodLogSource, PodRuntime, ProcessIo } from '../apiserver/pod-runtime.ts';
import type { KubeObject } from '../apiserver/types.ts';
import type { MeshCore } from '../mesh/mesh-core.ts';
import { runInContainer } from './container-commands.ts';
import { ContainerFilesystems } from './container-fs.ts';

/** A pod port that something real in this process serves. */
export interface ForwardedPort {
  namespace: string;
  /** The pod label that marks the pods serving it, e.g. `istio=ingressgateway`. */
  label: [string, string];
  port: number;
  /** `http://127.0.0.1:PORT` of the listener that plays the pod's port. */
  url: string;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath?: string } };
}

/** The environment a container's processes get: the runtime's PATH and HOSTNAME, the spec's env, the `kubernetes` Service's links. */
export function containerEnv(pod: KubeObject, spec: { env?: EnvVar[] } | undefined): Record<string, string> {
  const env: Record<string, string> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: pod.metadata.name };
  const fields: Record<string, string | undefined> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.podIP': pod.status?.podIP,
    'status.hostIP': pod.status?.hostIP,
  };
  for (const e of spec?.env ?? []) {
    const ref = e.valueFrom?.fieldRef?.fieldPath;
    env[e.name] = e.value ?? (ref ? (fields[ref] ?? '') : '');
  }
  Object.assign(env, {
    KUBERNETES_SERVICE_HOST: '10.96.0.1',
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
    KUBERNETES_PORT: 'tcp://10.96.0.1:443',
    KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
    HOME: '/root',
  });
  return env;
}

/**
 * The embedded cluster's container runtime: exec runs the sample images' tools against
 * the simulated mesh, each container with its own files; logs are what the containers wrote;
 * port-forward reaches the ingress gateway and Jaeger, the only pod ports backed by real listeners.
 */
export function createPodRuntime(mesh: MeshCore, forwarded: ForwardedPort[], logs?: PodLogSource): PodRuntime {
  const files = new ContainerFilesystems();
  return {
    logs,
    exec(pod: KubeObject, container: string, command: string[], io: ProcessIo): Promise<number> {
      const spec = (pod.spec?.containers ?? []).find((c: { name: string }) => c.name === container);
      const fs = files.of(pod.metadata.uid!, container);
      return runInContainer({ mesh, pod: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default', image: spec?.image ?? '', fs, env: containerEnv(pod, spec) }, command, io);
    },
    portForwardTarget(pod: KubeObject, port: number): ForwardTarget {
      const match = forwarded.find((f) => f.namespace === pod.metadata.namespace && pod.metadata.labels?.[f.label[0]] === f.label[1] && f.port === port);
      if (!match) {
        const served = forwarded.map((f) => `${f.label[0]}=${f.label[1]} pods port ${f.port}`).join(', ');
        return { error: `connection refused: nothing listens on port ${port} of this pod in the embedded cluster (it serves ${served})` };
      }
      const u = new URL(match.url);
      return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
    },
  };
}
