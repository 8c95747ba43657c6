// @vitest-environment jsdom
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProxyCostsPanel } from '../../client/panels/ProxyCostsPanel.tsx';
import type { ProxyCostsReport } from '../../server/protocol.ts';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the costs panel', () => {
  it('shows the published costs beside the measured ones, labelled as the simulation', async () => {
    const report: ProxyCostsReport = {
      measuredOn: 'simulated on this laptop',
      sampleEvery: 8,
      proxies: [
        { kind: 'sidecar', instances: 6, requests: 4000, samples: 500, cpuMsPer1000Requests: 180.4, vcpuPer1000Rps: 0.18, memoryKiBPerInstance: 20.4 },
        { kind: 'ztunnel', instances: 1, requests: 900, samples: 112, cpuMsPer1000Requests: 82, vcpuPer1000Rps: 0.082, memoryKiBPerInstance: 96 },
        { kind: 'waypoint', instances: 0, requests: 0, samples: 0 },
      ],
    };
    const fetchMock = vi.fn(async (_url: string) => new Response(JSON.stringify(report), { headers: { 'content-type': 'application/json' } }));
    vi.stubGlobal('fetch', fetchMock);
    const { container } = render(<ProxyCostsPanel />);
    await waitFor(() => expect(container.querySelector('[data-proxy="ztunnel"]')!.textContent).toContain('0.082 vCPU'));
    expect(fetchMock.mock.calls[0][0]).toBe('/api/proxy-costs');
    const row = (kind: string) => [...container.querySelectorAll(`[data-proxy="${kind}"] td`)].map((td) => td.textContent);
    expect(row('sidecar')).toEqual(['0.20 vCPU', '60 MB', '0.180 vCPU', '20 KB']);
    expect(row('ztunnel')).toEqual(['0.06 vCPU', '12 MB', '0.082 vCPU', '96 KB']);
    expect(row('waypoint')).toEqual(['0.25 vCPU', '60 MB', 'no traffic yet', '–']);
    expect(screen.getByText(/^Simulated on this laptop: .*1 in 8 timed, the median kept/)).toBeTruthy();
  });

  it('says why the measured figures are missing on a real cluster', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: 'only the embedded cluster measures what its simulated proxies cost; this deck runs on prod' }), { status: 404, headers: { 'content-type': 'application/json' } })));
    render(<ProxyCostsPanel />);
    await waitFor(() => expect(screen.getByText(/Measured figures unavailable: only the embedded cluster measures/)).toBeTruthy());
    expect(screen.getAllByText('0.20 vCPU')).toHaveLength(1);
  });
});
