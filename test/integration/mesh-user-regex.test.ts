import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { type Mesh, createMesh } from '../../server/embedded/mesh/index.ts';
import { SpanCollector, apply, bookinfoStore } from '../helpers/mesh-fixtures.ts';

const clock = new ScaledClock(0.05);
const store = bookinfoStore(clock);
let mesh: Mesh;

beforeAll(() => {
  mesh = createMesh({ store, clock, spans: new SpanCollector() });
});
afterAll(() => mesh.stop());

const productpage = [{ destination: { host: 'productpage', port: { number: 9080 } } }];

/** The bookinfo gateway's VirtualService with one more rule first: a user's regex that answers 418. */
function gatewayRuleWith(match: Record<string, unknown>) {
  apply(store, [
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'bookinfo' },
      spec: {
        hosts: ['*'],
        gateways: ['bookinfo-gateway'],
        http: [
          { match: [match], fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }, route: productpage },
          { match: [{ uri: { exact: '/productpage' } }], route: productpage },
        ],
      },
    },
  ]);
}

const status = async (url: string, headers: Record<string, string> = {}) => (await mesh.request('ingress', { url, headers })).status;

describe('a user’s regex in a VirtualService, through the ingress gateway', () => {
  it('uri regex "/(a+)+" against 40 a’s answers at once, and matches the whole path', async () => {
    // A backtracking engine needs 2^40 steps for the path ending in "!"; this test would time out.
    gatewayRuleWith({ uri: { regex: '/(a+)+' } });
    const as = 'a'.repeat(40);
    expect(await status(`/${as}`)).toBe(418);
    expect(await status(`/${as}!`)).toBe(404);
    expect(await status(`/x/${as}`)).toBe(404);
    expect(await status('/productpage')).toBe(200);
  });

  it('header and query regexes match with RE2: (?i), \\pL, named groups', async () => {
    gatewayRuleWith({ headers: { 'x-user': { regex: '(?i)JASON|\\pL+-(?P<n>[0-9]+)' } } });
    expect(await status('/productpage', { 'x-user': 'jason' })).toBe(418);
    expect(await status('/productpage', { 'x-user': 'Ωmega-7' })).toBe(418);
    expect(await status('/productpage', { 'x-user': 'jason2' })).toBe(200);
    gatewayRuleWith({ queryParams: { q: { regex: '(b+)+c' } } });
    expect(await status(`/productpage?q=${'b'.repeat(40)}c`)).toBe(418);
    expect(await status(`/productpage?q=${'b'.repeat(40)}`)).toBe(200);
  });
});
