import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';
import { bindServiceWaypoint, waypointAcceptance, waypointGateways } from '../../server/embedded/mesh/waypoint-binding.ts';
import { ztunnelAcceptance } from '../../server/embedded/mesh/ztunnel-policy.ts';

/** What istiod reports about policies bound to ztunnel and Services bound to waypoints, case by case. */

const policy = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'p', namespace: 'default' }, spec });
const service = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels }, spec: {} });
const waypoint = (namespace: string, labels: Record<string, string> = {}, from?: string): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'waypoint', namespace, labels },
  spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE', ...(from ? { allowedRoutes: { namespaces: { from } } } : {}) }] },
});
const PREFIX = 'ztunnel does not support HTTP attributes';

describe('ZtunnelAccepted', () => {
  it('accepts an L4 policy whole, and writes nothing for one with targetRefs', () => {
    expect(ztunnelAcceptance(policy({ rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/curl'] } }] }] }))).toEqual({ status: 'True', reason: 'Accepted', message: 'attached to ztunnel' });
    expect(ztunnelAcceptance(policy({ targetRefs: [{ kind: 'Service', group: '', name: 'x' }], rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }))).toBeUndefined();
  });

  it('names the HTTP attributes it leaves out, sorted, and what that does to an ALLOW and to a DENY', () => {
    const allow = ztunnelAcceptance(policy({ rules: [{ to: [{ operation: { paths: ['/x'], methods: ['GET'] } }], when: [{ key: 'request.headers[x]', values: ['1'] }] }] }))!;
    expect(allow.status).toBe('True');
    expect(allow.message).toBe(`${PREFIX} (found: methods, paths, request.headers[x]). In ambient mode you must use a waypoint proxy to enforce HTTP rules. Within an ALLOW policy, rules matching HTTP attributes are omitted. This will be more restrictive than requested.`);
    const stricter = ztunnelAcceptance(policy({ action: 'DENY', rules: [{ to: [{ operation: { ports: ['9080'], methods: ['DELETE'] } }] }] }))!;
    expect(stricter.message).toContain('DENY policy with HTTP attributes is enforced without the HTTP rules. This will be more restrictive than requested.');
    const none = ztunnelAcceptance(policy({ action: 'DENY', rules: [{ to: [{ operation: { methods: ['DELETE'] } }] }] }))!;
    expect(none.message).toContain('this DENY policy has no enforceable rules at ztunnel and will have no effect.');
  });

  it('refuses an action ztunnel does not have', () => {
    expect(ztunnelAcceptance(policy({ action: 'CUSTOM', provider: { name: 'ext' }, rules: [{}] }))).toEqual({ status: 'False', reason: 'UnsupportedValue', message: 'ztunnel does not support the CUSTOM action' });
  });
});

describe('binding a Service to its waypoint', () => {
  it('follows the Service label over the namespace one, and `none` opts out', () => {
    const waypoints = waypointGateways([waypoint('default')]);
    expect(bindServiceWaypoint(service('a'), { 'istio.io/use-waypoint': 'waypoint' }, waypoints).waypoint?.metadata.name).toBe('waypoint');
    expect(bindServiceWaypoint(service('a', { 'istio.io/use-waypoint': 'none' }), { 'istio.io/use-waypoint': 'waypoint' }, waypoints)).toEqual({});
    expect(bindServiceWaypoint(service('a', { 'istio.io/use-waypoint': 'other' }), { 'istio.io/use-waypoint': 'waypoint' }, waypoints).error).toEqual({ reason: 'WaypointIsNotReady', message: 'waypoint "default/other" is not ready' });
  });

  it('refuses a waypoint in another namespace unless its listener admits it, and one for workloads only', () => {
    const labels = { 'istio.io/use-waypoint': 'waypoint', 'istio.io/use-waypoint-namespace': 'infra' };
    expect(bindServiceWaypoint(service('a', labels), {}, waypointGateways([waypoint('infra')])).error?.reason).toBe('AttachmentDenied');
    expect(bindServiceWaypoint(service('a', labels), {}, waypointGateways([waypoint('infra', {}, 'All')])).waypoint?.metadata.namespace).toBe('infra');
    expect(bindServiceWaypoint(service('a', labels), {}, waypointGateways([waypoint('infra', { 'istio.io/waypoint-for': 'workload' }, 'All')])).error).toEqual({
      reason: 'UnsupportedTrafficType',
      message: 'attempting to bind to traffic type "service" which the waypoint "infra/waypoint" does not support',
    });
  });

  it('WaypointAccepted: a missing Gateway target is TargetNotFound, a missing Service is named', () => {
    const inputs = { serviceObjects: [service('bound', { 'istio.io/use-waypoint': 'waypoint' })], namespaceLabels: new Map(), waypoints: waypointGateways([waypoint('default')]), gatewayClasses: [] };
    expect(waypointAcceptance(policy({ targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'nope' }] }), inputs)).toEqual({ status: 'False', reason: 'TargetNotFound', message: 'not bound' });
    expect(waypointAcceptance(policy({ targetRefs: [{ kind: 'Service', group: '', name: 'gone' }] }), inputs)).toEqual({ status: 'False', reason: 'TargetNotFound', message: 'Service default/gone was not found' });
    expect(waypointAcceptance(policy({ targetRefs: [{ kind: 'Service', group: '', name: 'bound' }, { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' }] }), inputs)).toEqual({ status: 'True', reason: 'Accepted', message: '' });
  });
});
