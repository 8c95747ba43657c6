import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { cookieValue } from '../app-runtime/cookies.ts';

/**
 * Flask's signed `session` cookie, reduced to what productpage stores: the user name.
 * The value is `<base64url JSON>.<base64url HMAC-SHA256>`; a cookie with a bad signature is ignored.
 */
export class SessionCodec {
  constructor(private readonly secret: Buffer = randomBytes(32)) {}

  encode(data: { user?: string }): string {
    const payload = Buffer.from(JSON.stringify(data)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  decode(cookieHeader: string | undefined): { user?: string } {
    const raw = cookieValue(cookieHeader, 'session');
    if (!raw || raw.length > 4096) return {};
    const [payload, sig] = raw.split('.');
    if (!payload || !sig) return {};
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return {};
    try {
      const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
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
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
