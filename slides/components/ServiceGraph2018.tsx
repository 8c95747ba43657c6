/**
 * A redrawing of what the Istio 1.0 servicegraph add-on showed at
 * /force/forcegraph.html: a D3 force layout of "<app> (<workload>)" nodes with
 * reqs/sec on the edges. The numbers are illustrative, in its 6-decimal format.
 */
const NODES: Record<string, [number, number]> = {
  'istio-ingressgateway (istio-ingressgateway)': [110, 250],
  'productpage (productpage-v1)': [360, 250],
  'details (details-v1)': [630, 70],
  'reviews (reviews-v1)': [650, 190],
  'reviews (reviews-v2)': [650, 310],
  'reviews (reviews-v3)': [630, 430],
  'ratings (ratings-v1)': [880, 370],
};

/** "<app> (<workload>)" on two lines: the add-on's long names, kept whole and inside the drawing. */
function NodeLabel({ name, x, y }: { name: string; x: number; y: number }) {
  const [app, workload] = name.split(' ');
  return (
    <text x={x} y={y + 32} fontSize={16} fill="#333" textAnchor="middle">
      <tspan x={x}>{app}</tspan>
      <tspan x={x} dy={19}>{workload}</tspan>
    </text>
  );
}

const EDGES: [string, string, string][] = [
  ['istio-ingressgateway (istio-ingressgateway)', 'productpage (productpage-v1)', '0.200000'],
  ['productpage (productpage-v1)', 'details (details-v1)', '0.200000'],
  ['productpage (productpage-v1)', 'reviews (reviews-v1)', '0.066667'],
  ['productpage (productpage-v1)', 'reviews (reviews-v2)', '0.066667'],
  ['productpage (productpage-v1)', 'reviews (reviews-v3)', '0.066667'],
  ['reviews (reviews-v2)', 'ratings (ratings-v1)', '0.066667'],
  ['reviews (reviews-v3)', 'ratings (ratings-v1)', '0.066667'],
];

export function ServiceGraph2018() {
  return (
    <svg className="slide-diagram" viewBox="0 0 1000 520" width="100%" role="img"
      aria-label="The 2018 servicegraph: a force-directed graph of workloads with requests per second on each edge"
      style={{ background: '#ffffff', borderRadius: 8 }}>
      {EDGES.map(([from, to, rate]) => {
        const [x1, y1] = NODES[from];
        const [x2, y2] = NODES[to];
        return (
          <g key={`${from}->${to}`}>
            <line x1={x1} y1={y1} x2={x2} y2={y2} stroke="#999" strokeWidth={2} />
            <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 6} fontSize={16} fill="#555" textAnchor="middle">{rate}</text>
          </g>
        );
      })}
      {Object.entries(NODES).map(([name, [x, y]]) => (
        <g key={name}>
          <circle cx={x} cy={y} r={12} fill="#1f77b4" stroke="#fff" strokeWidth={2} />
          <NodeLabel name={name} x={x} y={y} />
        </g>
      ))}
      <text x={20} y={505} fontSize={18} fill="#777">servicegraph /force/forcegraph.html?time_horizon=15s (Istio 1.0, 2018)</text>
    </svg>
  );
}
