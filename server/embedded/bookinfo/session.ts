import { cookieValue } from '../app-runtime/cookies.ts';
import { base64Decode, base64UrlEncode, utf8Bytes, utf8Text } from '../portable/bytes.ts';
import { hmacSha256 } from '../portable/sha.ts';

/**
 * Flask's signed `session` cookie, reduced to what productpage stores: the user name.
 * The value is `<base64url JSON>.<base64url HMAC-SHA256>`; a cookie with a bad signature is ignored.
 */
export class SessionCodec {
  constructor(private readonly secret: Uint8Array = crypto.getRandomValues(new Uint8Array(32))) {}

  encode(data: { user?: string }): string {
    const payload = base64UrlEncode(JSON.stringify(data));
    return `${payload}.${this.sign(payload)}`;
  }

  decode(cookieHeader: string | undefined): { user?: string } {
    const raw = cookieValue(cookieHeader, 'session');
    if (!raw || raw.length > 4096) return {};
    const [payload, sig] = raw.split('.');
    if (!payload || !sig) return {};
    if (!sameBytes(utf8Bytes(this.sign(payload)), utf8Bytes(sig))) return {};
    try {
      // The signature matched, so the payload is base64url this codec wrote.
      const data = JSON.parse(utf8Text(base64Decode(payload)));
      return typeof data?.user === 'string' ? { user: data.user } : {};
    } catch {
      return {};
    }
  }

  setCookie(data: { user?: string }): string {
    return `session=${this.encode(data)}; HttpOnly; Path=/`;
  }

  clearCookie(): string {
    return 'session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/';
  }

  private sign(payload: string): string {
    return base64UrlEncode(hmacSha256(this.secret, payload));
  }
}

/** Equal bytes, compared in time that does not depend on where they differ (as timingSafeEqual). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let differ = 0;
  for (let i = 0; i < a.length; i++) differ |= a[i] ^ b[i];
  return differ === 0;
}
