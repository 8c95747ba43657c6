// Evaluated before anything that loads the registry: the bundle is fixed when it first loads.
import bundleText from '../../../manifests/gateway-api/standard-install.yaml';
import { provideGatewayApiBundle } from '../../../server/embedded/apiserver/crd/gateway-api-bundle.ts';

provideGatewayApiBundle(bundleText);
