/**
 * What the other images the embedded cluster runs print: the samples (go-httpbin, fortio;
 * curl runs `sleep infinity` and prints nothing), Istio's proxy and istiod, CoreDNS and
 * Jaeger; and the catalogue that picks a container's format by its image.
 */
import { type ContainerLogFormat, type ContainerStart, type TimedLine, isoMicros } from '../app-runtime/log-formats.ts';
import { bookinfoLogFormat } from '../bookinfo/logs.ts';

const spread = (lines: string[], stepMs = 1): TimedLine[] => lines.map((line, i) => ({ offsetMs: i * stepMs, line }));

/** go-httpbin's slog text lines: `time=… level=INFO msg=…` plus one per request. */
const goHttpbin: ContainerLogFormat = {
  startup: ({ startedAtMs: t }) => [{ offsetMs: 0, line: `time=${isoMicros(t).slice(0, 23)}Z level=INFO msg="go-httpbin listening on http://0.0.0.0:8080"` }],
  served: (r) => {
    const ms = Math.max(0, r.endMs - r.startMs);
    const agent = r.headers['user-agent'] ?? '';
    return [
      `time=${isoMicros(r.endMs).slice(0, 23)}Z level=INFO msg="${r.status} ${r.method} ${r.path.split('?')[0]} ${ms.toFixed(1)}ms" status=${r.status} method=${r.method} uri=${r.path} size_bytes=${r.bytes} duration_ms=${ms.toFixed(3)} user_agent=${/[\s"]/.test(agent) ? JSON.stringify(agent) : agent} client_ip=${r.peerIp}`,
    ];
  },
};

const fortio: ContainerLogFormat = {
  startup: () =>
    spread([
      "Fortio 1.69.5 grpc 'ping' server listening on tcp [::]:8079",
      'Fortio 1.69.5 https redirector server listening on tcp [::]:8081',
      'Fortio 1.69.5 echo server listening on tcp [::]:8080',
      'Data directory is /var/lib/fortio',
      'REST API on /fortio/rest/run, /fortio/rest/status, /fortio/rest/stop, /fortio/rest/dns',
      'Debug endpoint on /debug, Additional Echo on /debug/echo/, Flags on /fortio/flags, and Metrics on /debug/metrics',
      '\t UI started - visit:',
      '\t http://localhost:8080/fortio/',
      '\t (or any host/ip reachable on this server)',
    ]),
};

/** pilot-agent and Envoy as the `istio-proxy` container of a sidecar or the ingress gateway starts them. */
function istioProxyStartup(c: ContainerStart): TimedLine[] {
  const role = c.labels.istio === 'ingressgateway' ? 'router' : 'sidecar';
  const lines: Array<[number, string]> = [
    [0, 'info\tFLAG: --concurrency="2"'],
    [0, `info\tFLAG: --domain="${c.namespace}.svc.cluster.local"`],
    [1, 'info\tVersion 1.28.0-8cd4f1a2b4e5c6d7e8f9a0b1c2d3e4f5a6b7c8d9-Clean'],
    [2, `info\tProxy role\tips=[${c.podIp}] type=${role} id=${c.pod}.${c.namespace} domain=${c.namespace}.svc.cluster.local`],
    [2, 'info\tApply proxy config from env {}'],
    [3, 'info\tcpu limit detected as 2, setting concurrency'],
    [4, 'info\tPilot SAN: [istiod.istio-system.svc]'],
    [5, 'info\tStarting agent'],
    [6, 'info\tsds\tStarting SDS grpc server'],
    [6, 'info\tstarting Http service at 127.0.0.1:15004'],
    [7, 'info\tOpening status port 15020'],
    [9, 'info\tPilot-agent started'],
    [12, 'info\txdsproxy\tconnected to delta upstream XDS server: istiod.istio-system.svc:15012\tid=1'],
    [40, 'info\tcache\tgenerated new workload certificate\tresourceName=default latency=38.1ms ttl=23h59m59s'],
    [41, 'info\tcache\tRoot cert has changed, start rotating root cert'],
    [60, 'info\tads\tADS: new connection for node:1'],
    [61, 'info\tads\tSDS: PUSH request for node:1 resources:1 size:4.0kB resource:default'],
    [62, 'info\tads\tSDS: PUSH request for node:1 resources:1 size:1.1kB resource:ROOTCA'],
    [900, 'info\tReadiness succeeded in 901.2ms'],
    [901, 'info\tEnvoy proxy is ready'],
  ];
  return lines.map(([offsetMs, text]) => ({ offsetMs, line: `${isoMicros(c.startedAtMs + offsetMs)}\t${text}` }));
}

