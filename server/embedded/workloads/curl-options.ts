/** curl's command line, as far as the options istio.io's pages and the talk use. */

export interface CurlOptions {
  urls: string[];
  method?: string;
  /** In order; an empty value (`-H 'X:'`) removes a header curl would send. */
  headers: Array<[string, string]>;
  /** Each -d/--data… part, joined with `&` on send; `@file` parts are read from the container. */
  data: Array<{ text: string; fromFile: boolean; urlencode?: boolean }>;
  get: boolean;
  silent: boolean;
  showError: boolean;
  verbose: boolean;
  include: boolean;
  head: boolean;
  fail: boolean;
  failWithBody: boolean;
  location: boolean;
  maxRedirs: number;
  /** Where the body goes: undefined = stdout. */
  output?: string;
  writeOut?: string;
  maxTimeMs?: number;
  connectTimeoutMs?: number;
  retries: number;
  retryDelayMs?: number;
  retryMaxTimeMs?: number;
  retryConnRefused: boolean;
  retryAllErrors: boolean;
  /** `-b`: a cookie string (has `=`) or a jar file to read. */
  cookie?: string;
  cookieJar?: string;
  referer?: string;
  user?: string;
  userAgent?: string;
  /** `--resolve host:port:address`. */
  resolve: Array<{ host: string; port: number; address: string }>;
}

export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

type Setter = (o: CurlOptions, value: string, flag: string) => void;

const number = (flag: string, value: string, integer = false): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new UsageError(`option ${flag}: expected a proper numerical parameter`);
  return n;
};

const WITH_VALUE: Record<string, Setter> = {
  '--url': (o, v) => o.urls.push(v),
  '--output': (o, v) => (o.output = v),
  '--write-out': (o, v) => (o.writeOut = v),
  '--header': (o, v) => {
    const semi = /^([^:;\s]+);$/.exec(v);
    if (semi) return void o.headers.push([semi[1], '']);
    const colon = v.indexOf(':');
    if (colon > 0) o.headers.push([v.slice(0, colon).trim(), v.slice(colon + 1).trim()]);
  },
  '--request': (o, v) => (o.method = v),
  '--data': (o, v) => o.data.push({ text: v.replace(/^@/, ''), fromFile: v.startsWith('@') }),
  '--data-ascii': (o, v) => o.data.push({ text: v.replace(/^@/, ''), fromFile: v.startsWith('@') }),
  '--data-binary': (o, v) => o.data.push({ text: v.replace(/^@/, ''), fromFile: v.startsWith('@') }),
  '--data-raw': (o, v) => o.data.push({ text: v, fromFile: false }),
  '--data-urlencode': (o, v) => o.data.push({ text: v, fromFile: false, urlencode: true }),
  '--max-time': (o, v, f) => (o.maxTimeMs = number(f, v) * 1000),
  '--connect-timeout': (o, v, f) => (o.connectTimeoutMs = number(f, v) * 1000),
  '--user-agent': (o, v) => (o.userAgent = v),
  '--cookie': (o, v) => (o.cookie = v),
  '--cookie-jar': (o, v) => (o.cookieJar = v),
  '--referer': (o, v) => (o.referer = v),
  '--user': (o, v) => (o.user = v),
  '--retry': (o, v, f) => (o.retries = number(f, v, true)),
  '--retry-delay': (o, v, f) => (o.retryDelayMs = number(f, v) * 1000),
  '--retry-max-time': (o, v, f) => (o.retryMaxTimeMs = number(f, v) * 1000),
  '--max-redirs': (o, v, f) => (o.maxRedirs = number(f, v, true)),
  '--resolve': (o, v, f) => {
    const m = /^\+?(\[[^\]]+\]|[^:]+):(\d+):(.+)$/.exec(v);
    if (!m) throw new UsageError(`option ${f}: bad --resolve entry '${v}'`, 49);
    o.resolve.push({ host: m[1].replace(/^\[|\]$/g, '').toLowerCase(), port: Number(m[2]), address: m[3].replace(/^\[|\]$/g, '') });
  },
};

const FLAGS: Record<string, (o: CurlOptions) => void> = {
  '--silent': (o) => (o.silent = true),
  '--show-error': (o) => (o.showError = true),
  '--verbose': (o) => (o.verbose = true),
  '--include': (o) => (o.include = true),
  '--head': (o) => (o.head = true),
  '--fail': (o) => (o.fail = true),
  '--fail-with-body': (o) => (o.failWithBody = true),
  '--location': (o) => (o.location = true),
  '--get': (o) => (o.get = true),
  '--retry-connrefused': (o) => (o.retryConnRefused = true),
  '--retry-all-errors': (o) => (o.retryAllErrors = true),
};

/** Options that change nothing the simulated network could show. */
const NO_EFFECT = new Set(['--insecure', '--http1.1', '--http1.0', '--http2', '--compressed', '--no-progress-meter', '--no-buffer', '--ipv4', '--ipv6', '--no-keepalive', '--globoff']);

const SHORT: Record<string, string> = {
  o: '--output', w: '--write-out', H: '--header', X: '--request', d: '--data', m: '--max-time', A: '--user-agent', b: '--cookie', c: '--cookie-jar', e: '--referer', u: '--user',
  s: '--silent', S: '--show-error', v: '--verbose', i: '--include', I: '--head', f: '--fail', L: '--location', G: '--get', k: '--insecure', '4': '--ipv4', '6': '--ipv6', N: '--no-buffer', g: '--globoff',
};

export function parseCurlArgs(argv: string[]): CurlOptions {
  const o: CurlOptions = {
    urls: [], headers: [], data: [], get: false, silent: false, showError: false, verbose: false, include: false, head: false, fail: false, failWithBody: false,
    location: false, maxRedirs: 50, retries: 0, retryConnRefused: false, retryAllErrors: false, resolve: [],
  };
  const apply = (long: string, next: () => string | undefined, shown: string) => {
    if (WITH_VALUE[long]) {
      const value = next();
      if (value === undefined) throw new UsageError(`option ${shown}: requires parameter`);
      WITH_VALUE[long](o, value, shown);
    } else if (FLAGS[long]) FLAGS[long](o);
    else if (!NO_EFFECT.has(long)) throw new UsageError(`option ${shown}: is unknown`);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) apply(arg, () => argv[++i], arg);
    else if (arg.startsWith('-') && arg.length > 1) {
      // Short options cluster (`-sS`); one that takes a value takes the rest of the word or the next one (`-so /dev/null`).
      for (let j = 1; j < arg.length; j++) {
        const long = SHORT[arg[j]];
        if (!long) throw new UsageError(`option -${arg[j]}: is unknown`);
        if (WITH_VALUE[long]) {
          const rest = arg.slice(j + 1);
          apply(long, () => (rest ? rest : argv[++i]), `-${arg[j]}`);
          break;
        }
        apply(long, () => undefined, `-${arg[j]}`);
      }
    } else o.urls.push(arg);
  }
  return o;
}
