import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_SANDBOXES } from './sandbox/capacity.ts';

export interface DeckConfig {
  host: string;
  port: number;
  stateDir: string;
  /** Set for a real cluster; undefined runs the embedded one. */
  kubeconfig?: string;
  context?: string;
  /** Use the in-cluster service account (the deck deployed inside a cluster). */
  inCluster: boolean;
  jaegerUrl?: string;
  timeScale: number;
  /** Directory with the built client. */
  clientDir: string;
  /** Namespaces whose resources the deck streams and may change. */
  namespaces: string[];
  maxSandboxes: number;
  /** New sandboxes (or places in line) one client address may ask for a minute. */
  sandboxCreatesPerMinute: number;
  sandboxIdleMinutes: number;
  /** Heap (V8 old generation) of one sandbox's thread; over it, the sandbox is evicted. */
  sandboxMemoryMb: number;
  /** Share of one core a sandbox may keep busy, in percent. */
  sandboxCpuPercent: number;
  /** A sandbox over its CPU budget this long without a break is evicted. */
  sandboxCpuEvictSeconds: number;
  /** The presenter token; undefined makes a random one at start. Replicas share one. */
  token?: string;
  /** Real cluster only: the namespace of the ConfigMap that replicas share state through. */
  stateNamespace: string;
  /** What the deck may write: Istio's kinds only, or those plus the talk's own workloads. */
  changeKinds: ChangeKinds;
  /** Host names, besides its own addresses and loopback, that browsers may reach the deck by; "*" for any. */
  allowedHosts: string[];
  /** Embedded cluster: 'well-known' (only `npm start`) serves gateway Services on their own ports where it may bind them. */
  embeddedHostPorts?: 'well-known' | 'ephemeral';
  /** Real cluster only: how long its API must stay unreachable before the presenter is offered the embedded cluster (5 s when unset). */
  failoverAfterMs?: number;
}

export type ChangeKinds = 'istio' | 'talk';

/** A shared token must be hard to guess: at least this many characters. */
export const MIN_TOKEN_LENGTH = 16;

export const USAGE = `Usage: npm start -- [options]

  --port N            deck port (default 8080, or PORT)
  --host ADDR         deck address (default 127.0.0.1, or HOST)
  --state-dir DIR     where the embedded cluster writes kubeconfig and endpoints.json (default .istio-deck)
  --kubeconfig PATH   use a real cluster instead of the embedded one (KUBECONFIG is honoured too)
  --context NAME      kubeconfig context to use
  --in-cluster        use the pod's service account (when the deck runs inside the cluster)
  --jaeger-url URL    Jaeger query API (default: found in istio-system)
  --time-scale X      embedded cluster only: real ms per simulated ms (default 1)
  --namespaces a,b    namespaces the deck watches and may change (default default,istio-system)
  --token-file PATH   presenter token from a file (or ISTIO_DECK_TOKEN), so replicas share it (default: random)
  --state-namespace N real cluster: where replicas share the presenter's slide and the scene (default istio-live-deck)
  --max-sandboxes N   attendee sandboxes at once (or ISTIO_DECK_MAX_SANDBOXES; default ${DEFAULT_MAX_SANDBOXES}, what a 2-core, 8 GB laptop holds)
  --change-kinds K    what the deck may write: "talk" (Istio kinds and the talk's workloads, default)
                      or "istio" (Istio kinds only; scenes then check the workloads are there)
  --allowed-hosts a,b more host names browsers may use for the deck (or ISTIO_DECK_ALLOWED_HOSTS), e.g.
                      an ingress's name; its own address, localhost and --host are always allowed; "*" allows any
`;

