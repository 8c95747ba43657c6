import { Arrow, Box, ISTIO_BLUE } from './diagram-parts.tsx';

/** Ambient mode: no sidecars; a ztunnel per node carries mTLS (HBONE), a waypoint per namespace adds L7 when asked for. */
export function AmbientDiagram() {
  return (
    <svg viewBox="0 0 1000 440" width="100%" height={360} role="img"
      aria-label="Two nodes, each with one ztunnel; the application pods have no sidecar; ztunnel to ztunnel traffic is mutual TLS over HBONE on port 15008; an optional waypoint proxy in the namespace handles L7 routing and policy; istiod programs the ztunnels and the waypoint.">
      <Box x={350} y={10} w={300} h={70} title="istiod" subtitle="control plane" fill="#dfe8f7" />
      <rect x={40} y={140} width={400} height={280} rx={14} fill="none" stroke="#9fb3c8" strokeWidth={3} strokeDasharray="10 8" />
      <rect x={560} y={140} width={400} height={280} rx={14} fill="none" stroke="#9fb3c8" strokeWidth={3} strokeDasharray="10 8" />
      <text x={55} y={168} fontSize={18} fill="#9fb3c8">node 1</text>
      <text x={575} y={168} fontSize={18} fill="#9fb3c8">node 2</text>
      <Box x={60} y={190} w={200} h={80} title="productpage" subtitle="pod, 1/1" />
      <Box x={780} y={190} w={160} h={80} title="reviews" subtitle="pod, 1/1" />
      <Box x={70} y={320} w={340} h={70} title="ztunnel" subtitle="L4: mTLS, identity, L4 policy" fill="#dfe8f7" />
      <Box x={590} y={320} w={340} h={70} title="ztunnel" subtitle="L4: mTLS, identity, L4 policy" fill="#dfe8f7" />
      <Box x={580} y={190} w={180} h={80} title="waypoint" subtitle="optional: L7" fill="#fdf0d5" />
      <Arrow x1={160} y1={270} x2={160} y2={318} />
      <Arrow x1={410} y1={355} x2={588} y2={355} color={ISTIO_BLUE} />
      <Arrow x1={860} y1={318} x2={860} y2={272} />
      <Arrow x1={670} y1={318} x2={670} y2={272} dashed />
      <text x={500} y={432} fontSize={18} fill="#9fb3c8" textAnchor="middle">HBONE: mTLS on port 15008</text>
      <Arrow x1={450} y1={80} x2={240} y2={318} dashed />
      <Arrow x1={550} y1={80} x2={660} y2={188} dashed />
    </svg>
  );
}
