import { X509Certificate } from 'node:crypto';
import { str } from '../args.ts';
import { type Command, CommandError } from '../command.ts';
import { outputFormat } from '../context.ts';
import { structured, table } from '../output.ts';
import { envoyAdmin, resolvePod } from '../pods.ts';

/** Tables from a proxy's config_dump, in the layout istioctl prints them. */

type Json = any;

const section = (dump: Json, type: string): Json => dump.configs?.find((c: Json) => c['@type'] === `type.googleapis.com/envoy.admin.v3.${type}`) ?? {};

function clusterRows(dump: Json): string[][] {
  const cd = section(dump, 'ClustersConfigDump');
  const clusters: Json[] = [...(cd.static_clusters ?? []), ...(cd.dynamic_active_clusters ?? [])].map((c: Json) => c.cluster);
  const rows = clusters.map((c) => {
    const parts = String(c.name).split('|');
    const dr = c.metadata?.filter_metadata?.istio?.config;
    const drName = typeof dr === 'string' ? dr.split('/').slice(-1)[0] + '.' + dr.split('/')[dr.split('/').indexOf('namespaces') + 1] : '';
    if (parts.length === 4) return [parts[3] || '', parts[1], parts[2] || '-', parts[0], c.type ?? 'EDS', drName];
    return [c.name, '-', '-', '-', c.type ?? 'STATIC', ''];
  });
  // Inbound clusters have no FQDN and sort first, as istioctl lists them.
  rows.sort((a, b) => a[0].localeCompare(b[0]) || Number(a[1]) - Number(b[1]) || a[2].localeCompare(b[2]));
  return [['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'], ...rows];
}

function chainMatch(m: Json): string {
  if (!m || !Object.keys(m).length) return 'ALL';
  const parts: string[] = [];
  if (m.transport_protocol) parts.push(`Trans: ${m.transport_protocol}`);
  if (m.application_protocols) parts.push(`App: ${m.application_protocols.join(',')}`);
  if (m.prefix_ranges) parts.push(`Addr: ${m.prefix_ranges.map((r: Json) => `${r.address_prefix}/${r.prefix_len}`).join(',')}`);
  if (m.server_names) parts.push(`SNI: ${m.server_names.join(',')}`);
  return parts.join('; ') || 'ALL';
}

function chainDestination(chain: Json): string {
  for (const f of chain.filters ?? []) {
    const c = f.typed_config ?? {};
    if (f.name === 'envoy.filters.network.http_connection_manager') {
      if (c.rds) return `Route: ${c.rds.route_config_name}`;
      const paths = (c.route_config?.virtual_hosts ?? []).flatMap((vh: Json) => vh.routes.map((r: Json) => `${r.match.prefix ?? r.match.path}*`));
      return `Inline Route: ${paths.join('; ')}`;
    }
    if (f.name === 'envoy.filters.network.tcp_proxy') return /^(PassthroughCluster|InboundPassthroughCluster|BlackHoleCluster)$/.test(c.cluster) ? c.cluster : `Cluster: ${c.cluster}`;
  }
  return 'Non-HTTP/Non-TCP';
}

function listenerRows(dump: Json): string[][] {
  const rows: string[][] = [];
  for (const l of section(dump, 'ListenersConfigDump').dynamic_listeners ?? []) {
    const lis = l.active_state?.listener;
    if (!lis) continue;
    const addr = lis.address.socket_address;
    for (const chain of lis.filter_chains ?? []) rows.push([addr.address, String(addr.port_value), chainMatch(chain.filter_chain_match), chainDestination(chain)]);
  }
  return [['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION'], ...rows];
}

function routeMatch(m: Json): string {
  if (m.path !== undefined) return m.path;
  if (m.safe_regex) return m.safe_regex.regex;
  return `${m.prefix ?? '/'}*`;
}

