import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';

/**
 * An RSA signing key and its JWKS, made for a test: istio.io's pages fetch Istio's sample
 * tokens and jwks.json from GitHub, which a test cannot reach, so it signs tokens with the
 * same claims itself.
 */
export interface TestIssuer {
  /** `{"keys":[…]}`, as a RequestAuthentication's `jwks` field takes it. */
  jwks: string;
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

export function testIssuer(): TestIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    jwks: JSON.stringify({ keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] }),
    sign(claims, header = { alg: 'RS256', kid, typ: 'JWT' }) {
      const signed = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      return `${signed}.${createSign('RSA-SHA256').update(signed).sign(privateKey).toString('base64url')}`;
    },
  };
}

/** The claims of Istio's sample demo.jwt and groups-scope.jwt, in their order. */
export const DEMO_CLAIMS = { exp: 4685989700, foo: 'bar', iat: 1532389700, iss: 'testing@secure.istio.io', sub: 'testing@secure.istio.io' };
export const GROUPS_SCOPE_CLAIMS = { exp: 3537391104, groups: ['group1', 'group2'], iat: 1537391104, iss: 'testing@secure.istio.io', scope: ['scope1', 'scope2'], sub: 'testing@secure.istio.io' };
