import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { kindsOf } from './kinds.ts';

/**
 * The simulated node every pod runs on. Its InternalIP (each pod's hostIP) is a loopback
 * address this host has, so `<hostIP>:<nodePort>` reaches a gateway as on a kind node.
 */
export const NODE = { name: 'istio-deck-control-plane', ip: '127.0.0.1' } as const;

/** The node's labels, as a kubelet on Linux registers them: what DaemonSets' node selectors match. */
export const NODE_LABELS: Readonly<Record<string, string>> = {
  'kubernetes.io/arch': 'amd64',
  'kubernetes.io/hostname': NODE.name,
  'kubernetes.io/os': 'linux',
  'node-role.kubernetes.io/control-plane': '',
};

/** The cluster's nodes: the embedded cluster serves no Node kind and runs everything on its one node. */
export function clusterNodes(): ReadonlyArray<{ name: string; labels: Readonly<Record<string, string>> }> {
  return [{ name: NODE.name, labels: NODE_LABELS }];
}

/** Where the next allocation starts, per cluster, so a freed address is not reused at once. */
const nextPodIndex = new WeakMap<ObjectStore, number>();

/** A pod IP from 10.244.0.0/16 not held by another pod of this cluster. */
export function allocatePodIp(store: ObjectStore): string {
  const used = new Set(store.list(kindsOf(store).pods).map((p) => p.status?.podIP).filter(Boolean));
  let i = nextPodIndex.get(store) ?? 2;
  for (let tries = 0; tries < 65_000; tries++, i++) {
    const third = Math.floor(i / 254) % 256;
    const fourth = (i % 254) + 1;
    if (third === 0 && fourth < 2) continue;
    const ip = `10.244.${third}.${fourth}`;
    if (!used.has(ip)) {
      nextPodIndex.set(store, i + 1);
      return ip;
    }
  }
  throw new Error('pod IP range 10.244.0.0/16 exhausted');
}

/** A free service ClusterIP from 10.96.0.0/16 (10.96.0.1 is the `kubernetes` Service, 10.96.0.10 kube-dns). */
export function allocateClusterIp(store: ObjectStore): string {
  const used = new Set(store.list(kindsOf(store).services).map((s) => s.spec?.clusterIP).filter(Boolean));
  for (let tries = 0; tries < 10_000; tries++) {
    const n = 11 + Math.floor(Math.random() * (65_000 - 11));
    const ip = `10.96.${Math.floor(n / 256)}.${n % 256 || 1}`;
    if (!used.has(ip)) return ip;
  }
  throw new Error('service IP range 10.96.0.0/16 exhausted');
}

/** A free nodePort in 30000-32767. */
export function allocateNodePort(store: ObjectStore, taken: Set<number> = new Set()): number {
  for (const s of store.list(kindsOf(store).services)) for (const p of s.spec?.ports ?? []) if (p.nodePort) taken.add(p.nodePort);
  for (let tries = 0; tries < 10_000; tries++) {
    const port = 30000 + Math.floor(Math.random() * 2768);
    if (!taken.has(port)) return port;
  }
  throw new Error('nodePort range exhausted');
}

/** The pod as the scheduler's binding leaves it: on the embedded cluster's one node. */
export function bindToNode(pod: KubeObject): KubeObject {
  const bound = structuredClone(pod) as KubeObject;
  bound.spec = { ...(bound.spec ?? {}) };
  bound.spec.nodeName ??= NODE.name;
  return bound;
}