function domains(list: string[]): string {
  const shown = list.filter((d) => !d.includes(':') && !/^\d/.test(d) && !d.endsWith('.svc.cluster.local')).sort((a, b) => a.length - b.length);
  if (!shown.length) return list[0] ?? '';
  if (shown.length <= 2) return shown.join(', ');
  return `${shown.slice(0, 2).join(', ')} + ${shown.length - 2} more...`;
}

function virtualServiceOf(route: Json): string {
  const config: string | undefined = route.metadata?.filter_metadata?.istio?.config;
  if (!config) return '';
  const p = config.split('/');
  return `${p[p.length - 1]}.${p[p.indexOf('namespaces') + 1]}`;
}

function routeRows(dump: Json, name?: string): string[][] {
  const rows: string[][] = [];
  for (const rc of section(dump, 'RoutesConfigDump').dynamic_route_configs ?? []) {
    const cfg = rc.route_config;
    if (name && cfg.name !== name) continue;
    for (const vh of cfg.virtual_hosts ?? []) for (const r of vh.routes ?? []) rows.push([cfg.name, vh.name, domains(vh.domains), routeMatch(r.match), virtualServiceOf(r)]);
  }
  for (const l of name ? [] : section(dump, 'ListenersConfigDump').dynamic_listeners ?? []) {
    for (const chain of l.active_state?.listener?.filter_chains ?? []) {
      for (const f of chain.filters ?? []) for (const vh of f.typed_config?.route_config?.virtual_hosts ?? []) for (const r of vh.routes) rows.push(['', vh.name, domains(vh.domains), routeMatch(r.match), '']);
    }
  }
  return [['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE'], ...rows];
}

function endpointRows(clusters: Json, clusterFilter?: string): string[][] {
  const rows: string[][] = [];
  for (const c of clusters.cluster_statuses ?? []) {
    if (clusterFilter && c.name !== clusterFilter) continue;
    for (const h of c.host_statuses ?? []) {
      const a = h.address.socket_address;
      rows.push([`${a.address}:${a.port_value}`, h.health_status?.eds_health_status ?? 'HEALTHY', h.health_status?.failed_outlier_check ? 'FAILED' : 'OK', c.name]);
    }
  }
  rows.sort((a, b) => a[3].localeCompare(b[3]) || a[0].localeCompare(b[0]));
  return [['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'], ...rows];
}

/** Serial and validity of the first certificate in a secret's PEM bytes, as istioctl shows them; dashes when there is none. */
function certificateColumns(inlineBytes: string | undefined): string[] {
  const pem = Buffer.from(inlineBytes ?? '', 'base64').toString('utf8');
  if (!pem.includes('BEGIN CERTIFICATE')) return ['-', '-', '-', '-'];
  try {
    const cert = new X509Certificate(pem);
    const notAfter = new Date(cert.validTo);
    const notBefore = new Date(cert.validFrom);
    const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const valid = Date.now() >= notBefore.getTime() && Date.now() <= notAfter.getTime();
    return [String(valid), cert.serialNumber.toLowerCase(), rfc3339(notAfter), rfc3339(notBefore)];
  } catch {
    return ['false', '-', '-', '-'];
  }
}

function secretRows(dump: Json): string[][] {
  const rows = (section(dump, 'SecretsConfigDump').dynamic_active_secrets ?? []).map((s: Json) => {
    const ca = !!s.secret?.validation_context;
    const bytes = ca ? s.secret.validation_context.trusted_ca?.inline_bytes : s.secret?.tls_certificate?.certificate_chain?.inline_bytes;
    return [s.name, ca ? 'CA' : 'Cert Chain', 'ACTIVE', ...certificateColumns(bytes)];
  });
  return [['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE'], ...rows];
}

const KINDS = ['cluster', 'listener', 'route', 'endpoint', 'secret', 'bootstrap', 'all'] as const;
type Kind = (typeof KINDS)[number];

