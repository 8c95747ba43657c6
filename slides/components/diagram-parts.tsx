// Small SVG building blocks shared by the slide diagrams. Boxes are light with dark
// text so they stay readable on a dark theme and on a washed-out projector.

export const INK = '#1d2733';
export const BOX_FILL = '#f4f6f8';
export const ISTIO_BLUE = '#466bb0';

export function Box(props: {
  x: number; y: number; w: number; h: number;
  title: string; subtitle?: string; fill?: string; stroke?: string;
}) {
  const { x, y, w, h, title, subtitle, fill = BOX_FILL, stroke = ISTIO_BLUE } = props;
  return (
    <g>
      <rect x={x} y={y} width={w} height={h} rx={10} fill={fill} stroke={stroke} strokeWidth={3} />
      <text x={x + w / 2} y={y + (subtitle ? h / 2 - 6 : h / 2 + 8)} textAnchor="middle"
        fontSize={24} fontWeight={700} fill={INK}>{title}</text>
      {subtitle && (
        <text x={x + w / 2} y={y + h / 2 + 22} textAnchor="middle" fontSize={18} fill={INK}>{subtitle}</text>
      )}
    </g>
  );
}

export function Arrow(props: { x1: number; y1: number; x2: number; y2: number; color?: string; dashed?: boolean }) {
  const { x1, y1, x2, y2, color = '#9fb3c8', dashed } = props;
  const angle = Math.atan2(y2 - y1, x2 - x1);
  const head = 14;
  const p1 = `${x2 - head * Math.cos(angle - 0.4)},${y2 - head * Math.sin(angle - 0.4)}`;
  const p2 = `${x2 - head * Math.cos(angle + 0.4)},${y2 - head * Math.sin(angle + 0.4)}`;
  return (
    <g stroke={color} fill={color}>
      <line x1={x1} y1={y1} x2={x2} y2={y2} strokeWidth={3} strokeDasharray={dashed ? '8 6' : undefined} />
      <polygon points={`${x2},${y2} ${p1} ${p2}`} />
    </g>
  );
}

/** A five-pointed star centred on (cx, cy). */
export function Star(props: { cx: number; cy: number; r: number; color: string }) {
  const { cx, cy, r, color } = props;
  const points: string[] = [];
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? r : r * 0.45;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    points.push(`${(cx + radius * Math.cos(a)).toFixed(1)},${(cy + radius * Math.sin(a)).toFixed(1)}`);
  }
  return <polygon points={points.join(' ')} fill={color} />;
}

export function Stars(props: { x: number; y: number; color: string; count?: number }) {
  const { x, y, color, count = 5 } = props;
  return (
    <g>
      {Array.from({ length: count }, (_, i) => <Star key={i} cx={x + i * 22} cy={y} r={10} color={color} />)}
    </g>
  );
}
