/**
 * Signing a user into Bookinfo's product page through the ingress gateway, as its
 * "Sign in" form does: POST /login with `username`, answered by a redirect that sets the
 * signed `session` cookie. The demo traffic and the per-frame users of the gateway proxy
 * both sign in this one way.
 */

/** The product page has no passwords; the form still sends the field. */
const PASSWORD = '';
/** A sign-in the caller does not time itself gives up after this long. */
const DEFAULT_TIMEOUT_MS = 15_000;

/** The product page answered, but did not sign the user in. */
export class SignInError extends Error {}

export interface SignInOptions {
  /** Defaults to the global fetch; tests and the traffic generator pass their own. */
  fetch?: typeof fetch;
  /** Ends the sign-in; without one it times out after 15 s. */
  signal?: AbortSignal;
}

/** Signs `user` in at the gateway and returns the `session` cookie's value. */
export async function signInToBookinfo(gatewayUrl: string, user: string, opts: SignInOptions = {}): Promise<string> {
  const base = gatewayUrl.replace(/\/$/, '');
  const res = await (opts.fetch ?? fetch)(`${base}/login`, {
    method: 'POST',
    // The product page sends a signed-in user back to where the form was.
    headers: { 'content-type': 'application/x-www-form-urlencoded', referer: `${base}/productpage` },
    body: new URLSearchParams({ username: user, passwd: PASSWORD }).toString(),
    redirect: 'manual',
    signal: opts.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS),
  });
  await res.body?.cancel();
  const session = sessionCookie(res.headers.getSetCookie());
  if (!session) throw new SignInError(`productpage's POST /login as ${user} answered ${res.status} without a session cookie`);
  return session;
}

/**
 * The `session` value the last Set-Cookie header gives: '' when the page cleared it (sign
 * out), undefined when none touches it.
 */
export function sessionCookie(setCookies: string[]): string | undefined {
  let session: string | undefined;
  for (const c of setCookies) {
    const m = /^session=([^;]*)/.exec(c);
    if (m) session = m[1];
  }
  return session;
}
