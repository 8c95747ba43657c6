import { Arrow, Box, ISTIO_BLUE } from './diagram-parts.tsx';

/** The sidecar pattern: every pod gets an Envoy; istiod programs them all. */
export function MeshDiagram() {
  return (
    <svg viewBox="0 0 1000 420" width="100%" role="img"
      aria-label="Two pods, each with an application container and an Envoy sidecar; traffic flows sidecar to sidecar; istiod, the control plane, pushes configuration to every sidecar.">
      <Box x={350} y={20} w={300} h={80} title="istiod" subtitle="control plane" fill="#dfe8f7" />
      <rect x={60} y={170} width={360} height={200} rx={14} fill="none" stroke="#9fb3c8" strokeWidth={3} strokeDasharray="10 8" />
      <rect x={580} y={170} width={360} height={200} rx={14} fill="none" stroke="#9fb3c8" strokeWidth={3} strokeDasharray="10 8" />
      <Box x={80} y={230} w={150} h={90} title="app" subtitle="productpage" />
      <Box x={250} y={230} w={150} h={90} title="Envoy" subtitle="sidecar" fill="#dfe8f7" />
      <Box x={600} y={230} w={150} h={90} title="Envoy" subtitle="sidecar" fill="#dfe8f7" />
      <Box x={770} y={230} w={150} h={90} title="app" subtitle="reviews" />
      <Arrow x1={230} y1={275} x2={248} y2={275} />
      <Arrow x1={400} y1={275} x2={598} y2={275} color={ISTIO_BLUE} />
      <Arrow x1={750} y1={275} x2={768} y2={275} />
      <text x={500} y={262} fontSize={18} fill="#9fb3c8" textAnchor="middle">mTLS, retries, routing</text>
      <Arrow x1={450} y1={100} x2={330} y2={228} dashed />
      <Arrow x1={550} y1={100} x2={670} y2={228} dashed />
      <text x={75} y={200} fontSize={18} fill="#9fb3c8">pod</text>
      <text x={595} y={200} fontSize={18} fill="#9fb3c8">pod</text>
    </svg>
  );
}
