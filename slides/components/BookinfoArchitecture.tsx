import { Arrow, Box, INK, Stars } from './diagram-parts.tsx';

/** Bookinfo: four microservices in four languages, three versions of reviews. */
export function BookinfoArchitecture() {
  return (
    <svg className="slide-diagram" viewBox="0 0 1000 520" width="100%" role="img"
      aria-label="Bookinfo architecture: the ingress gateway calls productpage (Python), which calls details (Ruby) and reviews v1, v2 and v3 (Java); reviews v2 and v3 call ratings (Node.js). v1 shows no stars, v2 black stars, v3 red stars.">
      <Box x={20} y={200} w={170} h={80} title="ingress" subtitle="Envoy gateway" />
      <Box x={250} y={200} w={190} h={80} title="productpage" subtitle="Python" />
      <Box x={530} y={40} w={170} h={80} title="details" subtitle="Ruby" />
      <Box x={530} y={170} w={170} h={80} title="reviews v1" subtitle="Java" />
      <Box x={530} y={290} w={170} h={80} title="reviews v2" subtitle="Java" />
      <Box x={530} y={410} w={170} h={80} title="reviews v3" subtitle="Java" />
      <Box x={800} y={340} w={170} h={80} title="ratings" subtitle="Node.js" />

      <Arrow x1={190} y1={240} x2={248} y2={240} />
      <Arrow x1={440} y1={225} x2={528} y2={85} />
      <Arrow x1={440} y1={235} x2={528} y2={210} />
      <Arrow x1={440} y1={250} x2={528} y2={325} />
      <Arrow x1={440} y1={260} x2={528} y2={445} />
      <Arrow x1={700} y1={330} x2={798} y2={370} />
      <Arrow x1={700} y1={450} x2={798} y2={395} />

      <text x={715} y={215} fontSize={18} fill="#9fb3c8">no stars</text>
      <rect x={705} y={292} width={122} height={24} rx={4} fill="#f4f6f8" />
      <Stars x={716} y={304} color={INK} />
      <rect x={705} y={466} width={122} height={24} rx={4} fill="#f4f6f8" />
      <Stars x={716} y={478} color="#d12a2a" />
    </svg>
  );
}
