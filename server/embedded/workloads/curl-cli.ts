import type { ProcessIo } from '../apiserver/pod-runtime.ts';
import type { MeshCore, RequestSource } from '../mesh/mesh-core.ts';
import { ContainerFs, FsError } from './container-fs.ts';
import { CookieJar } from './curl-cookies.ts';
import { type CurlOptions, UsageError, parseCurlArgs } from './curl-options.ts';
import { type CurlResult, curl } from './curl.ts';
import { envoyReasonPhrase } from '../mesh/envoy.ts';
import { base64Encode, utf8ByteLength } from '../portable/bytes.ts';
import { STATUS_TEXTS } from '../portable/status-text.ts';

const USER_AGENT = 'curl/8.16.0';
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DISCARD = new Set(['/dev/null']);
const TO_STDOUT = new Set(['-', '/dev/stdout']);

/** A request as curl sends it, and where it ended up. */
interface Transfer {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  result: CurlResult;
  redirects: number;
  /** Simulated ms when the first attempt started. */
  startedMs: number;
}

/** Why a run stops early, with curl's exit code and message. */
class CurlFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The curl CLI inside a pod's container (curlimages/curl): the request goes out through
 * the pod's sidecar, if it has one, so mTLS and routing rules apply as they would. Files it
 * reads and writes (cookie jars, `-o`, `-d @file`) live in the container's own filesystem.
 */
export async function curlCommand(mesh: MeshCore, from: RequestSource, argv: string[], io: ProcessIo, fs: ContainerFs = new ContainerFs()): Promise<number> {
  let o: CurlOptions;
  try {
    o = parseCurlArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`curl: ${err.message}\ncurl: try 'curl --help' or 'curl --manual' for more information\n`);
    return err.exitCode;
  }
  if (!o.urls.length) {
    io.stderr("curl: no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information\n");
    return 2;
  }
  const showError = (message: string) => {
    if (!o.silent || o.showError) io.stderr(`${message}\n`);
  };
  const jar = o.cookie !== undefined || o.cookieJar ? new CookieJar() : undefined;
  let cookieText: string | undefined;
  if (o.cookie !== undefined) {
    if (o.cookie.includes('=')) cookieText = o.cookie;
    else if (o.cookie && o.cookie !== '-') {
      try {
        jar!.load(fs.read(o.cookie));
      } catch (err) {
        if (!(err instanceof FsError)) throw err;
        // curl starts an empty engine when the jar to read does not exist yet.
      }
    }
  }
  let exitCode = 0;
  for (const raw of o.urls) {
    try {
      const body = requestBody(o, fs);
      const t = await transfer(mesh, from, o, io, raw, body, jar, cookieText);
      exitCode = emit(o, io, fs, t, mesh.clock.now());
    } catch (err) {
      if (!(err instanceof CurlFailure)) throw err;
      showError(`curl: (${err.exitCode}) ${err.message}`);
      if (o.writeOut !== undefined && err.exitCode !== 26 && err.exitCode !== 3) io.stdout(writeOut(o.writeOut, { http_code: '000', response_code: '000', exitcode: String(err.exitCode), errormsg: err.message }));
      exitCode = err.exitCode;
    }
  }
  if (jar && o.cookieJar) {
    try {
      if (TO_STDOUT.has(o.cookieJar)) io.stdout(jar.serialize());
      else fs.write(o.cookieJar, jar.serialize());
    } catch (err) {
      if (!(err instanceof FsError)) throw err;
      if (!o.silent) io.stderr(`Warning: Failed to save cookies in ${o.cookieJar}\n`);
    }
  }
  return exitCode;
}

/** The -d parts joined as curl joins them, files read from the container. */
function requestBody(o: CurlOptions, fs: ContainerFs): string | undefined {
  if (!o.data.length) return undefined;
  return o.data
    .map((d) => {
      if (d.urlencode) {
        const eq = d.text.indexOf('=');
        return eq < 0 ? encodeURIComponent(d.text) : `${d.text.slice(0, eq)}${eq > 0 ? '=' : ''}${encodeURIComponent(d.text.slice(eq + 1))}`;
      }
      if (!d.fromFile) return d.text;
      try {
        // -d strips newlines from a file; a multi-line form is one line on the wire.
        return fs.read(d.text).replace(/[\r\n]/g, '');
      } catch (err) {
        if (err instanceof FsError) throw new CurlFailure(26, `Failed to open/read local data from file/application`);
        throw err;
      }
    })
    .join('&');
}

function parseUrl(raw: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  try {
    const u = new URL(withScheme);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CurlFailure(1, `Protocol "${u.protocol.slice(0, -1)}" not supported`);
    return u;
  } catch (err) {
    if (err instanceof CurlFailure) throw err;
    throw new CurlFailure(3, 'URL rejected: Malformed input to a URL function');
  }
}

