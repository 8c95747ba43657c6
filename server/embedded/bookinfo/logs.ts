/**
 * What Bookinfo's images print, as the real ones do: productpage's gunicorn (and urllib3's
 * debug line for each call it makes), details' WEBrick access log, reviews' Liberty console,
 * ratings' one line per request.
 */
import { type ContainerLogFormat, type TimedLine, dateTimeUtc } from '../app-runtime/log-formats.ts';

const GUNICORN_WORKERS = 8;

/** `[2025-12-22 14:27:12 +0000] [1] [INFO] …`, gunicorn's own log line. */
const gunicorn = (ms: number, pid: number, text: string) => `[${dateTimeUtc(ms)} +0000] [${pid}] [INFO] ${text}`;

const productpage: ContainerLogFormat = {
  startup: ({ startedAtMs: t }) => [
    { offsetMs: 0, line: gunicorn(t, 1, 'Starting gunicorn 23.0.0') },
    { offsetMs: 2, line: gunicorn(t + 2, 1, 'Listening at: http://[::]:9080 (1)') },
    { offsetMs: 2, line: gunicorn(t + 2, 1, 'Using worker: gevent') },
    ...Array.from({ length: GUNICORN_WORKERS }, (_, i): TimedLine => ({ offsetMs: 5 + i, line: gunicorn(t + 5 + i, 6 + i, `Booting worker with pid: ${6 + i}`) })),
  ],
  // requests' pool logs each call at DEBUG, which productpage turns on for urllib3.
  called: (c) => {
    const u = new URL(c.url);
    const origin = `${u.hostname}:${u.port || 80}`;
    const lines = c.previousCalls === 0 ? [`DEBUG:urllib3.connectionpool:Starting new HTTP connection (1): ${origin}`] : [];
    if (c.status !== undefined) lines.push(`DEBUG:urllib3.connectionpool:${u.protocol}//${origin} "${c.method} ${u.pathname}${u.search} HTTP/1.1" ${c.status} ${c.bytes ?? 0}`);
    return lines;
  },
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** WEBrick's `%t`: `16/Apr/2025:10:00:05 UTC`. */
function webrickTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
}

const details: ContainerLogFormat = {
  startup: ({ startedAtMs: t }) =>
    ['INFO  WEBrick 1.8.2', 'INFO  ruby 3.4.3 (2025-04-14) [x86_64-linux]', 'INFO  WEBrick::HTTPServer#start: pid=1 port=9080'].map((text, i) => ({ offsetMs: i, line: `[${dateTimeUtc(t + i)}] ${text}` })),
  // The common log format, then the referer log format, as WEBrick's default access log writes both.
  served: (r) => [
    `${r.peerIp} - - [${webrickTime(r.endMs)}] "${r.method} ${r.path} HTTP/1.1" ${r.status} ${r.bytes || '-'}`,
    `${r.headers.referer ?? '-'} -> ${r.path.split('?')[0]}`,
  ],
};

/** How the JAX-RS client in reviews reports each kind of failed call. */
const JAVA_EXCEPTIONS = {
  timeout: 'javax.ws.rs.ProcessingException: java.net.SocketTimeoutException: Read timed out',
  refused: 'javax.ws.rs.ProcessingException: java.net.ConnectException: Connection refused',
  reset: 'javax.ws.rs.ProcessingException: java.net.SocketException: Connection reset',
  'unknown-host': 'javax.ws.rs.ProcessingException: java.net.UnknownHostException: ratings',
} as const;

const reviews: ContainerLogFormat = {
  startup: ({ pod, startedAtMs: t }) => {
    const console = [
      'Launching defaultServer (Open Liberty 24.0.0.12/wlp-1.0.96.cl241220241119-0657) on Eclipse OpenJ9 VM, version 17.0.13+11 (en_US)',
      '[AUDIT   ] CWWKE0001I: The server defaultServer has been launched.',
      '[INFO    ] CWWKE0002I: The kernel started after 1.342 seconds',
      '[INFO    ] CWWKF0007I: Feature update started.',
      `[AUDIT   ] CWWKT0016I: Web application available (default_host): http://${pod}:9080/`,
      '[AUDIT   ] CWWKZ0001I: Application reviews-app started in 2.157 seconds.',
      '[AUDIT   ] CWWKF0012I: The server installed the following features: [jaxrs-2.0, jaxrsClient-2.0, json-1.0, jsonp-1.0, servlet-3.1].',
      '[INFO    ] CWWKF0008I: Feature update completed in 4.211 seconds.',
      '[AUDIT   ] CWWKF0011I: The defaultServer server is ready to run a smarter planet. The defaultServer server started in 5.553 seconds.',
    ];
    return console.map((line, i) => ({ offsetMs: i * 10, line }));
  },
  // The ratings client prints why it gave up; a good answer prints nothing.
  called: (c) => {
    const endpoint = c.url.replace(/\/\d+$/, '');
    if (c.error) return [`Error: unable to contact ${endpoint} got exception ${JAVA_EXCEPTIONS[c.error.kind]}`];
    if (c.status !== 200) return [`Error: unable to contact ${endpoint} got status of ${c.status}`];
    return [];
  },
};

const ratings: ContainerLogFormat = {
  startup: () => [{ offsetMs: 0, line: 'Server listening on: http://0.0.0.0:9080' }],
  served: (r) => [`${r.method} ${r.path}`],
};

const FORMATS: Record<string, ContainerLogFormat> = { productpage, details, reviews, ratings };

/** The log format of a Bookinfo image (`…/examples-bookinfo-<app>-<version>:<tag>`), else undefined. */
export function bookinfoLogFormat(image: string): ContainerLogFormat | undefined {
  const app = /examples-bookinfo-([a-z]+)-/.exec(image)?.[1];
  return app ? FORMATS[app] : undefined;
}
