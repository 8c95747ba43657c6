import { compileUserRegex, type UserRegex } from '../../user-regex.ts';
import { claimValues, routingClaimPath } from './request-auth.ts';

/** Istio's HTTPMatchRequest semantics: conditions within one match are ANDed, the match list is ORed. */

export interface StringMatch {
  exact?: string;
  prefix?: string;
  /** A path prefix of whole segments (the Gateway API's PathPrefix): `/foo` takes `/foo` and `/foo/bar`, not `/foobar`. */
  segmentPrefix?: string;
  regex?: string;
}

export interface HttpMatchRequest {
  name?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers?: Record<string, StringMatch>;
  withoutHeaders?: Record<string, StringMatch>;
  queryParams?: Record<string, StringMatch>;
  ignoreUriCase?: boolean;
  port?: number;
  sourceLabels?: Record<string, string>;
  sourceNamespace?: string;
  gateways?: string[];
}

/** What the match conditions look at. */
export interface MatchInput {
  path: string; // without query
  query: URLSearchParams;
  method: string;
  authority: string;
  scheme: string;
  port: number;
  headers: Record<string, string>;
  sourceLabels: Record<string, string>;
  sourceNamespace: string;
  /** `<ns>/<name>` of the gateway, or `mesh` for sidecars. */
  gateway: string;
  /** A verified JWT's claims, which `@request.auth.claims.*` header matches read. */
  claims?: Record<string, unknown>;
}

/**
 * Envoy refuses a route whose regex compiles to a bigger RE2 program than this (Istio's
 * bootstrap sets re2.max_program_size.error_level to 32768), so such a match never applies.
 */
const ENVOY_MAX_PROGRAM_SIZE = 32_768;
const MAX_CACHED_REGEXES = 1000;

const regexCache = new Map<string, UserRegex | null>();

/** The compiled pattern; null when Istio or Envoy would have refused it, so it matches nothing. */
function envoyRegex(pattern: string): UserRegex | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    const { regex } = compileUserRegex(pattern);
    re = regex && regex.programSize() <= ENVOY_MAX_PROGRAM_SIZE ? regex : null;
    if (regexCache.size >= MAX_CACHED_REGEXES) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

export function stringMatches(m: StringMatch | undefined, value: string | undefined, ignoreCase = false): boolean {
  if (!m) return true;
  // An empty StringMatch `{}` tests presence only.
  if (m.exact === undefined && m.prefix === undefined && m.segmentPrefix === undefined && m.regex === undefined) return value !== undefined;
  if (value === undefined) return false;
  if (m.segmentPrefix !== undefined) return segmentPrefixMatches(m.segmentPrefix, value);
  if (m.exact !== undefined) return ignoreCase ? value.toLowerCase() === m.exact.toLowerCase() : value === m.exact;
  if (m.prefix !== undefined) return ignoreCase ? value.toLowerCase().startsWith(m.prefix.toLowerCase()) : value.startsWith(m.prefix);
  // Envoy's safe_regex matches the whole value, in time linear in its length.
  return envoyRegex(m.regex!)?.matchesWhole(value) ?? false;
}

/** A trailing `/` of the prefix is ignored; `/` takes every path. */
function segmentPrefixMatches(prefix: string, path: string): boolean {
  const p = prefix.replace(/\/+$/, '');
  return p === '' || path === p || path.startsWith(`${p}/`);
}

// Istio ignores these keys under `headers`; they have their own fields.
const PSEUDO_HEADERS = new Set(['uri', 'scheme', 'method', 'authority']);

export function requestMatches(match: HttpMatchRequest, input: MatchInput): boolean {
  if (!stringMatches(match.uri, input.path, match.ignoreUriCase)) return false;
  if (!stringMatches(match.scheme, input.scheme)) return false;
  if (!stringMatches(match.method, input.method)) return false;
  if (!stringMatches(match.authority, input.authority)) return false;
  if (match.port !== undefined && match.port !== input.port) return false;
  for (const [name, m] of Object.entries(match.headers ?? {})) {
    if (PSEUDO_HEADERS.has(name)) continue;
    if (!headerOrClaimMatches(name, m, input)) return false;
  }
  for (const [name, m] of Object.entries(match.withoutHeaders ?? {})) {
    if (PSEUDO_HEADERS.has(name)) continue;
    if (headerOrClaimMatches(name, m, input)) return false;
  }
  for (const [name, m] of Object.entries(match.queryParams ?? {})) {
    const v = input.query.get(name);
    if (!stringMatches(m, v === null ? undefined : v)) return false;
  }
  for (const [k, v] of Object.entries(match.sourceLabels ?? {})) if (input.sourceLabels[k] !== v) return false;
  if (match.sourceNamespace !== undefined && match.sourceNamespace !== input.sourceNamespace) return false;
  if (match.gateways?.length && !match.gateways.includes(input.gateway)) return false;
  return true;
}

/** A header, or a verified JWT claim for `@request.auth.claims.*` names (a list claim matches by any element). */
function headerOrClaimMatches(name: string, m: StringMatch, input: MatchInput): boolean {
  const claimPath = routingClaimPath(name);
  if (!claimPath) return stringMatches(m, input.headers[name.toLowerCase()]);
  const values = claimValues(input.claims, claimPath);
  return values ? values.some((v) => stringMatches(m, v)) : stringMatches(m, undefined);
}

/** A rule with no `match` matches everything. Returns the match that succeeded (for the span's operation name). */
export function firstMatch(matches: HttpMatchRequest[] | undefined, input: MatchInput): HttpMatchRequest | null | undefined {
  if (!matches || matches.length === 0) return null;
  return matches.find((m) => requestMatches(m, input));
}
