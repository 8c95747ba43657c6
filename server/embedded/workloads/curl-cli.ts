import { STATUS_CODES } from 'node:http';
import type { ProcessIo } from '../apiserver/pod-runtime.ts';
import type { Mesh, RequestSource } from '../mesh/index.ts';
import { curl } from './curl.ts';

interface CurlArgs {
  url?: string;
  method?: string;
  headers: Record<string, string>;
  data?: string;
  silent: boolean;
  showError: boolean;
  verbose: boolean;
  include: boolean;
  head: boolean;
  fail: boolean;
  discardBody: boolean;
  writeOut?: string;
  maxTimeMs?: number;
}

const FLAGS: Record<string, keyof CurlArgs> = { s: 'silent', S: 'showError', v: 'verbose', i: 'include', I: 'head', f: 'fail' };
const IGNORED_FLAGS = new Set(['L', 'k', '4', '6']);
const LONG_FLAGS: Record<string, keyof CurlArgs | null> = {
  '--silent': 'silent', '--show-error': 'showError', '--verbose': 'verbose', '--include': 'include', '--head': 'head', '--fail': 'fail',
  '--location': null, '--insecure': null, '--http1.1': null,
};
const WITH_VALUE: Record<string, string> = {
  '-o': 'output', '--output': 'output', '-w': 'write-out', '--write-out': 'write-out', '-H': 'header', '--header': 'header',
  '-X': 'request', '--request': 'request', '-d': 'data', '--data': 'data', '--data-raw': 'data', '-m': 'max-time', '--max-time': 'max-time',
  '--connect-timeout': 'ignored', '-A': 'user-agent', '--user-agent': 'user-agent',
};

class UsageError extends Error {}

function parse(argv: string[]): CurlArgs {
  const a: CurlArgs = { headers: {}, silent: false, showError: false, verbose: false, include: false, head: false, fail: false, discardBody: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg in WITH_VALUE || /^-[owHXdmA]./.test(arg)) {
      const short = !(arg in WITH_VALUE);
      const opt = WITH_VALUE[short ? arg.slice(0, 2) : arg];
      const value = short ? arg.slice(2) : argv[++i];
      if (value === undefined) throw new UsageError(`option ${arg}: requires parameter`);
      if (opt === 'output') a.discardBody = true; // written inside the container, not to the terminal
      else if (opt === 'write-out') a.writeOut = value;
      else if (opt === 'request') a.method = value;
      else if (opt === 'data') a.data = value;
      else if (opt === 'user-agent') a.headers['user-agent'] = value;
      else if (opt === 'max-time') {
        const s = Number(value);
        if (!(s > 0)) throw new UsageError(`option ${arg}: expected a proper numerical parameter`);
        a.maxTimeMs = s * 1000;
      } else if (opt === 'header') {
        const colon = value.indexOf(':');
        if (colon > 0) a.headers[value.slice(0, colon).trim().toLowerCase()] = value.slice(colon + 1).trim();
      }
    } else if (arg in LONG_FLAGS) {
      const key = LONG_FLAGS[arg];
      if (key) (a as any)[key] = true;
    } else if (/^-[a-zA-Z0-9]+$/.test(arg)) {
      for (const c of arg.slice(1)) {
        if (FLAGS[c]) (a as any)[FLAGS[c]] = true;
        else if (!IGNORED_FLAGS.has(c)) throw new UsageError(`option -${c}: is unknown`);
      }
    } else if (arg.startsWith('-')) {
      throw new UsageError(`option ${arg}: is unknown`);
    } else {
      a.url = arg;
    }
  }
  return a;
}

/** curl's `-w` variables the talk (and people trying things) use. */
function writeOut(format: string, vars: Record<string, string>): string {
  return format
    .replace(/%\{([a-z_]+)\}/g, (_, name: string) => vars[name] ?? '')
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t')
    .replace(/\\r/g, '\r');
}

/**
 * The curl CLI inside a pod's container (curlimages/curl): the request goes out through
 * the pod's sidecar, if it has one, so mTLS and routing rules apply as they would.
 */
export async function curlCommand(mesh: Mesh, from: RequestSource, argv: string[], io: ProcessIo): Promise<number> {
  let args: CurlArgs;
  try {
    args = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`curl: ${err.message}\ncurl: try 'curl --help' or 'curl --manual' for more information\n`);
    return 2;
  }
  if (!args.url) {
    io.stderr("curl: no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information\n");
    return 2;
  }
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(args.url) ? args.url : `http://${args.url}`;
  const method = args.method ?? (args.head ? 'HEAD' : args.data !== undefined ? 'POST' : 'GET');
  const started = mesh.clock.now();
  const u = new URL(url);
  if (args.verbose) {
    const headers = { host: u.host, 'user-agent': 'curl/8.16.0', accept: '*/*', ...args.headers };
    io.stderr(`* Connected to ${u.hostname} port ${u.port || 80}\n> ${method} ${u.pathname}${u.search} HTTP/1.1\n${Object.entries(headers).map(([k, v]) => `> ${titleCase(k)}: ${v}\n`).join('')}>\n`);
  }
  const res = await curl(mesh, from, url, { method, headers: { ...(args.data !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...args.headers }, maxTimeMs: args.maxTimeMs, body: args.data, signal: io.signal });
  let exitCode = res.exitCode;
  const statusLine = res.status ? `HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ''}`.trimEnd() : '';
  const headerBlock = res.status ? `${statusLine}\r\n${Object.entries(res.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n` : '';
  if (args.verbose && res.status) io.stderr(headerBlock.split('\r\n').map((l) => `< ${l}`.trimEnd()).join('\n'));
  let stderr = res.stderr;
  if (exitCode === 0 && args.fail && res.status >= 400) {
    exitCode = 22;
    stderr = `curl: (22) The requested URL returned error: ${res.status}`;
  } else if (exitCode === 0) {
    if (args.include || args.head) io.stdout(headerBlock);
    if (!args.discardBody && !args.head) io.stdout(res.body);
  }
  // curl reports the error before the -w output.
  if (stderr && (!args.silent || args.showError)) io.stderr(`${stderr}\n`);
  if (args.writeOut !== undefined) {
    io.stdout(
      writeOut(args.writeOut, {
        http_code: String(res.status).padStart(3, '0'),
        response_code: String(res.status).padStart(3, '0'),
        exitcode: String(exitCode),
        time_total: ((mesh.clock.now() - started) / 1000).toFixed(6),
        size_download: String(Buffer.byteLength(res.body)),
        content_type: res.headers['content-type'] ?? '',
        url_effective: url,
        method,
      }),
    );
  }
  return exitCode;
}

const titleCase = (name: string) => name.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());
