import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SessionCodec } from '../../server/embedded/bookinfo/session.ts';

const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
/** The cookie as the codec wrote it with node:crypto's HMAC. */
const nodeCookie = (data: unknown) => {
  const payload = Buffer.from(JSON.stringify(data)).toString('base64url');
  return `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
};

describe("productpage's signed session cookie", () => {
  it('is written as node:crypto signed it, and read back', () => {
    const codec = new SessionCodec(SECRET);
    for (const user of ['jason', 'Jürgen 漢字', '']) {
      expect(codec.encode({ user })).toBe(nodeCookie({ user }));
      expect(codec.decode(`a=b; session=${nodeCookie({ user })}`)).toEqual({ user });
    }
  });

  it('is ignored when its signature or payload was changed, or another secret signed it', () => {
    const codec = new SessionCodec(SECRET);
    const [payload, sig] = nodeCookie({ user: 'jason' }).split('.');
    const forged = Buffer.from(JSON.stringify({ user: 'admin' })).toString('base64url');
    expect(codec.decode(`session=${forged}.${sig}`)).toEqual({});
    expect(codec.decode(`session=${payload}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`)).toEqual({});
    expect(codec.decode(`session=${payload}.${sig}x`)).toEqual({});
    expect(new SessionCodec().decode(`session=${payload}.${sig}`)).toEqual({});
  });
});
