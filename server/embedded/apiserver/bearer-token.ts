/** The API's one credential: a bearer token, compared in time that does not depend on where it differs. */
const encoder = new TextEncoder();

export function tokenMatches(header: string | null | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = encoder.encode(m[1].trim());
  const b = encoder.encode(token);
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
