import { generateKeyPairSync, createSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JwksKeys, decodeJwt, signatureValid } from '../../server/embedded/mesh/jwt-verify.ts';
import { authenticateRequest, requestAuthProviders } from '../../server/embedded/mesh/request-auth.ts';
import { DEMO_CLAIMS, testIssuer } from '../helpers/jwt.ts';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const providers = (rule: Record<string, unknown>) =>
  requestAuthProviders([{ apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name: 'ra', namespace: 'foo' }, spec: { jwtRules: [rule] } }], {
    namespace: 'foo',
    labels: {},
  } as any);

describe('JWT verification', () => {
  const issuer = testIssuer();
  const rule = { issuer: DEMO_CLAIMS.iss, jwks: issuer.jwks };

  it('refuses a token whose header says alg none, or whose payload was changed after signing', async () => {
    const [, payload, signature] = issuer.sign(DEMO_CLAIMS).split('.');
    const unsigned = `${b64({ alg: 'none' })}.${payload}.`;
    expect(await authenticateRequest(providers(rule), '/', { authorization: `Bearer ${unsigned}` }, Date.now())).toEqual({ ok: false, failure: { status: 401, message: 'Jwt verification fails' } });
    const tampered = `${issuer.sign(DEMO_CLAIMS).split('.')[0]}.${b64({ ...DEMO_CLAIMS, sub: 'admin' })}.${signature}`;
    expect((await authenticateRequest(providers(rule), '/', { authorization: `Bearer ${tampered}` }, Date.now())).ok).toBe(false);
  });

  it('verifies ES256 with the JWS r||s signature, and picks the key by kid', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwks = new JwksKeys(JSON.stringify({ keys: [{ ...JSON.parse(issuer.jwks).keys[0], kid: 'rsa' }, { ...publicKey.export({ format: 'jwk' }), kid: 'ec' }] }));
    const signed = `${b64({ alg: 'ES256', kid: 'ec' })}.${b64(DEMO_CLAIMS)}`;
    const sig = createSign('SHA256').update(signed).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    expect(await signatureValid(decodeJwt(`${signed}.${sig}`)!, jwks)).toBe(true);
    const wrongKid = `${b64({ alg: 'ES256', kid: 'rsa' })}.${b64(DEMO_CLAIMS)}`;
    const sig2 = createSign('SHA256').update(wrongKid).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    expect(await signatureValid(decodeJwt(`${wrongKid}.${sig2}`)!, jwks)).toBe(false);
  });

  it('audiences: a token for another audience gets 403; a rule with only a jwksUri has no keys', async () => {
    const other = issuer.sign({ ...DEMO_CLAIMS, aud: 'other' });
    expect(await authenticateRequest(providers({ ...rule, audiences: ['httpbin'] }), '/', { authorization: `Bearer ${other}` }, Date.now())).toEqual({
      ok: false,
      failure: { status: 403, message: 'Audiences in Jwt are not allowed' },
    });
    const onlyUri = providers({ issuer: DEMO_CLAIMS.iss, jwksUri: 'https://example.com/jwks.json' });
    expect((await authenticateRequest(onlyUri, '/', { authorization: `Bearer ${issuer.sign(DEMO_CLAIMS)}` }, Date.now())).ok).toBe(false);
  });

  it('fromHeaders replaces the default location: the Authorization header is then not read', async () => {
    const custom = providers({ ...rule, fromHeaders: [{ name: 'x-jwt-assertion' }] });
    const token = issuer.sign(DEMO_CLAIMS);
    const viaCustom = await authenticateRequest(custom, '/', { 'x-jwt-assertion': token }, Date.now());
    expect(viaCustom.ok && viaCustom.identity?.principal).toBe('testing@secure.istio.io/testing@secure.istio.io');
    const viaDefault = await authenticateRequest(custom, '/', { authorization: `Bearer ${token}` }, Date.now());
    expect(viaDefault.ok && viaDefault.identity).toBeUndefined();
  });
});