/** Reads flags, then environment, then defaults. Throws with a one-line reason on bad input. */
export function parseDeckConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): DeckConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'state-dir': { type: 'string' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'in-cluster': { type: 'boolean' },
      embedded: { type: 'boolean' },
      'jaeger-url': { type: 'string' },
      'time-scale': { type: 'string' },
      namespaces: { type: 'string' },
      'client-dir': { type: 'string' },
      'token-file': { type: 'string' },
      'state-namespace': { type: 'string' },
      'change-kinds': { type: 'string' },
      'allowed-hosts': { type: 'string' },
      'max-sandboxes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const port = Number(values.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got "${values.port ?? env.PORT}"`);
  const timeScale = Number(values['time-scale'] ?? env.ISTIO_DECK_TIME_SCALE ?? 1);
  if (!(timeScale > 0)) throw new Error(`--time-scale must be a positive number, got "${values['time-scale']}"`);
  const stateNamespace = values['state-namespace'] ?? env.ISTIO_DECK_STATE_NAMESPACE ?? 'istio-live-deck';
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(stateNamespace)) throw new Error(`--state-namespace must be a namespace name (lower-case letters, digits, '-'), got "${stateNamespace}"`);
  const changeKinds = values['change-kinds'] ?? env.ISTIO_DECK_CHANGE_KINDS ?? 'talk';
  if (changeKinds !== 'talk' && changeKinds !== 'istio') throw new Error(`--change-kinds must be "talk" or "istio", got "${changeKinds}"`);
  const allowedHosts = parseAllowedHosts(values['allowed-hosts'] ?? env.ISTIO_DECK_ALLOWED_HOSTS ?? '');
  // An explicit --embedded wins over a KUBECONFIG inherited from the shell.
  const kubeconfig = values.embedded ? undefined : values.kubeconfig ?? (values.context ? env.KUBECONFIG ?? `${env.HOME}/.kube/config` : undefined);
  return {
    host: values.host ?? env.HOST ?? '127.0.0.1',
    port,
    stateDir: values['state-dir'] ?? env.ISTIO_DECK_STATE_DIR ?? '.istio-deck',
    kubeconfig,
    context: values.context,
    inCluster: Boolean(values['in-cluster']),
    jaegerUrl: values['jaeger-url'],
    timeScale,
    clientDir: values['client-dir'] ?? 'dist/client',
    namespaces: (values.namespaces ?? 'default,istio-system').split(',').map((s) => s.trim()).filter(Boolean),
    maxSandboxes: wholeNumber('--max-sandboxes', values['max-sandboxes'] ?? env.ISTIO_DECK_MAX_SANDBOXES, DEFAULT_MAX_SANDBOXES),
    sandboxCreatesPerMinute: positiveNumber('ISTIO_DECK_SANDBOX_CREATES_PER_MINUTE', env, 3, 1),
    sandboxIdleMinutes: Number(env.ISTIO_DECK_SANDBOX_IDLE_MINUTES ?? 20),
    sandboxMemoryMb: positiveNumber('ISTIO_DECK_SANDBOX_MEMORY_MB', env, 256, 16),
    sandboxCpuPercent: positiveNumber('ISTIO_DECK_SANDBOX_CPU_PERCENT', env, 50, 1, 100),
    sandboxCpuEvictSeconds: positiveNumber('ISTIO_DECK_SANDBOX_CPU_EVICT_SECONDS', env, 60, 1),
    token: readToken(values['token-file'], env.ISTIO_DECK_TOKEN),
    stateNamespace,
    changeKinds,
    allowedHosts,
  };
}

/** A whole number of at least 0 from a flag or the environment, or the default when unset. */
function wholeNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number from 0 up, got "${raw}"`);
  return n;
}

/** A number from the environment within [min, max], or the default when unset. */
function positiveNumber(name: string, env: NodeJS.ProcessEnv, fallback: number, min: number, max = Infinity): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!(n >= min && n <= max)) throw new Error(`${name} must be a number from ${min}${max < Infinity ? ` to ${max}` : ' up'}, got "${raw}"`);
  return n;
}

/** Comma-separated host names or IP addresses (no scheme, port or path), or "*". */
function parseAllowedHosts(list: string): string[] {
  const hosts = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const h of hosts) {
    const dnsName = h.replace(/\.$/, '').split('.').every((label) => /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i.test(label));
    if (h !== '*' && !dnsName && !/^\[?[0-9a-f:.]+\]?$/i.test(h)) {
      throw new Error(`--allowed-hosts: "${h}" is not a host name or IP address (give names only, without scheme, port or path)`);
    }
  }
  return hosts;
}

/** The token from --token-file (first line, trimmed) or ISTIO_DECK_TOKEN; undefined for a random one. */
function readToken(file: string | undefined, fromEnv: string | undefined): string | undefined {
  let token = fromEnv?.trim();
  let where = 'ISTIO_DECK_TOKEN';
  if (file !== undefined) {
    where = `--token-file ${file}`;
    try {
      token = readFileSync(file, 'utf8').split(/\r?\n/)[0].trim();
    } catch (err) {
      throw new Error(`${where}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
  }
  if (token === undefined || (token === '' && file === undefined)) return undefined;
  if (token.length < MIN_TOKEN_LENGTH) throw new Error(`${where}: the token must be at least ${MIN_TOKEN_LENGTH} characters, got ${token.length}`);
  // It travels in the presenter URL (?token=), so only characters a URL carries as they are.
  const bad = /[^A-Za-z0-9._~-]/.exec(token);
  if (bad) throw new Error(`${where}: the token may hold only letters, digits and . _ ~ - (found ${JSON.stringify(bad[0])} at character ${bad.index + 1})`);
  return token;
}
