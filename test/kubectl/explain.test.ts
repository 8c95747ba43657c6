import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { registryWithWidget } from '../helpers/custom-kind.ts';
import { makeKubectl } from '../helpers/kubectl.ts';

let api: TestApiServer;
let kubectl: ReturnType<typeof makeKubectl>;

beforeAll(async () => {
  api = await startTestApiServer({ registry: registryWithWidget() });
  kubectl = makeKubectl(api.kubeconfigPath);
});

afterAll(async () => {
  kubectl?.cleanup();
  await api?.stop();
});

async function explain(...args: string[]): Promise<string> {
  const r = await kubectl.run(['explain', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

/** The `name<TAB><type>[ -required-]` lines of a FIELDS list (top level only). */
const fieldLines = (out: string) => out.split('\n').filter((l) => /^ {2}\S+\t</.test(l)).map((l) => l.trim());

describe('kubectl explain against the embedded API (OpenAPI v3)', () => {
  it('explains virtualservice.spec with the CRD fields and types', async () => {
    const out = await explain('virtualservice.spec');
    expect(out.startsWith('GROUP:      networking.istio.io\nKIND:       VirtualService\nVERSION:    v1\n\nFIELD: spec <Object>\n\n\nDESCRIPTION:\n    ')).toBe(true);
    expect(fieldLines(out)).toEqual(['exportTo\t<[]string>', 'gateways\t<[]string>', 'hosts\t<[]string>', 'http\t<[]Object>', 'tcp\t<[]Object>', 'tls\t<[]Object>']);
  });

  it('explains virtualservice.spec.http as kubectl prints it against Istio', async () => {
    const out = await explain('virtualservice.spec.http');
    expect(out.startsWith(
      'GROUP:      networking.istio.io\nKIND:       VirtualService\nVERSION:    v1\n\nFIELD: http <[]Object>\n\n\nDESCRIPTION:\n    An ordered list of route rules for HTTP traffic.\n    \nFIELDS:\n',
    )).toBe(true);
    expect(fieldLines(out)).toEqual([
      'corsPolicy\t<Object>', 'delegate\t<Object>', 'directResponse\t<Object>', 'fault\t<Object>', 'headers\t<Object>', 'match\t<[]Object>',
      'mirror\t<Object>', 'mirrorPercent\t<integer>', 'mirrorPercentage\t<Object>', 'mirror_percent\t<integer>', 'mirrors\t<[]Object>',
      'name\t<string>', 'redirect\t<Object>', 'retries\t<Object>', 'rewrite\t<Object>', 'route\t<[]Object>', 'timeout\t<string>',
    ]);
    expect(out).toContain('  headers\t<Object>\n    <no description>\n\n');
    expect(out).toContain('  mirror_percent\t<integer>\n    <no description>\n\n');
    expect(out.endsWith('  timeout\t<string>\n    Timeout for HTTP requests, default is disabled.\n\n\n')).toBe(true);
  });

  it('explains the root of an Istio kind: no description, standard apiVersion/kind/metadata, free-form status', async () => {
    const out = await explain('vs');
    expect(out).toContain('VERSION:    v1\n\nDESCRIPTION:\n    <empty>\nFIELDS:\n  apiVersion\t<string>\n');
    expect(fieldLines(out)).toEqual(['apiVersion\t<string>', 'kind\t<string>', 'metadata\t<ObjectMeta>', 'spec\t<Object>', 'status\t<Object>']);
    expect(out).toContain('  status\t<Object>\n    <no description>\n');
  });

  it('walks through arrays and maps to a nested field, and names a missing one', async () => {
    const uri = await explain('virtualservice.spec.http.match.uri');
    expect(fieldLines(uri)).toEqual(['exact\t<string>', 'prefix\t<string>', 'regex\t<string>']);
    const missing = await kubectl.run(['explain', 'virtualservice.spec.http.nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim()).toBe('error: field "nope" does not exist');
  });

  it('explains destinationrule.spec.trafficPolicy with the policies of today\'s Istio', async () => {
    const out = await explain('destinationrule.spec.trafficPolicy');
    expect(out.startsWith('GROUP:      networking.istio.io\nKIND:       DestinationRule\nVERSION:    v1\n\nFIELD: trafficPolicy <Object>\n')).toBe(true);
    expect(fieldLines(out)).toEqual([
      'connectionPool\t<Object>', 'loadBalancer\t<Object>', 'outlierDetection\t<Object>', 'portLevelSettings\t<[]Object>',
      'proxyProtocol\t<Object>', 'retryBudget\t<Object>', 'tls\t<Object>', 'tunnel\t<Object>',
    ]);
    const simple = await explain('destinationrule.spec.trafficPolicy.loadBalancer.simple');
    expect(simple).toContain('FIELD: simple <string>\nENUM:\n    UNSPECIFIED\n    RANDOM\n    PASSTHROUGH\n    ROUND_ROBIN\n    LEAST_REQUEST\n    LEAST_CONN\n\nDESCRIPTION:\n');
  });

  it('explains pod.spec as Kubernetes 1.32 does: no GROUP line, the PodSpec fields and their types', async () => {
    const out = await explain('pod.spec');
    expect(out.startsWith('KIND:       Pod\nVERSION:    v1\n\nFIELD: spec <PodSpec>\n\n\nDESCRIPTION:\n')).toBe(true);
    expect(fieldLines(out)).toEqual([
      'activeDeadlineSeconds\t<integer>', 'affinity\t<Affinity>', 'automountServiceAccountToken\t<boolean>', 'containers\t<[]Container> -required-',
      'dnsConfig\t<PodDNSConfig>', 'dnsPolicy\t<string>', 'enableServiceLinks\t<boolean>', 'ephemeralContainers\t<[]EphemeralContainer>',
      'hostAliases\t<[]HostAlias>', 'hostIPC\t<boolean>', 'hostNetwork\t<boolean>', 'hostPID\t<boolean>', 'hostUsers\t<boolean>', 'hostname\t<string>',
      'imagePullSecrets\t<[]LocalObjectReference>', 'initContainers\t<[]Container>', 'nodeName\t<string>', 'nodeSelector\t<map[string]string>',
      'os\t<PodOS>', 'overhead\t<map[string]Quantity>', 'preemptionPolicy\t<string>', 'priority\t<integer>', 'priorityClassName\t<string>',
      'readinessGates\t<[]PodReadinessGate>', 'resourceClaims\t<[]PodResourceClaim>', 'resources\t<ResourceRequirements>', 'restartPolicy\t<string>',
      'runtimeClassName\t<string>', 'schedulerName\t<string>', 'schedulingGates\t<[]PodSchedulingGate>', 'securityContext\t<PodSecurityContext>',
      'serviceAccount\t<string>', 'serviceAccountName\t<string>', 'setHostnameAsFQDN\t<boolean>', 'shareProcessNamespace\t<boolean>',
      'subdomain\t<string>', 'terminationGracePeriodSeconds\t<integer>', 'tolerations\t<[]Toleration>',
      'topologySpreadConstraints\t<[]TopologySpreadConstraint>', 'volumes\t<[]Volume>',
    ]);
    expect(out).toContain('  restartPolicy\t<string>\n  enum: Always, Never, OnFailure\n');
  });

  it('explains pod.spec.containers, with the field and type descriptions both shown', async () => {
    const out = await explain('pod.spec.containers');
    expect(out).toContain('FIELD: containers <[]Container>\n');
    expect(out).toContain('A single application container that you want to run within a pod.');
    expect(fieldLines(out)).toContain('name\t<string> -required-');
    expect(fieldLines(out)).toContain('env\t<[]EnvVar>');
    expect(fieldLines(out)).toContain('ports\t<[]ContainerPort>');
    expect(fieldLines(out)).toContain('resources\t<ResourceRequirements>');
    expect(out).toContain('  imagePullPolicy\t<string>\n  enum: Always, IfNotPresent, Never\n');
  });

  it('explains deployment.spec and deployment.spec.template', async () => {
    const spec = await explain('deployment.spec');
    expect(spec.startsWith('GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: spec <DeploymentSpec>\n')).toBe(true);
    expect(fieldLines(spec)).toEqual([
      'minReadySeconds\t<integer>', 'paused\t<boolean>', 'progressDeadlineSeconds\t<integer>', 'replicas\t<integer>', 'revisionHistoryLimit\t<integer>',
      'selector\t<LabelSelector> -required-', 'strategy\t<DeploymentStrategy>', 'template\t<PodTemplateSpec> -required-',
    ]);
    const template = await explain('deployment.spec.template');
    expect(template).toContain('FIELD: template <PodTemplateSpec>\n');
    expect(fieldLines(template)).toEqual(['metadata\t<ObjectMeta>', 'spec\t<PodSpec>']);
  });

  it('explains service.spec.ports with int-or-string target ports', async () => {
    const out = await explain('service.spec.ports');
    expect(out.startsWith('KIND:       Service\nVERSION:    v1\n\nFIELD: ports <[]ServicePort>\n')).toBe(true);
    expect(fieldLines(out)).toEqual(['appProtocol\t<string>', 'name\t<string>', 'nodePort\t<integer>', 'port\t<integer> -required-', 'protocol\t<string>', 'targetPort\t<IntOrString>']);
  });

  it('prints the whole tree with --recursive', async () => {
    const out = await explain('deployment.spec.strategy', '--recursive');
    expect(out).toBe(
      'GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: strategy <DeploymentStrategy>\n\n\nDESCRIPTION:\n' +
        '    The deployment strategy to use to replace existing pods with new ones.\n' +
        '    DeploymentStrategy describes how to replace existing pods with new ones.\n    \n' +
        'FIELDS:\n  rollingUpdate\t<RollingUpdateDeployment>\n    maxSurge\t<IntOrString>\n    maxUnavailable\t<IntOrString>\n' +
        '  type\t<string>\n  enum: Recreate, RollingUpdate\n\n',
    );
    const vs = await explain('virtualservice.spec.http.fault', '--recursive');
    expect(vs).toContain('FIELDS:\n  abort\t<Object>\n    grpcStatus\t<string>\n    http2Error\t<string>\n    httpStatus\t<integer>\n');
  });

  it("explains a CRD's field from the CRD's own schema, enums included", async () => {
    const out = await explain('widgets.spec.rules.path.type');
    expect(out).toBe(
      'GROUP:      deck.example.com\nKIND:       Widget\nVERSION:    v1\n\nFIELD: type <string>\nENUM:\n    Exact\n    PathPrefix\n    RegularExpression\n\n' +
        'DESCRIPTION:\n    How to match the path.\n    \n\n',
    );
    const spec = await explain('wd.spec');
    expect(fieldLines(spec)).toEqual(['extra\t<Object>', 'labels\t<map[string]string>', 'rules\t<[]Object>', 'size\t<integer> -required-']);
  });
});