/** One URL to its last response: retries for transient failures, redirects with -L. */
async function transfer(mesh: MeshCore, from: RequestSource, o: CurlOptions, io: ProcessIo, raw: string, body: string | undefined, jar: CookieJar | undefined, cookieText: string | undefined): Promise<Transfer> {
  let url = parseUrl(raw);
  if (o.get && body !== undefined) {
    url.search = url.search ? `${url.search}&${body}` : `?${body}`;
    body = undefined;
  }
  let method = o.method ?? (o.head ? 'HEAD' : body !== undefined ? 'POST' : 'GET');
  const started = mesh.clock.now();
  for (let redirects = 0; ; redirects++) {
    const headers = requestHeaders(o, url, body, jar?.header(url, mesh.clock.now()) ?? cookieText);
    const result = await withRetries(mesh, o, io, started, () => send(mesh, from, o, io, url, method, headers, body));
    if (result.exitCode !== 0) throw new CurlFailure(result.exitCode, result.stderr.replace(/^curl: \(\d+\) /, ''));
    jar?.receive(url, (result.headers['set-cookie'] ?? '').split('\n').filter(Boolean), mesh.clock.now());
    const location = result.headers.location;
    if (!o.location || !REDIRECTS.has(result.status) || !location) return { url, method, headers, body, result, redirects, startedMs: started };
    if (redirects >= o.maxRedirs) throw new CurlFailure(47, `Maximum (${o.maxRedirs}) redirects followed`);
    if (o.include) io.stdout(headerBlock(result));
    url = new URL(location, url);
    // As browsers do, curl turns a POST into a GET after 301, 302 and 303 (unless -X said otherwise).
    if (result.status === 303 || ((result.status === 301 || result.status === 302) && method === 'POST' && !o.method)) {
      if (!o.head) method = 'GET';
      body = undefined;
    }
  }
}

