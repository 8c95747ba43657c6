import * as k8s from '@kubernetes/client-node';

export interface ClusterTarget {
  mode: 'embedded' | 'real';
  /** Kubeconfig text (embedded) or a path to one (real). */
  kubeconfigText?: string;
  kubeconfigPath?: string;
  context?: string;
  inCluster?: boolean;
}

/** An idle connection is closed by the deck this soon, well before servers close theirs (the embedded API waits 30 s, kube-apiserver longer). */
const IDLE_CONNECTION_MS = 4_000;

/**
 * client-node makes a new agent for every request, so every call paid a full TLS handshake and
 * built a new TLS context (a scene reset makes dozens of calls). One agent per set of TLS
 * options keeps connections alive between calls. The deck drops an idle connection before the
 * server would: a connection the server is closing just as a request reuses it fails that
 * request. Credentials still travel per request.
 */
function reuseConnections(kc: k8s.KubeConfig): void {
  const target = kc as unknown as { createAgent(cluster: unknown, options: object): unknown };
  const make = target.createAgent.bind(kc);
  const agents = new Map<string, unknown>();
  target.createAgent = (cluster, options) => {
    const c = cluster as { server?: string; proxyUrl?: string } | null;
    const key = JSON.stringify([c?.server, c?.proxyUrl, options]);
    let agent = agents.get(key);
    if (!agent) agents.set(key, (agent = make(cluster, { ...options, keepAlive: true, timeout: IDLE_CONNECTION_MS })));
    return agent;
  };
}

/**
 * The deck's only way to a cluster: a client-node KubeConfig and the API clients made
 * from it. The embedded cluster is reached exactly like a real one.
 */
export class ClusterConnection {
  readonly kc = new k8s.KubeConfig();
  readonly core: k8s.CoreV1Api;
  readonly apps: k8s.AppsV1Api;
  readonly custom: k8s.CustomObjectsApi;
  readonly objects: k8s.KubernetesObjectApi;

  constructor(readonly target: ClusterTarget) {
    if (target.kubeconfigText) this.kc.loadFromString(target.kubeconfigText);
    else if (target.inCluster) this.kc.loadFromCluster();
    else if (target.kubeconfigPath) this.kc.loadFromFile(target.kubeconfigPath);
    else this.kc.loadFromDefault();
    if (target.context) {
      if (!this.kc.getContextObject(target.context)) {
        const known = this.kc.getContexts().map((c) => c.name).join(', ') || 'none';
        throw new Error(`context "${target.context}" is not in the kubeconfig (contexts: ${known})`);
      }
      this.kc.setCurrentContext(target.context);
    }
    reuseConnections(this.kc);
    this.core = this.kc.makeApiClient(k8s.CoreV1Api);
    this.apps = this.kc.makeApiClient(k8s.AppsV1Api);
    this.custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
    this.objects = k8s.KubernetesObjectApi.makeApiClient(this.kc);
  }

  /** A name for people: the context, or the server address. */
  get name(): string {
    return this.kc.getCurrentContext() || this.kc.getCurrentCluster()?.server || 'cluster';
  }

  get server(): string | undefined {
    return this.kc.getCurrentCluster()?.server;
  }
}

/** The HTTP status of a client-node error, if the server answered. */
export function errorStatus(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } };
  for (const v of [e?.code, e?.statusCode, e?.response?.statusCode]) if (typeof v === 'number') return v;
  return undefined;
}

/** The Kubernetes Status message inside a client-node ApiException, or the error text. */
export function errorMessage(err: unknown): string {
  const body = (err as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body);
      if (parsed?.message) return String(parsed.message);
    } catch {
      /* not JSON */
    }
  } else if (body && typeof body === 'object' && 'message' in body) {
    return String((body as { message: unknown }).message);
  }
  const cause = (err as { cause?: { code?: string } })?.cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

/** The parsed Status body of a client-node ApiException, if any. */
export function errorStatusBody(err: unknown): { message?: string; reason?: string; details?: { causes?: Array<{ field?: string; message?: string }> } } | undefined {
  const body = (err as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return body && typeof body === 'object' ? (body as any) : undefined;
}
