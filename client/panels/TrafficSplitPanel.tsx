import { TRAFFIC_TOPIC, type TrafficSecond, type TrafficSnapshot } from '../../server/protocol.ts';
import { useTopic } from '../live/index.ts';
import { Panel } from './Panel.tsx';

const SERIES = ['v1', 'v2', 'v3', 'errors'] as const;
type Series = (typeof SERIES)[number];
const WINDOW_S = 60;
const W = 560;
const H = 110;

export function seriesOf(outcome: string): Series {
  return outcome === 'v1' || outcome === 'v2' || outcome === 'v3' ? outcome : 'errors';
}

/** Share of answers per series over the given seconds, in whole percent. */
export function shares(seconds: TrafficSecond[]): Record<Series, number> & { total: number } {
  const sums: Record<Series, number> = { v1: 0, v2: 0, v3: 0, errors: 0 };
  for (const s of seconds) for (const [k, n] of Object.entries(s.counts)) sums[seriesOf(k)] += n;
  const total = SERIES.reduce((a, k) => a + sums[k], 0);
  const pct = (n: number) => (total ? Math.round((n / total) * 100) : 0);
  return { v1: pct(sums.v1), v2: pct(sums.v2), v3: pct(sums.v3), errors: pct(sums.errors), total };
}

export function trafficSummary(users: string[], seconds: TrafficSecond[]): string | undefined {
  const parts = users.map((u) => {
    const recent = seconds.filter((s) => s.user === u).slice(-10);
    const sh = shares(recent);
    if (!sh.total) return `${u}: no traffic`;
    // Rounded to 10% so the live region speaks when the split moves, not on every wobble.
    const split = SERIES.filter((k) => sh[k] >= 5).map((k) => `${k === 'errors' ? 'errors' : `reviews-${k}`} ${Math.round(sh[k] / 10) * 10}%`);
    return `${u}: ${split.join(', ')}`;
  });
  return parts.length ? parts.join('; ') : undefined;
}

function UserChart({ user, seconds, now }: { user: string; seconds: TrafficSecond[]; now: number }) {
  const mine = seconds.filter((s) => s.user === user && s.t > now - WINDOW_S);
  const maxCount = Math.max(1, ...mine.map((s) => Object.values(s.counts).reduce((a, b) => a + b, 0)));
  const maxLatency = Math.max(100, ...mine.map((s) => s.latencyMs.p99));
  const bw = W / WINDOW_S;
  const x = (t: number) => W - (now - t + 1) * bw;
  const latencyPath = mine.map((s, i) => `${i ? 'L' : 'M'}${(x(s.t) + bw / 2).toFixed(1)},${(H - (s.latencyMs.p99 / maxLatency) * H).toFixed(1)}`).join(' ');
  const last = shares(mine.slice(-10));
  const lastLatency = mine.at(-1)?.latencyMs;
  return (
    <div className="traffic-row" data-user={user}>
      <div className="traffic-label">
        <strong>{user}</strong>
        <span className="traffic-legend">
          {SERIES.map((k) => (
            <span key={k} className={`legend-item series-${k}`}>
              {k} {last[k]}%
            </span>
          ))}
        </span>
        <span className="traffic-latency">{lastLatency ? `p50 ${Math.round(lastLatency.p50)} ms · p99 ${Math.round(lastLatency.p99)} ms` : ''}</span>
      </div>
      <svg className="traffic-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`answers per second for ${user}`}>
        {mine.map((s) => {
          let y = H;
          return SERIES.map((k) => {
            const n = Object.entries(s.counts).reduce((a, [o, c]) => a + (seriesOf(o) === k ? c : 0), 0);
            if (!n) return null;
            const h = (n / maxCount) * (H - 8);
            y -= h;
            return <rect key={`${s.t}-${k}`} className={`series-${k}`} x={x(s.t)} y={y} width={Math.max(1, bw - 1)} height={h} />;
          });
        })}
        {latencyPath && <path className="latency-line" d={latencyPath} />}
        <text className="chart-axis" x={4} y={15}>
          p99 max {Math.round(maxLatency)} ms
        </text>
      </svg>
    </div>
  );
}

/** Which reviews version answered, second by second, for anonymous and for jason. */
export function TrafficSplitPanel() {
  const t = useTopic<TrafficSnapshot>(TRAFFIC_TOPIC);
  const seconds = t.data?.seconds ?? [];
  const users = t.data?.users?.length ? t.data.users : ['anonymous', 'jason'];
  const now = seconds.reduce((m, s) => Math.max(m, s.t), 0);
  return (
    <Panel
      kind="traffic"
      title={<>traffic split · reviews{t.data && !t.data.running ? ' · generator stopped' : ''}</>}
      state={t.state}
      error={t.error}
      hasData={seconds.length > 0}
      emptyText="No traffic yet: the generator has not sent any requests."
      summary={seconds.length ? trafficSummary(users, seconds) : undefined}
    >
      {users.map((u) => (
        <UserChart key={u} user={u} seconds={seconds} now={now} />
      ))}
    </Panel>
  );
}
