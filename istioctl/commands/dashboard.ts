import { type AddressInfo, createServer } from 'node:net';
import { str } from '../args.ts';
import { type Command, CommandError } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { clientNode, isRunning } from '../kube.ts';
import { resolvePod } from '../pods.ts';

/** Each add-on's pods, its port and the page the URL opens. */
const ADDONS: Record<string, { title: string; selector: string; port: number; path: string }> = {
  jaeger: { title: 'Jaeger', selector: 'app=jaeger', port: 16686, path: '' },
  kiali: { title: 'Kiali', selector: 'app=kiali', port: 20001, path: '/kiali' },
  prometheus: { title: 'Prometheus', selector: 'app.kubernetes.io/name=prometheus', port: 9090, path: '' },
  grafana: { title: 'Grafana', selector: 'app.kubernetes.io/name=grafana', port: 3000, path: '' },
  zipkin: { title: 'Zipkin', selector: 'app=zipkin', port: 9411, path: '' },
};

/** Forwards a local port to the pod's port through the API server until the process is stopped. */
async function forward(ctx: CommandContext, namespace: string, pod: string, remotePort: number, path: string): Promise<number> {
  const { PortForward } = await clientNode();
  const pf = new PortForward((await ctx.kube()).config);
  const server = createServer((socket) => {
    pf.portForward(namespace, pod, [remotePort], socket, null, socket).catch((err) => {
      ctx.io.err(`Error: port-forward to ${pod}.${namespace}:${remotePort}: ${err instanceof Error ? err.message : String(err)}\n`);
      socket.destroy();
    });
  });
  const address = str(ctx.args, 'address') ?? 'localhost';
  const wanted = str(ctx.args, 'port') !== undefined ? Number(str(ctx.args, 'port')) : remotePort;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new CommandError(err.code === 'EADDRINUSE' ? `failure running port forward process: port ${wanted} is already in use (choose another with --port)` : err.message)));
    server.listen(wanted, address === 'localhost' ? '127.0.0.1' : address, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  ctx.io.out(`http://${address}:${port}${path}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

export const dashboardCommand: Command = {
  name: 'dashboard',
  aliases: ['dash', 'd'],
  summary: 'Access to Istio web UIs',
  usage: 'istioctl dashboard jaeger|kiali|prometheus|grafana|zipkin|envoy <pod> [flags]',
  flags: [{ name: 'port', short: 'p' }, { name: 'address' }, { name: 'browser', bool: true }],
  flagHelp: ['  -p, --port int          Local port to listen to (default: the add-on\'s own)', '      --address string    Address to listen on (default "localhost")', '      --browser           When --browser is supplied as false, istioctl dashboard will not open the browser (this one never does)'],
  async run(ctx, positional) {
    const [which, target] = positional;
    if (which === 'envoy' || which === 'controlz') {
      if (!target) throw new CommandError(`dashboard ${which} needs a pod name (pod-name[.namespace])`);
      const pod = await resolvePod(ctx, target);
      return forward(ctx, pod.metadata!.namespace!, pod.metadata!.name!, which === 'envoy' ? 15000 : 9876, '');
    }
    const addon = ADDONS[which ?? ''];
    if (!addon) throw new CommandError(which ? `"dashboard ${which}" is not supported by this project's istioctl: use ${[...Object.keys(ADDONS), 'envoy'].join(', ')}` : 'dashboard needs the add-on to open');
    const ns = ctx.istioNamespace;
    const pods = (await (await ctx.kube()).core.listNamespacedPod({ namespace: ns, labelSelector: addon.selector })).items.filter(isRunning);
    if (!pods.length) throw new CommandError(`no ${addon.title} pods found in namespace ${ns}: the ${which} add-on is not installed (Istio's samples/addons/${which}.yaml installs it)`);
    return forward(ctx, ns, pods[0].metadata!.name!, addon.port, addon.path);
  },
};