function requestHeaders(o: CurlOptions, url: URL, body: string | undefined, cookie: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { host: url.host, 'user-agent': o.userAgent ?? USER_AGENT, accept: '*/*' };
  if (o.user !== undefined) headers.authorization = `Basic ${base64Encode(o.user.includes(':') ? o.user : `${o.user}:`)}`;
  if (o.referer) headers.referer = o.referer.replace(/;auto$/, '');
  if (cookie) headers.cookie = cookie;
  if (body !== undefined) {
    headers['content-length'] = String(utf8ByteLength(body));
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  for (const [name, value] of o.headers) {
    if (value === '') delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** One attempt, with -v's lines around it. */
async function send(mesh: MeshCore, from: RequestSource, o: CurlOptions, io: ProcessIo, url: URL, method: string, headers: Record<string, string>, body: string | undefined): Promise<CurlResult> {
  const pinned = o.resolve.find((r) => r.host === url.hostname.toLowerCase() && r.port === Number(url.port || (url.protocol === 'https:' ? 443 : 80)));
  const target = new URL(url);
  if (pinned) target.hostname = pinned.address;
  const port = url.port || (url.protocol === 'https:' ? 443 : 80);
  if (o.verbose) {
    if (pinned) io.stderr(`* Added ${pinned.host}:${pinned.port}:${pinned.address} to DNS cache\n* Hostname ${pinned.host} was found in DNS cache\n`);
    const shown = Object.entries(headers).filter(([k]) => k !== 'content-length' || body !== undefined);
    io.stderr(`*   Trying ${target.hostname}:${port}...\n`);
    const sent = `> ${method} ${url.pathname}${url.search} HTTP/1.1\n${shown.map(([k, v]) => `> ${displayName(k)}: ${v}\n`).join('')}> \n`;
    io.stderr(`* Connected to ${url.hostname} port ${port}\n* using HTTP/1.x\n${sent}`);
  }
  const { host: _host, ...rest } = headers;
  const res = await curl(mesh, from, target.href, { method, headers: { ...rest, host: headers.host ?? url.host }, body, maxTimeMs: o.maxTimeMs, signal: io.signal });
  if (o.verbose && res.exitCode === 0) {
    io.stderr(`* Request completely sent off\n${headerBlock(res).split('\r\n').slice(0, -1).map((l) => `< ${l}\n`).join('')}< \n`);
  }
  return res;
}

/** `--retry`: transient failures (timeouts, 408/429/5xx, refused connections with --retry-connrefused) are tried again after curl's backoff. */
async function withRetries(mesh: MeshCore, o: CurlOptions, io: ProcessIo, startedMs: number, attempt: () => Promise<CurlResult>): Promise<CurlResult> {
  for (let n = 0; ; n++) {
    const res = await attempt();
    const left = o.retries - n;
    const why = res.exitCode === 28 ? ': timeout' : res.exitCode === 7 && o.retryConnRefused ? ': connection refused' : res.exitCode === 0 && RETRY_STATUSES.has(res.status) ? ': HTTP error' : undefined;
    const problem = o.retryAllErrors && (res.exitCode !== 0 || res.status >= 400) ? '(retrying all errors)' : why;
    if (!problem || left <= 0) return res;
    const delayMs = o.retryDelayMs ?? Math.min(1000 * 2 ** n, 600_000);
    if (o.retryMaxTimeMs !== undefined && mesh.clock.now() - startedMs + delayMs > o.retryMaxTimeMs) return res;
    const seconds = Math.round(delayMs / 1000);
    if (!o.silent) io.stderr(`Warning: Problem ${problem}. Will retry in ${seconds} second${seconds === 1 ? '' : 's'}. ${left} retr${left > 1 ? 'ies' : 'y'} left.\n`);
    await mesh.clock.sleep(delayMs, io.signal);
  }
}

/** The status line's phrase: Envoy's own when a proxy wrote the response (it names itself in Server), else the app's. */
function reasonPhrase(res: CurlResult): string {
  return /^(istio-)?envoy$/.test(res.headers.server ?? '') ? envoyReasonPhrase(res.status) : (STATUS_TEXTS[res.status] ?? '');
}

function headerBlock(res: CurlResult): string {
  const status = `HTTP/1.1 ${res.status} ${reasonPhrase(res)}`.trimEnd();
  const lines = Object.entries(res.headers).flatMap(([k, v]) => (k === 'set-cookie' ? v.split('\n').map((c) => `${k}: ${c}`) : [`${k}: ${v}`]));
  return `${status}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
}

/** The final response to stdout or the -o file, -f's failure, then -w. Returns the exit code. */
function emit(o: CurlOptions, io: ProcessIo, fs: ContainerFs, t: Transfer, nowMs: number): number {
  const res = t.result;
  let exitCode = 0;
  let out = '';
  const failed = (o.fail || o.failWithBody) && res.status >= 400;
  if (!failed || o.failWithBody) {
    if (o.include || o.head) out += headerBlock(res);
    if (!o.head) out += res.body;
  }
  if (failed) {
    exitCode = 22;
  }
  if (o.output === undefined || TO_STDOUT.has(o.output)) io.stdout(out);
  else if (!DISCARD.has(o.output)) {
    try {
      fs.write(o.output, out);
    } catch (err) {
      if (!(err instanceof FsError)) throw err;
      if (!o.silent || o.showError) io.stderr(`Warning: Failed to open the file ${err.message}\n`);
      exitCode = 23;
    }
  }
  if (exitCode === 22 && (!o.silent || o.showError)) io.stderr(`curl: (22) The requested URL returned error: ${res.status}\n`);
  if (exitCode === 23 && (!o.silent || o.showError)) io.stderr(`curl: (23) Failure writing output to destination\n`);
  if (o.writeOut !== undefined) {
    const code = String(res.status).padStart(3, '0');
    io.stdout(
      writeOut(o.writeOut, {
        http_code: code,
        response_code: code,
        exitcode: String(exitCode),
        time_total: ((nowMs - t.startedMs) / 1000).toFixed(6),
        size_download: String(utf8ByteLength(res.body)),
        size_header: String(utf8ByteLength(headerBlock(res))),
        size_upload: String(utf8ByteLength(t.body ?? '')),
        size_request: String(utf8ByteLength(`${t.method} ${t.url.pathname}${t.url.search} HTTP/1.1\r\n${Object.entries(t.headers).map(([k, v]) => `${displayName(k)}: ${v}\r\n`).join('')}\r\n`)),
        content_type: res.headers['content-type'] ?? '',
        url_effective: t.url.href,
        url: t.url.href,
        method: t.method,
        num_redirects: String(t.redirects),
        redirect_url: res.headers.location ? new URL(res.headers.location, t.url).href : '',
        http_version: '1.1',
        scheme: t.url.protocol.slice(0, -1).toUpperCase(),
        remote_port: t.url.port || (t.url.protocol === 'https:' ? '443' : '80'),
        errormsg: exitCode === 22 ? `The requested URL returned error: ${res.status}` : '',
      }, res.headers),
    );
  }
  return exitCode;
}

/** curl's `-w` format: `%{var}`, `%header{name}`, `%%`, and the `\n`-style escapes. */
export function writeOut(format: string, vars: Record<string, string>, headers: Record<string, string> = {}): string {
  return format
    .replace(/%%|%\{([a-z_]+)\}|%header\{([^}]+)\}/g, (all, name: string | undefined, header: string | undefined) => {
      if (all === '%%') return '%';
      if (header !== undefined) return headers[header.toLowerCase()] ?? '';
      return vars[name!] ?? (name === 'time_namelookup' || name === 'time_connect' || name === 'time_appconnect' || name === 'time_pretransfer' || name === 'time_starttransfer' ? '0.000000' : '');
    })
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t')
    .replace(/\\r/g, '\r');
}

/** How curl shows the headers it sends. */
const displayName = (name: string) => (name === 'user-agent' ? 'User-Agent' : name.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase()));
