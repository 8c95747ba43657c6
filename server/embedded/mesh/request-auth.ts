import type { Workload } from '../app-runtime/types.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { type JwtClaims, type JwtFailure, JWT_VERIFICATION_FAILS, JwksKeys, claimsFailure, decodeJwt, signatureValid } from './jwt-verify.ts';
import { selects } from './pods.ts';

/**
 * RequestAuthentication compiled for one proxy, as istiod turns it into Envoy's jwt_authn
 * filter: one provider per JWT rule of every policy that selects the proxy. A request with no
 * token passes unauthenticated; a token that fails is refused; a valid one gives the request
 * its principal and claims for AuthorizationPolicy and routing.
 */
export interface JwtProvider {
  issuer: string;
  audiences: string[];
  keys: JwksKeys;
  /** Where the token is read: headers (with the prefix stripped) and query parameters. */
  fromHeaders: Array<{ name: string; prefix: string }>;
  fromParams: string[];
  forwardOriginalToken: boolean;
  outputClaimToHeaders: Array<{ header: string; claim: string }>;
}

/** The request's end-user identity once a token verified. */
export interface RequestIdentity {
  /** `<iss>/<sub>`, what `requestPrincipals` match. */
  principal: string;
  claims: JwtClaims;
}

export type AuthnOutcome = { ok: true; identity?: RequestIdentity; headers: Record<string, string> } | { ok: false; failure: JwtFailure };

/** The mesh's root namespace: a policy there without a selector applies to every proxy. */
const ROOT_NAMESPACE = 'istio-system';
/** Where a rule reads its token unless it says otherwise. */
const DEFAULT_HEADERS = [{ name: 'authorization', prefix: 'Bearer ' }];
const DEFAULT_PARAMS = ['access_token'];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

/** The policies selecting a proxy: its namespace's (all of them, or by selector) and the root namespace's mesh-wide ones. */
export function requestAuthProviders(policies: KubeObject[], w: Workload): JwtProvider[] {
  const applies = (ra: KubeObject) => {
    const sel = ra.spec?.selector?.matchLabels;
    const hasSel = sel && typeof sel === 'object' && Object.keys(sel).length > 0;
    if (ra.spec?.targetRef || (Array.isArray(ra.spec?.targetRefs) && ra.spec.targetRefs.length)) return false;
    if (ra.metadata.namespace === ROOT_NAMESPACE && !hasSel) return true;
    return ra.metadata.namespace === w.namespace && (!hasSel || selects(sel, w));
  };
  return policies.filter(applies).flatMap((ra) => (Array.isArray(ra.spec?.jwtRules) ? ra.spec.jwtRules : []).map(provider));
}

function provider(rule: any): JwtProvider {
  const headers = Array.isArray(rule?.fromHeaders)
    ? rule.fromHeaders.filter((h: any) => typeof h?.name === 'string').map((h: any) => ({ name: h.name.toLowerCase(), prefix: typeof h.prefix === 'string' ? h.prefix : '' }))
    : [];
  const params = strings(rule?.fromParams);
  // A rule naming any location reads only those; one naming none reads the defaults.
  const custom = headers.length > 0 || params.length > 0;
  return {
    issuer: String(rule?.issuer ?? ''),
    audiences: strings(rule?.audiences),
    // istiod inlines a jwksUri's keys; the embedded cluster has no internet, so such a rule has none and every token fails.
    keys: new JwksKeys(typeof rule?.jwks === 'string' ? rule.jwks : undefined),
    fromHeaders: custom ? headers : DEFAULT_HEADERS,
    fromParams: custom ? params : DEFAULT_PARAMS,
    forwardOriginalToken: rule?.forwardOriginalToken === true,
    outputClaimToHeaders: (Array.isArray(rule?.outputClaimToHeaders) ? rule.outputClaimToHeaders : [])
      .filter((o: any) => typeof o?.header === 'string' && typeof o?.claim === 'string')
      .map((o: any) => ({ header: o.header.toLowerCase(), claim: o.claim })),
  };
}

/** A token found in one of a provider's locations. */
interface FoundToken {
  token: string;
  header?: string;
}

