import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import { bootstrapCluster } from '../../server/embedded/controllers/bootstrap.ts';
import { bindFirst, loadBalancerPortCandidates, nodePortCandidates } from '../../server/embedded/host-network/port-choice.ts';
import { startServiceListeners } from '../../server/embedded/host-network/service-listeners.ts';
import type { GatewayServer, GatewayServerOptions } from '../../server/embedded/mesh/index.ts';
import { compileServices } from '../../server/embedded/mesh/services.ts';

const refused = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

describe('which host port a gateway Service port gets', () => {
  it('the presenter\'s cluster asks for the declared port first, then any free one; others only a free one', () => {
    expect(loadBalancerPortCandidates(80, 'well-known')).toEqual([80, 0]);
    expect(loadBalancerPortCandidates(80, 'ephemeral')).toEqual([0]);
  });

  it('a node port is tried as held, then fresh ones from the range, never one already tried', () => {
    let next = 30000;
    const tried = [...nodePortCandidates(31380, (taken) => {
      while (taken.has(next)) next++;
      return next;
    }, 3)];
    expect(tried).toEqual([31380, 30000, 30001, 30002]);
  });

  it('moves on when a port is not allowed or taken, and stops at any other error', async () => {
    const bind = async (port: number) => {
      if (port === 80) throw refused('EACCES');
      if (port === 8080) throw refused('EADDRINUSE');
      if (port === 9) throw refused('EADDRNOTAVAIL');
      return `bound ${port || 'free'}`;
    };
    expect(await bindFirst([80, 0], bind)).toEqual({ requested: 0, server: 'bound free' });
    expect(await bindFirst([8080, 443], bind)).toEqual({ requested: 443, server: 'bound 443' });
    await expect(bindFirst([9, 0], bind)).rejects.toThrow('EADDRNOTAVAIL');
    await expect(bindFirst([80], bind)).rejects.toThrow('EACCES');
  });
});

describe('the gateway Service shows the ports that serve', () => {
  /** A host where ports below 1024 are not ours and `busy` are held by someone else. */
  function fakeHost(busy: number[] = []) {
    const open = new Map<number, GatewayServerOptions>();
    let free = 40000;
    const listen = async (o: GatewayServerOptions): Promise<GatewayServer> => {
      const asked = o.port ?? 0;
      if (asked && asked < 1024) throw refused('EACCES');
      if (busy.includes(asked) || open.has(asked)) throw refused('EADDRINUSE');
      const port = asked || free++;
      open.set(port, o);
      return { port, url: `http://${o.host}:${port}`, close: async () => void open.delete(port) };
    };
    return { open, listen };
  }

  function cluster() {
    const clock = new ScaledClock(1);
    const store = new ObjectStore({ clock });
    bootstrapCluster(store, clock);
    const services = store.registry.mustGet('', 'services');
    const gateway = () => store.get(services, 'istio-system', 'istio-ingressgateway')!;
    return { store, services, gateway };
  }

  it('as a normal user: free ports for 80 and 443, shown in spec.ports, the declared ones kept for the mesh', async () => {
    const { store, gateway } = cluster();
    const host = fakeHost();
    const listeners = startServiceListeners({ store, listen: host.listen, mode: 'well-known', loadBalancerIp: '127.0.0.1', nodeIp: '127.0.0.1' });
    await listeners.settled();
    const svc = gateway();
    const port = (name: string) => svc.spec.ports.find((p: any) => p.name === name);
    // 15021 could be bound as declared; 80 and 443 could not.
    expect(port('status-port').port).toBe(15021);
    expect(port('http2').port).toBeGreaterThanOrEqual(40000);
    expect(port('https').port).toBeGreaterThanOrEqual(40000);
    expect(JSON.parse(svc.metadata.annotations!['istio-live-deck/cluster-ports'])).toEqual({ http2: 80, https: 443 });
    expect(svc.status.loadBalancer.ingress).toEqual([{ ip: '127.0.0.1', ipMode: 'VIP' }]);
    // Every port the Service shows has a listener, playing the port the cluster declares.
    for (const p of svc.spec.ports) {
      expect(host.open.get(p.port)?.target?.port).toBe(p.name === 'http2' ? 80 : p.name === 'https' ? 443 : 15021);
      expect(host.open.get(p.nodePort)?.target?.port).toBe(host.open.get(p.port)?.target?.port);
    }
    expect(listeners.loadBalancerUrl('istio-system', 'istio-ingressgateway', 'http2')).toBe(`http://127.0.0.1:${port('http2').port}`);
    // Inside the mesh, the Service still answers on 80 and 443.
    const view = compileServices([svc], []).get('istio-ingressgateway.istio-system.svc.cluster.local')!;
    expect(view.ports.map((p) => p.port)).toEqual([15021, 80, 443]);
    await listeners.stop();
    expect(host.open.size).toBe(0);
  });

  it('a node port someone else holds moves to a free one in the range, and the Service says which', async () => {
    const { store, gateway } = cluster();
    const host = fakeHost([31380]);
    const listeners = startServiceListeners({ store, listen: host.listen, mode: 'ephemeral', loadBalancerIp: '127.0.0.1', nodeIp: '127.0.0.1' });
    await listeners.settled();
    const http2 = gateway().spec.ports.find((p: any) => p.name === 'http2');
    expect(http2.nodePort).not.toBe(31380);
    expect(http2.nodePort).toBeGreaterThanOrEqual(30000);
    expect(http2.nodePort).toBeLessThanOrEqual(32767);
    expect(host.open.get(http2.nodePort)?.host).toBe('127.0.0.1');
    await listeners.stop();
  });

  it('a Service that stops selecting gateway pods loses its listeners; one changed to a new port gets it', async () => {
    const { store, services, gateway } = cluster();
    const host = fakeHost();
    const listeners = startServiceListeners({ store, listen: host.listen, mode: 'well-known', loadBalancerIp: '127.0.0.1', nodeIp: '127.0.0.1' });
    await listeners.settled();
    const moved = structuredClone(gateway());
    moved.spec.ports.find((p: any) => p.name === 'status-port').port = 15099;
    store.update(services, moved);
    await listeners.settled();
    expect(gateway().spec.ports.find((p: any) => p.name === 'status-port').port).toBe(15099);
    expect(host.open.has(15099)).toBe(true);
    expect(host.open.has(15021)).toBe(false);

    // As a NodePort Service: no load balancer, so the declared ports again, and node ports still served.
    const nodePortOnly = structuredClone(gateway());
    nodePortOnly.spec.type = 'NodePort';
    store.update(services, nodePortOnly);
    await listeners.settled();
    expect(gateway().spec.ports.map((p: any) => p.port)).toEqual([15099, 80, 443]);
    expect(gateway().status.loadBalancer).toEqual({});
    expect([...host.open.keys()].sort()).toEqual(gateway().spec.ports.map((p: any) => p.nodePort).sort());

    const elsewhere = structuredClone(gateway());
    elsewhere.spec.selector = { app: 'nothing-here' };
    store.update(services, elsewhere);
    await listeners.settled();
    expect(host.open.size).toBe(0);
    // Served nowhere on the host, it shows the ports it declares again.
    expect(gateway().spec.ports.map((p: any) => p.port)).toEqual([15099, 80, 443]);
    expect(gateway().metadata.annotations?.['istio-live-deck/cluster-ports']).toBeUndefined();
    await listeners.stop();
  });
});