function kindOf(word: string | undefined): Kind {
  const k = (word ?? '').replace(/s$/, '').replace(/^(c|clusters?)$/, 'cluster').replace(/^(l|listeners?)$/, 'listener').replace(/^(r|routes?)$/, 'route').replace(/^(ep|endpoints?)$/, 'endpoint').replace(/^(s|secrets?)$/, 'secret').replace(/^b$/, 'bootstrap') as Kind;
  if (!KINDS.includes(k)) throw new CommandError(word ? `"proxy-config ${word}" is not supported by this project's istioctl: use one of ${KINDS.join(', ')}` : `missing the configuration to show: one of ${KINDS.join(', ')}`);
  return k;
}

export const proxyConfigCommand: Command = {
  name: 'proxy-config',
  aliases: ['pc'],
  summary: 'Retrieve information about proxy configuration from Envoy [kube only]',
  usage: 'istioctl proxy-config cluster|listener|route|endpoint|secret|bootstrap|all <pod-name[.namespace]> [flags]',
  flags: [{ name: 'output', short: 'o' }, { name: 'name' }, { name: 'cluster' }, { name: 'fqdn' }, { name: 'port' }],
  flagHelp: ['  -o, --output string   Output format: one of json|yaml|short (default "short")', '      --name string     Filter routes by route name', '      --cluster string  Filter endpoints by cluster name', '      --fqdn string     Filter clusters by the service FQDN'],
  async run(ctx, positional) {
    const kind = kindOf(positional[0]);
    if (!positional[1]) throw new CommandError(`proxy-config ${positional[0]} requires a pod name (pod-name[.namespace])`);
    const format = outputFormat(ctx, ['short', 'json', 'yaml'] as const, kind === 'bootstrap' ? 'json' : 'short');
    const pod = await resolvePod(ctx, positional[1]);
    const admin = (path: string) => envoyAdmin(ctx, pod, path).then((t) => JSON.parse(t));
    if (kind === 'endpoint') {
      const clusters = await admin('clusters?format=json');
      if (format !== 'short') ctx.io.out(structured(clusters.cluster_statuses, format));
      else ctx.io.out(table(endpointRows(clusters, str(ctx.args, 'cluster')), 5));
      return 0;
    }
    const dump = await admin('config_dump');
    const fqdn = str(ctx.args, 'fqdn');
    const pick = (k: Exclude<Kind, 'all' | 'endpoint'>) => {
      switch (k) {
        case 'cluster': {
          const cd = section(dump, 'ClustersConfigDump');
          return [...(cd.static_clusters ?? []), ...(cd.dynamic_active_clusters ?? [])].map((c: Json) => c.cluster).filter((c: Json) => !fqdn || String(c.name).endsWith(`|${fqdn}`));
        }
        case 'listener':
          return (section(dump, 'ListenersConfigDump').dynamic_listeners ?? []).map((l: Json) => l.active_state?.listener);
        case 'route':
          return (section(dump, 'RoutesConfigDump').dynamic_route_configs ?? []).map((r: Json) => r.route_config).filter((r: Json) => !str(ctx.args, 'name') || r.name === str(ctx.args, 'name'));
        case 'secret':
          return section(dump, 'SecretsConfigDump');
        case 'bootstrap':
          return section(dump, 'BootstrapConfigDump');
      }
    };
    if (format !== 'short') {
      ctx.io.out(structured(kind === 'all' ? dump : pick(kind), format));
      return 0;
    }
    const short = {
      cluster: () => table(clusterRows({ configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', dynamic_active_clusters: pick('cluster').map((cluster: Json) => ({ cluster })) }] }), 5),
      listener: () => table(listenerRows(dump), 1),
      route: () => table(routeRows(dump, str(ctx.args, 'name')), 5),
      secret: () => table(secretRows(dump), 5),
      bootstrap: () => structured(pick('bootstrap'), 'json'),
    };
    if (kind === 'all') {
      const clusters = await admin('clusters?format=json');
      ctx.io.out([short.cluster(), short.listener(), short.route(), table(endpointRows(clusters), 5), short.secret()].join('\n'));
    } else ctx.io.out(short[kind]());
    return 0;
  },
};
