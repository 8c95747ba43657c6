import { INK } from './diagram-parts.tsx';

/**
 * Why a 7 s delay breaks the page after 6 s: productpage gives reviews 3 s and one
 * retry, while reviews v2 would have waited 10 s for ratings.
 */
const SCALE = 80; // px per second
const LEFT = 270;

function Bar(props: { row: number; from: number; to: number; color: string; label: string }) {
  const { row, from, to, color, label } = props;
  const y = 70 + row * 70;
  return (
    <g>
      <rect x={LEFT + from * SCALE} y={y} width={(to - from) * SCALE} height={40} rx={6} fill={color} />
      <text x={LEFT + from * SCALE + 10} y={y + 27} fontSize={18} fill="#fff">{label}</text>
    </g>
  );
}

export function DelayTimeline() {
  const ticks = Array.from({ length: 11 }, (_, s) => s);
  return (
    <svg viewBox="0 0 1150 420" width="100%" role="img"
      aria-label="Timeline: productpage tries reviews twice with a 3 second timeout each and gives up at 6 seconds; reviews v2 waits up to 10 seconds for ratings, which is delayed 7 seconds.">
      <rect x={0} y={0} width={1150} height={420} rx={10} fill="#f4f6f8" />
      {ticks.map((s) => (
        <g key={s}>
          <line x1={LEFT + s * SCALE} y1={50} x2={LEFT + s * SCALE} y2={360} stroke="#c9d3dd" />
          <text x={LEFT + s * SCALE} y={385} fontSize={16} fill={INK} textAnchor="middle">{s} s</text>
        </g>
      ))}
      <text x={20} y={97} fontSize={20} fill={INK}>productpage → reviews</text>
      <text x={20} y={167} fontSize={20} fill={INK}>(retry)</text>
      <text x={20} y={237} fontSize={20} fill={INK}>reviews v2 → ratings</text>
      <text x={20} y={307} fontSize={20} fill={INK}>reviews v2 patience</text>
      <Bar row={0} from={0} to={3} color="#466bb0" label="try 1: 3 s timeout" />
      <Bar row={1} from={3} to={6} color="#466bb0" label="try 2: 3 s timeout" />
      <Bar row={2} from={0} to={7} color="#d98c1f" label="injected delay 7 s" />
      <Bar row={3} from={0} to={10} color="#7a8896" label="10 s timeout" />
      <line x1={LEFT + 6 * SCALE} y1={40} x2={LEFT + 6 * SCALE} y2={360} stroke="#d12a2a" strokeWidth={4} />
      <text x={LEFT + 6 * SCALE} y={36} fontSize={20} fontWeight={700} fill="#d12a2a" textAnchor="middle">6 s: page shows "Error fetching product reviews"</text>
    </svg>
  );
}
