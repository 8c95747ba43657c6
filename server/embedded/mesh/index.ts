/**
 * The mesh as the Node edition runs it: the socket-free core (mesh-core.ts) plus gateway
 * ports served as real HTTP(S) servers, closed with the mesh.
 */
import { type GatewayServer, type GatewayServerOptions, startGatewayServer } from './gateway.ts';
import { type MeshCore, type MeshOptions, createMeshCore } from './mesh-core.ts';

export type { GatewayServer, GatewayServerOptions } from './gateway.ts';
export * from './mesh-core.ts';

export interface Mesh extends MeshCore {
  /** A gateway Service's port (istio-ingressgateway's 80 by default) as a real HTTP server (127.0.0.1, any free port by default). */
  startGateway(opts?: GatewayServerOptions): Promise<GatewayServer>;
}

export function createMesh(opts: MeshOptions): Mesh {
  const core = createMeshCore(opts);
  const gateways = new Set<GatewayServer>();
  return {
    ...core,
    async startGateway(gwOpts) {
      const gw = await startGatewayServer((service, port, req) => core.gatewayRequest(service, port, req), gwOpts);
      gateways.add(gw);
      return {
        ...gw,
        close: async () => {
          gateways.delete(gw);
          await gw.close();
        },
      };
    },
    async stop() {
      await core.stop();
      await Promise.all([...gateways].map((g) => g.close()));
      gateways.clear();
    },
  };
}
