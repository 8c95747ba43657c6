import { describe, expect, it } from 'vitest';
import { until } from '../helpers/until.ts';
import { ScaledClock } from '../../server/clock.ts';
import { createMesh } from '../../server/embedded/mesh/index.ts';
import { SpanCollector, apply, bookinfoStore, manifest, tag } from '../helpers/mesh-fixtures.ts';

const slowGatewayRoute = () => {
  const [gw, vs] = manifest('networking/bookinfo-gateway.yaml');
  vs.spec.http[0].fault = { delay: { fixedDelay: '20s', percentage: { value: 100 } } };
  return [gw, vs];
};

describe('cutting requests short', () => {
  it('a client hanging up cuts the request, and the gateway span records DC with status 0', async () => {
    const clock = new ScaledClock(0.05);
    const store = bookinfoStore(clock);
    apply(store, slowGatewayRoute());
    const spans = new SpanCollector();
    const mesh = createMesh({ store, clock, spans });
    const gw = await mesh.startGateway();
    try {
      const hangup = new AbortController();
      const pending = fetch(`${gw.url}/productpage`, { signal: hangup.signal }).catch((e) => e);
      await new Promise((r) => setTimeout(r, 50));
      hangup.abort();
      expect(await pending).toBeInstanceOf(Error);
      const span = await until(() => spans.spans[0], 'the gateway span of the abandoned request', 2000, 10);
      expect(span.serviceName).toBe('istio-ingressgateway.istio-system');
      expect(tag(span, 'http.status_code')).toBe('0');
      expect(tag(span, 'response_flags')).toBe('DI,DC');
      // Cut well before the 20 s (1 s real) delay ran out.
      expect(span.duration / 1e6).toBeLessThan(10);
    } finally {
      await gw.close();
      await mesh.stop();
    }
  });

  it('stop() ends requests still in flight instead of leaving them hanging', async () => {
    const clock = new ScaledClock(1);
    const store = bookinfoStore(clock);
    apply(store, slowGatewayRoute());
    const mesh = createMesh({ store, clock, spans: new SpanCollector() });
    const inFlight = mesh.request('ingress', { url: '/productpage' }).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    await mesh.stop();
    expect(await inFlight).toBe('cut');
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
