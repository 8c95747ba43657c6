import type { Workload } from '../app-runtime/types.ts';
import type { KubeObject } from '../apiserver/types.ts';
import type { InboundPolicy } from './plan.ts';
import { peerAuthMode, policyAction, workloadBoundPolicies } from './security.ts';

/** The only AuthorizationPolicy attributes ztunnel understands (it never parses HTTP). */
const L4_SOURCE = new Set(['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks']);
const L4_OPERATION = new Set(['ports', 'notPorts']);
const L4_CONDITIONS = new Set(['source.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port']);

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** Whether a rule asks for anything beyond what ztunnel can see (methods, paths, headers, JWT claims…). */
export function ruleHasL7(rule: any): boolean {
  if (list(rule?.from).some((f) => Object.keys(f?.source ?? {}).some((k) => !L4_SOURCE.has(k)))) return true;
  if (list(rule?.to).some((t) => Object.keys(t?.operation ?? {}).some((k) => !L4_OPERATION.has(k)))) return true;
  return list(rule?.when).some((c) => !L4_CONDITIONS.has(String(c?.key ?? '')));
}

/** The rule with only its L4 attributes (a clause left empty matches anything). */
function l4Only(rule: any): any {
  const pick = (o: Record<string, unknown> | undefined, keep: Set<string>) => Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => keep.has(k)));
  return {
    ...(rule?.from ? { from: list(rule.from).map((f) => ({ source: pick(f?.source, L4_SOURCE) })) } : {}),
    ...(rule?.to ? { to: list(rule.to).map((t) => ({ operation: pick(t?.operation, L4_OPERATION) })) } : {}),
    ...(rule?.when ? { when: list(rule.when).filter((c) => L4_CONDITIONS.has(String(c?.key ?? ''))) } : {}),
  };
}

/**
 * What the receiving ztunnel enforces for an ambient pod: its PeerAuthentication mode and the
 * policies bound to it by selector or namespace. A policy with an L7 attribute cannot be
 * enforced at L4, so it fails safe: it becomes a DENY of the traffic its L4 attributes match.
 */
export function ztunnelPolicy(peerAuthentications: KubeObject[], authorizationPolicies: KubeObject[], w: Workload): InboundPolicy {
  const deny: unknown[] = [];
  const allow: unknown[] = [];
  let hasAllow = false;
  for (const ap of workloadBoundPolicies(authorizationPolicies, w)) {
    const rules = list(ap.spec?.rules);
    const action = policyAction(ap);
    if (action !== 'ALLOW' && action !== 'DENY') continue;
    if (rules.some(ruleHasL7)) {
      deny.push(...rules.map(l4Only));
      continue;
    }
    if (action === 'DENY') deny.push(...rules);
    else {
      hasAllow = true;
      allow.push(...rules);
    }
  }
  return { peerMode: peerAuthMode(peerAuthentications, w), deny, allow, hasAllow };
}

/** Whether a policy is bound to ztunnel (no targetRefs) yet needs L7: the mistake istioctl analyze and the fail-safe DENY catch. */
export function boundToZtunnelWithL7(ap: KubeObject): boolean {
  const targeted = list(ap.spec?.targetRefs).length > 0 || !!ap.spec?.targetRef;
  return !targeted && list(ap.spec?.rules).some(ruleHasL7);
}