function tokensOf(p: JwtProvider, headers: Record<string, string>, query: URLSearchParams): FoundToken[] {
  const found: FoundToken[] = [];
  for (const h of p.fromHeaders) {
    const v = headers[h.name];
    // A value without the prefix is no token of this location (Envoy reads it as missing).
    if (v !== undefined && v.startsWith(h.prefix) && v.length > h.prefix.length) found.push({ token: v.slice(h.prefix.length).trim(), header: h.name });
  }
  for (const name of p.fromParams) {
    const v = query.get(name);
    if (v) found.push({ token: v });
  }
  return found;
}

/**
 * Envoy's jwt_authn with Istio's requirement (any provider, or no token at all): each token
 * found must verify against the provider of its issuer; the first that verifies names the
 * request's identity. The token header is removed unless the rule forwards it, and the
 * rule's claims are copied to headers.
 */
export async function authenticateRequest(providers: JwtProvider[], path: string, headers: Record<string, string>, nowMs: number): Promise<AuthnOutcome> {
  if (!providers.length) return { ok: true, headers };
  const query = new URLSearchParams(path.includes('?') ? path.slice(path.indexOf('?') + 1) : '');
  let verified: { identity: RequestIdentity; provider: JwtProvider; found: FoundToken } | undefined;
  for (const p of providers) {
    for (const found of tokensOf(p, headers, query)) {
      const token = decodeJwt(found.token);
      if (!token) return { ok: false, failure: JWT_VERIFICATION_FAILS };
      // A token of another issuer is left to the provider of that issuer.
      if (token.claims.iss !== p.issuer) {
        if (!providers.some((q) => q.issuer === token.claims.iss)) return { ok: false, failure: JWT_VERIFICATION_FAILS };
        continue;
      }
      if (!(await signatureValid(token, p.keys))) return { ok: false, failure: JWT_VERIFICATION_FAILS };
      const failure = claimsFailure(token.claims, nowMs, p.audiences);
      if (failure) return { ok: false, failure };
      verified ??= { identity: { principal: `${token.claims.iss}/${token.claims.sub ?? ''}`, claims: token.claims }, provider: p, found };
    }
  }
  if (!verified) return { ok: true, headers };
  const out = { ...headers };
  if (verified.found.header && !verified.provider.forwardOriginalToken) delete out[verified.found.header];
  for (const { header, claim } of verified.provider.outputClaimToHeaders) {
    const v = verified.identity.claims[claim];
    // Only string, number and boolean claims are copied.
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[header] = String(v);
  }
  return { ok: true, identity: verified.identity, headers: out };
}

/**
 * A claim by path, as `request.auth.claims[a][b]` (AuthorizationPolicy) and
 * `@request.auth.claims.a.b` (routing) name it, as the strings it matches: an array claim
 * matches by any element.
 */
export function claimValues(claims: JwtClaims | undefined, path: string[]): string[] | undefined {
  let v: unknown = claims;
  for (const key of path) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  return [typeof v === 'string' ? v : JSON.stringify(v)];
}

/** `request.auth.*` attributes of AuthorizationPolicy conditions; undefined for other keys or without an identity. */
export function authAttribute(key: string, identity: RequestIdentity | undefined): string[] | undefined {
  if (!identity) return undefined;
  if (key === 'request.auth.principal') return [identity.principal];
  if (key === 'request.auth.audiences') return claimValues(identity.claims, ['aud']);
  if (key === 'request.auth.presenter') return claimValues(identity.claims, ['azp']);
  const claim = /^request\.auth\.claims((?:\[[^\]]+\])+)$/.exec(key);
  if (claim) return claimValues(identity.claims, [...claim[1].matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]));
  return undefined;
}

/** The claim path of a routing key `@request.auth.claims.a.b` or `@request.auth.claims[a.b]`. */
export function routingClaimPath(name: string): string[] | undefined {
  const rest = /^@request\.auth\.claims(.*)$/.exec(name)?.[1];
  if (rest === undefined) return undefined;
  const brackets = [...rest.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
  if (brackets.length && rest === brackets.map((b) => `[${b}]`).join('')) return brackets;
  return rest.startsWith('.') ? rest.slice(1).split('.').filter(Boolean) : undefined;
}
