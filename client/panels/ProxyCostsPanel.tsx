import { useEffect, useState } from 'react';
import { PROXY_COSTS_PATH, type ProxyCostFigures, type ProxyCostsReport } from '../../server/protocol.ts';
import { api, errorText } from '../live/api.ts';
import { Panel } from './Panel.tsx';

/** istio.io's performance page: what each proxy costs per 1,000 requests/s. */
export const PUBLISHED_COSTS: Record<ProxyCostFigures['kind'], { vcpu: number; memoryMB: number }> = {
  sidecar: { vcpu: 0.2, memoryMB: 60 },
  ztunnel: { vcpu: 0.06, memoryMB: 12 },
  waypoint: { vcpu: 0.25, memoryMB: 60 },
};
const LABELS: Record<ProxyCostFigures['kind'], string> = { sidecar: 'sidecar (Envoy)', ztunnel: 'ztunnel (per node)', waypoint: 'waypoint (Envoy)' };
const REFRESH_MS = 3000;

function measuredCpu(p: ProxyCostFigures | undefined): string {
  if (!p?.requests) return 'no traffic yet';
  if (p.vcpuPer1000Rps === undefined) return 'sampling…';
  return `${p.vcpuPer1000Rps.toFixed(3)} vCPU`;
}

function measuredMemory(p: ProxyCostFigures | undefined): string {
  return p?.memoryKiBPerInstance === undefined ? '–' : `${p.memoryKiBPerInstance.toFixed(0)} KB`;
}

/**
 * The published cost of each proxy beside what this embedded cluster's simulation spends:
 * CPU of each proxy's own code path (sampled), memory held per running instance.
 */
export function ProxyCostsPanel() {
  const [report, setReport] = useState<ProxyCostsReport>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let alive = true;
    const load = () =>
      api<ProxyCostsReport>(PROXY_COSTS_PATH).then(
        (r) => alive && (setReport(r), setError(undefined)),
        (e) => alive && setError(errorText(e)),
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, []);
  const byKind = new Map(report?.proxies.map((p) => [p.kind, p]));
  return (
    <Panel kind="costs" title="what a proxy costs, per 1,000 requests/s" state={report ? 'live' : error ? 'idle' : 'connecting'} hasData>
      <table className="costs-table">
        <thead>
          <tr>
            <th>proxy</th>
            <th>istio.io: CPU</th>
            <th>istio.io: memory</th>
            <th>simulated on this laptop: CPU</th>
            <th>simulated: memory per instance</th>
          </tr>
        </thead>
        <tbody>
          {(Object.keys(PUBLISHED_COSTS) as ProxyCostFigures['kind'][]).map((kind) => {
            const p = byKind.get(kind);
            return (
              <tr key={kind} data-proxy={kind}>
                <th scope="row">{LABELS[kind]}</th>
                <td>{PUBLISHED_COSTS[kind].vcpu.toFixed(2)} vCPU</td>
                <td>{PUBLISHED_COSTS[kind].memoryMB} MB</td>
                <td className="costs-measured" title={p?.samples ? `${p.samples} of ${p.requests} requests timed` : undefined}>
                  {report ? measuredCpu(p) : '…'}
                </td>
                <td className="costs-measured">{report ? measuredMemory(p) : '…'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="costs-note">
        {report
          ? `Simulated on this laptop: the time each simulated proxy's own code takes for a typical request (1 in ${report.sampleEvery} timed, the median kept), scaled to 1,000 requests/s; memory is what one instance holds of its own (its log). Not Envoy's or ztunnel's cost.`
          : error
            ? `Measured figures unavailable: ${error}`
            : 'Loading the measured figures…'}
      </p>
    </Panel>
  );
}
