import type { Workload } from '../app-runtime/types.ts';
import type { KubeObject } from '../apiserver/types.ts';
import type { InboundPolicy } from './plan.ts';
import { peerAuthMode, policyAction, workloadBoundPolicies } from './security.ts';

/**
 * What ztunnel makes of an AuthorizationPolicy bound to a workload (by selector or namespace):
 * it never parses HTTP, so the HTTP attributes of a rule cannot be enforced there. Istio
 * converts such a policy to the stricter side: in an ALLOW policy a rule with an HTTP attribute
 * is dropped (it can never allow); in a DENY policy the HTTP attributes are dropped and the
 * rest of the rule still denies (a clause left with nothing to match never matches).
 */

/** The attributes of each clause that need HTTP, as istiod lists them in its warning. */
const HTTP_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
const HTTP_SOURCE = ['remoteIpBlocks', 'notRemoteIpBlocks', 'requestPrincipals', 'notRequestPrincipals'];
const L4_CONDITIONS = new Set(['source.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port']);

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const present = (o: Record<string, unknown> | undefined, key: string) => list(o?.[key]).length > 0;

/** The HTTP attributes one rule uses (an empty list for a rule ztunnel can enforce whole). */
export function httpAttributesOf(rule: any): string[] {
  const found = new Set<string>();
  for (const t of list(rule?.to)) for (const k of HTTP_OPERATION) if (present(t?.operation, k)) found.add(k);
  for (const f of list(rule?.from)) for (const k of HTTP_SOURCE) if (present(f?.source, k)) found.add(k);
  for (const c of list(rule?.when)) if (!L4_CONDITIONS.has(String(c?.key ?? ''))) found.add(String(c?.key ?? ''));
  return [...found];
}

export const ruleHasL7 = (rule: any): boolean => httpAttributesOf(rule).length > 0;

function without(o: Record<string, unknown> | undefined, drop: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([k, v]) => !drop.includes(k) && v !== undefined));
}

/**
 * A DENY rule as ztunnel enforces it: its HTTP attributes gone. An entry left empty matches
 * nothing (ztunnel skips empty matches), so a clause whose every entry was emptied, or a
 * condition on an HTTP attribute, makes the rule match nothing: undefined.
 */
function l4DenyRule(rule: any): unknown | undefined {
  const out: Record<string, unknown> = {};
  if (rule?.to) {
    const to = list(rule.to).map((t) => without(t?.operation, HTTP_OPERATION)).filter((op) => Object.keys(op).length);
    if (!to.length) return undefined;
    out.to = to.map((operation) => ({ operation }));
  }
  if (rule?.from) {
    const from = list(rule.from).map((f) => without(f?.source, HTTP_SOURCE)).filter((src) => Object.keys(src).length);
    if (!from.length) return undefined;
    out.from = from.map((source) => ({ source }));
  }
  if (list(rule?.when).some((c) => !L4_CONDITIONS.has(String(c?.key ?? '')))) return undefined;
  if (rule?.when) out.when = rule.when;
  return out;
}

/** What the receiving ztunnel enforces for an ambient pod: its PeerAuthentication mode and the L4 part of the policies bound to it. */
export function ztunnelPolicy(peerAuthentications: KubeObject[], authorizationPolicies: KubeObject[], w: Workload): InboundPolicy {
  const deny: unknown[] = [];
  const allow: unknown[] = [];
  let hasAllow = false;
  for (const ap of workloadBoundPolicies(authorizationPolicies, w)) {
    const rules = list(ap.spec?.rules);
    const action = policyAction(ap);
    if (action === 'DENY') deny.push(...rules.map((r) => (ruleHasL7(r) ? l4DenyRule(r) : r)).filter((r) => r !== undefined));
    else if (action === 'ALLOW') {
      hasAllow = true;
      allow.push(...rules.filter((r) => !ruleHasL7(r)));
    }
  }
  return { peerMode: peerAuthMode(peerAuthentications, w), deny, allow, hasAllow };
}

/** Whether a policy is bound to ztunnel (no targetRefs) yet uses HTTP attributes. */
export function boundToZtunnelWithL7(ap: KubeObject): boolean {
  const targeted = list(ap.spec?.targetRefs).length > 0 || !!ap.spec?.targetRef;
  return !targeted && list(ap.spec?.rules).some(ruleHasL7);
}

export interface PolicyCondition {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/**
 * The `ZtunnelAccepted` condition istiod writes on a policy bound to workloads (none for one
 * with targetRefs): accepted, accepted with the HTTP rules left out (and why), or refused for
 * an action ztunnel has no notion of.
 */
export function ztunnelAcceptance(ap: KubeObject): PolicyCondition | undefined {
  if (list(ap.spec?.targetRefs).length > 0 || ap.spec?.targetRef) return undefined;
  const action = policyAction(ap);
  if (action !== 'ALLOW' && action !== 'DENY') return { status: 'False', reason: 'UnsupportedValue', message: `ztunnel does not support the ${action} action` };
  const rules = list(ap.spec?.rules);
  const found = [...new Set(rules.flatMap(httpAttributesOf))].sort();
  if (!found.length) return { status: 'True', reason: 'Accepted', message: 'attached to ztunnel' };
  let consequence: string;
  if (action === 'ALLOW') consequence = 'Within an ALLOW policy, rules matching HTTP attributes are omitted. This will be more restrictive than requested.';
  else if (!rules.some((r) => (ruleHasL7(r) ? l4DenyRule(r) !== undefined : true))) {
    consequence = 'After omitting unsupported HTTP attributes, this DENY policy has no enforceable rules at ztunnel and will have no effect. Deploy a waypoint proxy and use a targetRef to enforce this policy.';
  } else consequence = 'DENY policy with HTTP attributes is enforced without the HTTP rules. This will be more restrictive than requested.';
  return { status: 'True', reason: 'UnsupportedValue', message: `ztunnel does not support HTTP attributes (found: ${found.join(', ')}). In ambient mode you must use a waypoint proxy to enforce HTTP rules. ${consequence}` };
}
