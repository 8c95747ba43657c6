import { describe, expect, it, vi } from 'vitest';
import { GATEWAY_API_STANDARD_BUNDLE, crdsInFile } from '../../server/embedded/apiserver/crd/bundle-file.ts';
import { gatewayApiCrds } from '../../server/embedded/apiserver/crd/gateway-api-bundle.ts';

const LANE_BUNDLE = `---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: lanes.example.io}
spec:
  group: example.io
  names: {kind: Lane, listKind: LaneList, plural: lanes, singular: lane}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-crd}
`;

describe('the Gateway API bundle the registry serves', () => {
  it("is, with nothing handed in, the project's file as node:fs reads it", () => {
    const names = gatewayApiCrds().map((c) => c.metadata.name);
    expect(names).toEqual(crdsInFile(GATEWAY_API_STANDARD_BUNDLE).map((c) => c.metadata.name));
    expect(names).toContain('httproutes.gateway.networking.k8s.io');
  });

  it('is the text handed in before the registry is loaded (as a browser build hands in its ?raw import), for serving and bootstrap alike', async () => {
    vi.resetModules();
    const { provideGatewayApiBundle } = await import('../../server/embedded/apiserver/crd/gateway-api-bundle.ts');
    provideGatewayApiBundle(LANE_BUNDLE);
    const { RESOURCE_TYPES } = await import('../../server/embedded/apiserver/registry.ts');
    const { BOOTSTRAP_CRDS } = await import('../../server/embedded/controllers/bootstrap.ts');
    const served = RESOURCE_TYPES.filter((t) => t.customResource && !t.group.endsWith('istio.io')).map((t) => `${t.kind}.${t.group}`);
    expect(served).toEqual(['Lane.example.io']);
    expect(BOOTSTRAP_CRDS.find((s) => s.name === 'gateway-api')!.documents().map((c) => c.metadata.name)).toEqual(['lanes.example.io']);
  });
});
