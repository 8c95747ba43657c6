/** The one way istioctl reaches a cluster: client-node with the kubeconfig the flags name. */
import { Writable } from 'node:stream';
import type { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, V1Pod } from '@kubernetes/client-node';

/** client-node takes most of a second to load, so only commands that reach a cluster load it. */
export const clientNode = () => import('@kubernetes/client-node');

export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
}

export interface Kube {
  config: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  /** The context's namespace, else `default`, as kubectl picks it. */
  defaultNamespace: string;
  /** Runs a command in a container and returns what it printed and its exit code. */
  exec(namespace: string, pod: string, container: string, command: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

export async function connect(target: KubeTarget): Promise<Kube> {
  const { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } = await clientNode();
  const config = new KubeConfig();
  if (target.kubeconfig) config.loadFromFile(target.kubeconfig);
  else config.loadFromDefault();
  if (target.context) {
    if (!config.getContextObject(target.context)) throw new Error(`context "${target.context}" does not exist in the kubeconfig`);
    config.setCurrentContext(target.context);
  }
  const ctx = config.getContextObject(config.getCurrentContext());
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    custom: config.makeApiClient(CustomObjectsApi),
    defaultNamespace: ctx?.namespace || 'default',
    exec: (namespace, pod, container, command) => execIn(config, namespace, pod, container, command),
  };
}

function collector(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { chunks.push(Buffer.from(chunk)); done(); } });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function execIn(config: KubeConfig, namespace: string, pod: string, container: string, command: string[]) {
  const { Exec } = await clientNode();
  const out = collector();
  const err = collector();
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    let code = 0;
    new Exec(config)
      .exec(namespace, pod, container, command, out.stream, err.stream, null, false, (status) => {
        if (status.status !== 'Success') {
          const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
          code = cause ? Number(cause.message) : 1;
          if (!cause && status.message) err.stream.write(status.message);
        }
      })
      .then((ws) => ws.on('close', () => resolve({ code, stdout: out.text(), stderr: err.text() })), reject);
  });
}

/** An API error's status code (client-node throws ApiException with `code`). */
export const statusOf = (err: unknown): number | undefined => (err as { code?: number })?.code;

/** The API server's own words for a failed call, else the error's message. */
export function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body);
      if (parsed?.message) return parsed.message;
    } catch {
      /* not JSON: fall through */
    }
  }
  if ((body as { message?: string })?.message) return (body as { message: string }).message;
  return err instanceof Error ? err.message : String(err);
}

export const hasProxy = (pod: V1Pod) => (pod.spec?.containers ?? []).some((c) => c.name === 'istio-proxy');
export const isRunning = (pod: V1Pod) => pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp;
/** The tag of an image reference, e.g. `1.28.0` of `docker.io/istio/proxyv2:1.28.0`. */
export const imageTag = (image: string | undefined) => (image && /:([^:/]+)$/.exec(image)?.[1]) || 'unknown';
