import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AmbientDiagram } from '../../slides/components/AmbientDiagram.tsx';
import { BookinfoArchitecture } from '../../slides/components/BookinfoArchitecture.tsx';
import { DelayTimeline } from '../../slides/components/DelayTimeline.tsx';
import { MeshDiagram } from '../../slides/components/MeshDiagram.tsx';
import { ServiceGraph2018 } from '../../slides/components/ServiceGraph2018.tsx';

const render = (component: () => unknown) => renderToStaticMarkup(createElement(component as () => null));
const count = (html: string, needle: string) => html.split(needle).length - 1;

describe('slide diagrams', () => {
  it('Bookinfo: four services in four languages, three reviews versions, black and red stars', () => {
    const html = render(BookinfoArchitecture);
    expect(html).toMatch(/^<svg[^>]*viewBox/);
    for (const label of ['productpage', 'Python', 'details', 'Ruby', 'reviews v1', 'reviews v2', 'reviews v3', 'Java', 'ratings', 'Node.js', 'no stars']) {
      expect(html).toContain(`>${label}<`);
    }
    expect(count(html, 'fill="#1d2733"></polygon>') + count(html, 'fill="#1d2733"/>')).toBe(5);
    expect(count(html, 'fill="#d12a2a"></polygon>') + count(html, 'fill="#d12a2a"/>')).toBe(5);
    expect(html).toContain('aria-label="Bookinfo architecture');
  });

  it('the 2018 servicegraph uses its "<app> (<workload>)" node names and reqs/sec labels', () => {
    const html = render(ServiceGraph2018);
    // Each name on two lines (app, then its workload), so the long ones stay inside the drawing.
    expect(html).toMatch(/>productpage<\/tspan><tspan[^>]*>\(productpage-v1\)</);
    expect(html).toMatch(/>istio-ingressgateway<\/tspan><tspan[^>]*>\(istio-ingressgateway\)</);
    expect(html).toMatch(/>0\.\d{6}</);
    // v1 never calls ratings: only v2 and v3 have an edge to it.
    expect(count(html, '<line')).toBe(7);
  });

  it('ambient: a ztunnel on each node, pods without sidecars, HBONE between them, an optional waypoint', () => {
    const html = render(AmbientDiagram);
    expect(count(html, '>ztunnel<')).toBe(2);
    expect(count(html, '>pod, 1/1<')).toBe(2);
    expect(html).not.toContain('sidecar<');
    expect(html).toContain('>optional: L7<');
    expect(html).toContain('HBONE: mTLS on port 15008');
  });

  it('the delay timeline gives up at 6 s while reviews would wait 10 s', () => {
    const html = render(DelayTimeline);
    expect(html).toContain('try 1: 3 s timeout');
    expect(html).toContain('try 2: 3 s timeout');
    expect(html).toContain('injected delay 7 s');
    expect(html).toContain('10 s timeout');
    expect(html).toContain('Error fetching product reviews');
  });

  it('the mesh diagram shows sidecars and istiod', () => {
    const html = render(MeshDiagram);
    expect(count(html, '>Envoy<')).toBe(2);
    expect(html).toContain('>istiod<');
  });
});
