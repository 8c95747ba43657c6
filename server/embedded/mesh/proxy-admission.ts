import type { MeshResponse } from '../app-runtime/types.ts';
import { ENVOY, localReply } from './envoy.ts';
import type { InboundPolicy } from './plan.ts';
import { type RequestIdentity, authenticateRequest } from './request-auth.ts';
import { type AuthzRequest, authorize } from './security.ts';

/** What a proxy lets through: the request's headers as the app sees them and its end-user identity. */
export type Admission = { admitted: true; headers: Record<string, string>; identity?: RequestIdentity } | { admitted: false; reply: MeshResponse };

/**
 * The filters a proxy runs before routing (at a gateway) or before the app (at a sidecar), in
 * Envoy's order: jwt_authn (a refused token gets 401, or 403 for its audience), then RBAC
 * (403 `RBAC: access denied`), which sees the verified token's principal and claims.
 * `req.path` keeps its query: a token may come in `?access_token=`.
 */
export async function admitRequest(policy: InboundPolicy, req: AuthzRequest, nowMs: number): Promise<Admission> {
  const authn = await authenticateRequest(policy.requestAuth ?? [], req.path, req.headers, nowMs);
  if (!authn.ok) {
    const realm = `http://${req.host}${req.path.split('?')[0]}`;
    return { admitted: false, reply: localReply(authn.failure.status, authn.failure.message, { 'www-authenticate': `Bearer realm="${realm}", error="invalid_token"` }) };
  }
  const allowed = authorize(policy, { ...req, path: req.path.split('?')[0], headers: authn.headers, auth: authn.identity });
  if (!allowed) return { admitted: false, reply: localReply(403, ENVOY.rbacDenied) };
  return { admitted: true, headers: authn.headers, identity: authn.identity };
}
