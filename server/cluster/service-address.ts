import net from 'node:net';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import type { ClusterConnection } from './connection.ts';

/**
 * An annotation any cluster may put on a Service to say where the deck can reach it
 * (a kind cluster with port mappings, or our embedded cluster, whose gateway listens on
 * a local port). It is checked before the load balancer and node ports.
 */
export const LOCAL_URL_ANNOTATION = 'istio-live-deck/local-url';

export interface FoundAddress {
  url: string;
  how: 'annotation' | 'load-balancer' | 'node-port' | 'port-forward' | 'flag';
  close?: () => void;
}

export interface ServiceRef {
  namespace: string;
  name: string;
  /** Port name to use, e.g. 'http2' for the ingress gateway, 'http-query' for Jaeger. */
  portName: string;
  /** Pods behind the service, for port-forwarding: a label selector. */
  podSelector: string;
}

export const INGRESS_GATEWAY: ServiceRef = { namespace: 'istio-system', name: 'istio-ingressgateway', portName: 'http2', podSelector: 'istio=ingressgateway' };
/**
 * The Gateway API's Bookinfo gateway, as istiod deploys it for Gateway `bookinfo-gateway` of class
 * `istio`: Service `<gateway>-<class>` with a port per listener, named after the listener (`http`).
 */
export const gatewayApiGateway = (namespace: string): ServiceRef => ({
  namespace,
  name: 'bookinfo-gateway-istio',
  portName: 'http',
  podSelector: 'gateway.networking.k8s.io/gateway-name=bookinfo-gateway',
});
export const JAEGER_QUERY: ServiceRef = { namespace: 'istio-system', name: 'tracing', portName: 'http-query', podSelector: 'app=jaeger' };

/**
 * Finds a Service's address the way the talk does: its load balancer's IP or hostname and
 * the named port, then a node port, and when neither answers, a port-forward to one of its
 * pods through client-node.
 */
export async function findServiceAddress(connection: ClusterConnection, ref: ServiceRef, probe = canConnect): Promise<FoundAddress> {
  const svc = await connection.core.readNamespacedService({ name: ref.name, namespace: ref.namespace });
  const annotated = svc.metadata?.annotations?.[LOCAL_URL_ANNOTATION];
  if (annotated) return { url: annotated.replace(/\/$/, ''), how: 'annotation' };
  const port = svc.spec?.ports?.find((p) => p.name === ref.portName) ?? svc.spec?.ports?.[0];
  if (!port) throw new Error(`service ${ref.namespace}/${ref.name} has no ports`);
  const ingress = svc.status?.loadBalancer?.ingress?.[0];
  const lbHost = ingress?.ip ?? ingress?.hostname;
  if (lbHost && (await probe(lbHost, port.port))) return { url: `http://${hostForUrl(lbHost)}:${port.port}`, how: 'load-balancer' };
  if (port.nodePort) {
    for (const host of await nodeAddresses(connection, ref)) {
      if (await probe(host, port.nodePort)) return { url: `http://${hostForUrl(host)}:${port.nodePort}`, how: 'node-port' };
    }
  }
  return portForward(connection, ref, port.targetPort ?? port.port);
}

async function nodeAddresses(connection: ClusterConnection, ref: ServiceRef): Promise<string[]> {
  const pods = await connection.core.listNamespacedPod({ namespace: ref.namespace, labelSelector: ref.podSelector });
  const hosts = new Set<string>();
  for (const p of pods.items) if (p.status?.hostIP) hosts.add(p.status.hostIP);
  hosts.add('127.0.0.1'); // Docker Desktop and kind publish node ports on the host
  return [...hosts];
}

const isReady = (p: k8s.V1Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** A Service's targetPort on a pod: a number, or a container port's name. */
function containerPort(pod: k8s.V1Pod, targetPort: number | string): number | undefined {
  if (typeof targetPort === 'number' || /^\d+$/.test(targetPort)) return Number(targetPort);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === targetPort) return p.containerPort;
  return undefined;
}

/**
 * A local listener that forwards every connection to a Running (preferably Ready) pod of
 * the service through client-node's WebSocket port-forward; a connection ends when its
 * tunnel does, and an error the cluster reports on the tunnel ends it too.
 */
async function portForward(connection: ClusterConnection, ref: ServiceRef, targetPort: number | string): Promise<FoundAddress> {
  const pods = (await connection.core.listNamespacedPod({ namespace: ref.namespace, labelSelector: ref.podSelector })).items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  const pod = pods.find(isReady) ?? pods[0];
  if (!pod?.metadata?.name) throw new Error(`no running pod for ${ref.namespace}/${ref.name} (${ref.podSelector}) to port-forward to`);
  const port = containerPort(pod, targetPort);
  if (!port) throw new Error(`pod ${ref.namespace}/${pod.metadata.name} has no container port named "${targetPort}" (the targetPort of ${ref.name})`);
  const forward = new k8s.PortForward(connection.kc);
  const podName = pod.metadata.name;
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    const errors = new Writable({
      write(chunk: Buffer, _enc, done) {
        if (chunk.length) socket.destroy(new Error(chunk.toString('utf8')));
        done();
      },
    });
    forward
      .portForward(ref.namespace, podName, [port], socket, errors, socket)
      .then((ws) => {
        const tunnel = ws as unknown as WebSocket;
        tunnel.addEventListener('close', () => socket.end());
        socket.on('close', () => tunnel.close());
      })
      .catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: localPort } = server.address() as net.AddressInfo;
  const close = () => {
    server.close();
    for (const s of open) s.destroy();
  };
  return { url: `http://127.0.0.1:${localPort}`, how: 'port-forward', close };
}

const hostForUrl = (h: string) => (h.includes(':') ? `[${h}]` : h);

/**
 * Whether something answers at host:port. A reset counts: a gateway whose port no Gateway
 * server opens yet accepts and resets (as Envoy does), and it serves there once one exists.
 */
export function canConnect(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNRESET'));
  });
}
