/**
 * Per-frame users for the product page. A browser has one cookie jar, so two frames side
 * by side ("Same page, two users") would share Bookinfo's `session` cookie. Under
 * `<prefix>/as/<user>/…` the proxy ignores the browser's session and signs in on the
 * frame's behalf instead: productpage's POST /login with `username`, whose signed
 * `session` cookie the proxy keeps and sends with that frame's requests only.
 */
import { signInToBookinfo } from '../cluster/bookinfo-session.ts';

export const ANONYMOUS = 'anonymous';
const USER_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** A productpage restart may change its signing key; sign in again after this long. */
const SESSION_TTL_MS = 60_000;
const MAX_CACHED_SESSIONS = 64;

export interface FrameIdentity {
  user: string;
  /** The path after `/as/<user>`, with its query. */
  rest: string;
}

export const isFrameUser = (name: string) => USER_PATTERN.test(name);

/** `/as/jason/productpage?x=1` → {user: 'jason', rest: '/productpage?x=1'}; undefined for other paths. */
export function parseFrameIdentity(path: string): FrameIdentity | { error: string } | undefined {
  const m = /^\/as\/([^/?]*)(.*)$/.exec(path);
  if (!m) return undefined;
  let user: string;
  try {
    user = decodeURIComponent(m[1]);
  } catch {
    return { error: `user "${m[1].slice(0, 70)}" in the gateway path has malformed percent-encoding` };
  }
  if (!isFrameUser(user)) return { error: `user "${user.slice(0, 70)}" in the gateway path must be 1-64 letters, digits, ".", "_" or "-"` };
  return { user, rest: m[2] || '/' };
}

/** The Cookie header without Bookinfo's `session`, plus the frame's own session when it has one. */
export function cookieFor(header: string | string[] | undefined, session: string | undefined): string | undefined {
  const given = (Array.isArray(header) ? header.join('; ') : (header ?? ''))
    .split(/;\s*/)
    .filter((c) => c && !/^session=/.test(c));
  if (session) given.push(`session=${session}`);
  return given.length ? given.join('; ') : undefined;
}

const sessions = new Map<string, { value: string; at: number }>();

/** The `session` cookie value for `user` at this gateway, signing in when none is cached. */
export async function sessionFor(gateway: string, user: string, now = Date.now()): Promise<string | undefined> {
  if (user === ANONYMOUS) return undefined;
  const key = `${gateway} ${user}`;
  const cached = sessions.get(key);
  if (cached && now - cached.at < SESSION_TTL_MS) return cached.value;
  const value = await signInToBookinfo(gateway, user);
  sessions.delete(key);
  sessions.set(key, { value, at: now });
  if (sessions.size > MAX_CACHED_SESSIONS) sessions.delete(sessions.keys().next().value!);
  return value;
}
