/**
 * JSON Web Token checks as Envoy's jwt_authn filter makes them: three base64url parts, a
 * signature by a key of the provider's JWKS (RS256/384/512, ES256/384), the issuer, the
 * audiences and the expiry. Signatures go through WebCrypto (`globalThis.crypto.subtle`),
 * which Node and browsers both have, so the cluster can also run in a Web Worker.
 */

/** A token's payload: its claims. */
export type JwtClaims = Record<string, unknown>;

export interface DecodedJwt {
  header: { alg?: string; kid?: string };
  claims: JwtClaims;
  signedPart: Uint8Array<ArrayBuffer>;
  signature: Uint8Array<ArrayBuffer>;
}

/** Why a token was refused: Envoy's status words and the HTTP status it answers with. */
export interface JwtFailure {
  status: 401 | 403;
  message: string;
}

export const JWT_VERIFICATION_FAILS: JwtFailure = { status: 401, message: 'Jwt verification fails' };
export const JWT_EXPIRED: JwtFailure = { status: 401, message: 'Jwt is expired' };
export const JWT_NOT_YET_VALID: JwtFailure = { status: 401, message: 'Jwt not yet valid' };
export const JWT_AUDIENCE_NOT_ALLOWED: JwtFailure = { status: 403, message: 'Audiences in Jwt are not allowed' };

/** Tokens longer than this are refused unread (Envoy's header limit is 60 KiB). */
const MAX_TOKEN_CHARS = 16 * 1024;

function base64UrlBytes(part: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(part) || part.length % 4 === 1) return undefined;
  // atob rather than Buffer: the cluster may run in a browser's Web Worker.
  const binary = atob(part.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (part.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function jsonPart(part: string): any {
  const bytes = base64UrlBytes(part);
  if (!bytes) return undefined;
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The token's parts, or undefined when it is not a JWT (wrong shape, bad base64url, not JSON objects). */
export function decodeJwt(token: string): DecodedJwt | undefined {
  if (token.length > MAX_TOKEN_CHARS) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const header = jsonPart(parts[0]);
  const claims = jsonPart(parts[1]);
  const signature = base64UrlBytes(parts[2]);
  if (!header || !claims || !signature) return undefined;
  return { header, claims, signature, signedPart: new TextEncoder().encode(`${parts[0]}.${parts[1]}`) };
}

type Algorithm = { import: RsaHashedImportParams | EcKeyImportParams; verify: AlgorithmIdentifier | EcdsaParams };

const ALGORITHMS: Record<string, Algorithm> = {
  RS256: { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verify: 'RSASSA-PKCS1-v1_5' },
  RS384: { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' }, verify: 'RSASSA-PKCS1-v1_5' },
  RS512: { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' }, verify: 'RSASSA-PKCS1-v1_5' },
  ES256: { import: { name: 'ECDSA', namedCurve: 'P-256' }, verify: { name: 'ECDSA', hash: 'SHA-256' } },
  ES384: { import: { name: 'ECDSA', namedCurve: 'P-384' }, verify: { name: 'ECDSA', hash: 'SHA-384' } },
};

/** One usable key of a JWKS. */
interface VerifyKey {
  kid?: string;
  alg: string;
  key: CryptoKey;
}

/** The algorithm a JWK is for: its `alg`, else RS256 for RSA keys and the curve's for EC keys. */
function keyAlgorithm(jwk: any): string | undefined {
  if (typeof jwk.alg === 'string') return ALGORITHMS[jwk.alg] ? jwk.alg : undefined;
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-256' ? 'ES256' : undefined;
  return undefined;
}

/**
 * A provider's public keys, parsed from its JWKS text once and imported on first use (an
 * import is asynchronous, a plan is compiled synchronously). Keys that cannot be imported are
 * left out, as Envoy skips them; a JWKS that does not parse has no keys, so every token fails.
 */
export class JwksKeys {
  private imported?: Promise<VerifyKey[]>;

  constructor(private readonly jwksText: string | undefined) {}

  keys(): Promise<VerifyKey[]> {
    this.imported ??= importKeys(this.jwksText);
    return this.imported;
  }
}

async function importKeys(text: string | undefined): Promise<VerifyKey[]> {
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    return [];
  }
  const jwks: any[] = Array.isArray(parsed?.keys) ? parsed.keys : [];
  const keys = await Promise.all(
    jwks.map(async (jwk): Promise<VerifyKey | undefined> => {
      const alg = jwk && typeof jwk === 'object' ? keyAlgorithm(jwk) : undefined;
      if (!alg) return undefined;
      const { kty, n, e, crv, x, y } = jwk;
      try {
        const key = await globalThis.crypto.subtle.importKey('jwk', { kty, n, e, crv, x, y, ext: true }, ALGORITHMS[alg].import, false, ['verify']);
        return { kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, alg, key };
      } catch {
        return undefined;
      }
    }),
  );
  return keys.filter((k): k is VerifyKey => k !== undefined);
}

/** Whether a key of the set signed the token: the key its `kid` names, else any key of its algorithm. */
export async function signatureValid(token: DecodedJwt, jwks: JwksKeys): Promise<boolean> {
  const alg = token.header.alg;
  if (!alg || !ALGORITHMS[alg]) return false;
  const candidates = (await jwks.keys()).filter((k) => k.alg === alg && (token.header.kid === undefined || k.kid === undefined || k.kid === token.header.kid));
  for (const k of candidates) {
    if (await globalThis.crypto.subtle.verify(ALGORITHMS[alg].verify, k.key, token.signature, token.signedPart)) return true;
  }
  return false;
}

/** The `exp`/`nbf` and audience checks on a signed token; undefined when it passes. */
export function claimsFailure(claims: JwtClaims, nowMs: number, audiences: string[]): JwtFailure | undefined {
  const nowSec = Math.floor(nowMs / 1000);
  if (typeof claims.exp === 'number' && claims.exp < nowSec) return JWT_EXPIRED;
  if (typeof claims.nbf === 'number' && claims.nbf > nowSec) return JWT_NOT_YET_VALID;
  if (audiences.length) {
    const aud = Array.isArray(claims.aud) ? claims.aud.map(String) : claims.aud === undefined ? [] : [String(claims.aud)];
    if (!aud.some((a) => audiences.includes(a))) return JWT_AUDIENCE_NOT_ALLOWED;
  }
  return undefined;
}