/** The sidecar's init container: istio-iptables saying what it captures, then the rules it restored. */
function istioInitLines(c: ContainerStart): TimedLine[] {
  const stamp = (offsetMs: number, text: string) => ({ offsetMs, line: `${isoMicros(c.startedAtMs + offsetMs)}\tinfo\t${text}` });
  const rules = [
    '* nat', '-N ISTIO_INBOUND', '-N ISTIO_REDIRECT', '-N ISTIO_IN_REDIRECT', '-N ISTIO_OUTPUT',
    '-A ISTIO_INBOUND -p tcp --dport 15008 -j RETURN', '-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001', '-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006',
    '-A PREROUTING -p tcp -j ISTIO_INBOUND', '-A ISTIO_INBOUND -p tcp --dport 15090 -j RETURN', '-A ISTIO_INBOUND -p tcp --dport 15021 -j RETURN', '-A ISTIO_INBOUND -p tcp --dport 15020 -j RETURN',
    '-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT', '-A OUTPUT -p tcp -j ISTIO_OUTPUT', '-A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN',
    '-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN', '-A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN', '-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN', '-A ISTIO_OUTPUT -j ISTIO_REDIRECT', 'COMMIT',
  ];
  return [
    stamp(0, 'Istio iptables environment:'),
    { offsetMs: 0, line: 'ENVOY_PORT=\nINBOUND_CAPTURE_PORT=\nISTIO_INBOUND_INTERCEPTION_MODE=\nISTIO_INBOUND_PORTS=\nISTIO_LOCAL_EXCLUDE_PORTS=\nISTIO_SERVICE_CIDR=' },
    stamp(1, 'Istio iptables variables:'),
    { offsetMs: 1, line: `PROXY_PORT=15001\nPROXY_INBOUND_CAPTURE_PORT=15006\nPROXY_UID=1337\nPROXY_GID=1337\nINBOUND_INTERCEPTION_MODE=REDIRECT\nINBOUND_PORTS_INCLUDE=*\nINBOUND_PORTS_EXCLUDE=15090,15021,15020\nOUTBOUND_IP_RANGES_INCLUDE=*\nKUBE_VIRT_INTERFACES=\nDRY_RUN=false` },
    stamp(2, 'Running iptables-restore with the following input:'),
    { offsetMs: 2, line: rules.join('\n') },
    stamp(3, 'Running iptables-restore with the following input:'),
    { offsetMs: 3, line: rules.join('\n') },
  ];
}

/** istiod's discovery container, as it logs once it serves. */
function istiodStartup(c: ContainerStart): TimedLine[] {
  const lines: Array<[number, string]> = [
    [0, 'info\tFLAG: --domain="cluster.local"'],
    [0, 'info\tFLAG: --keepaliveMaxServerConnectionAge="30m0s"'],
    [0, 'info\tFLAG: --monitoringAddr=":15014"'],
    [2, 'info\tmesh configuration updated to: {"accessLogFile":"/dev/stdout","defaultConfig":{"discoveryAddress":"istiod.istio-system.svc:15012"}}'],
    [5, 'info\tkube\tCRD controller watching namespaces ""'],
    [20, 'info\tStarting Istiod Server with primary cluster Kubernetes'],
    [22, 'info\tDiscovery service started at http=[::]:8080 grpc=[::]:15010'],
    [24, 'info\tstarting webhook service at [::]:15017'],
    [30, 'info\tads\tAll caches have been synced up in 31.4ms, marking server ready'],
  ];
  return lines.map(([offsetMs, text]) => ({ offsetMs, line: `${isoMicros(c.startedAtMs + offsetMs)}\t${text}` }));
}

const coredns: ContainerLogFormat = {
  startup: () => spread(['.:53', '[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908', 'CoreDNS-1.11.3', 'linux/amd64, go1.21.11, a6338e9']),
};

const jaeger: ContainerLogFormat = {
  startup: ({ startedAtMs: t }) =>
    ['Starting jaeger-collector HTTP server', 'Starting jaeger-query HTTP server'].map((msg, i) => ({
      offsetMs: i,
      line: JSON.stringify({ level: 'info', ts: Number(((t + i) / 1000).toFixed(6)), caller: 'app/server.go:210', msg, port: i ? 16686 : 14268 }),
    })),
};

const silent: ContainerLogFormat = { startup: () => [] };

/** The log format of the image a container runs (the proxy image runs both the sidecar and its init container); an image we know nothing of prints nothing. */
export function logFormatFor(image: string, container?: string): ContainerLogFormat {
  const bookinfo = bookinfoLogFormat(image);
  if (bookinfo) return bookinfo;
  if (/\/proxyv2:/.test(image)) return { startup: container === 'istio-init' ? istioInitLines : istioProxyStartup };
  if (/\/pilot:/.test(image)) return { startup: istiodStartup };
  if (/go-httpbin|\/httpbin/.test(image)) return goHttpbin;
  if (/fortio/.test(image)) return fortio;
  if (/coredns/.test(image)) return coredns;
  if (/jaeger/.test(image)) return jaeger;
  return silent;
}
