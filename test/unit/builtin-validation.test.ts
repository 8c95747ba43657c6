import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ScaledClock } from '../../server/clock.ts';
import { ApiError } from '../../server/embedded/apiserver/errors.ts';
import { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';
import { builtinValidationHook, istioValidationHook, validateBuiltinObject } from '../../server/embedded/apiserver/validation/index.ts';
import { goQuote } from '../../server/embedded/apiserver/go-format.ts';
import { base64ErrorAt } from '../../server/embedded/apiserver/validation/kube-decode.ts';
import { bootstrapCluster, startControllers } from '../../server/embedded/controllers/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** A store validated as the embedded cluster's is, with its namespaces made. */
function validatedStore(): ObjectStore {
  const store = new ObjectStore({ clock: new ScaledClock(0.01) });
  store.addAdmissionHook(builtinValidationHook);
  store.addAdmissionHook(istioValidationHook);
  const ns = store.registry.mustGet('', 'namespaces');
  for (const name of ['default', 'kube-system', 'kube-public']) store.create(ns, { metadata: { name } });
  return store;
}

/** What the store answers to creating `obj`: the thrown ApiError, or undefined when it is stored. */
function refusal(store: ObjectStore, plural: string, obj: any, group = plural === 'deployments' || plural === 'replicasets' ? 'apps' : ''): ApiError | undefined {
  try {
    store.create(store.registry.mustGet(group, plural), obj);
    return undefined;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
}

const deployment = (spec: any, name = 'web'): KubeObject => ({
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    ...spec,
  },
});

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('names, as the kube-apiserver checks them per kind', () => {
  const store = validatedStore();

  it.each(['a/b', '../../hx', 'has space', '-hx', 'hx:1', 'café', 'rtl\u200fmark', 'Upper', 'nul\u0000byte', 'bad\ufffdutf8'])('refuses ConfigMap name %j with 422 on metadata.name', (name) => {
    const err = refusal(store, 'configmaps', { metadata: { name } });
    expect(err?.code).toBe(422);
    expect(err?.reason).toBe('Invalid');
    const cause = err!.details!.causes![0];
    expect(cause.field).toBe('metadata.name');
    expect(cause.message).toBe(`Invalid value: ${goQuote(name)}: ${SUBDOMAIN_MSG}`);
    expect(err!.message).toBe(`ConfigMap ${goQuote(name)} is invalid: metadata.name: Invalid value: ${goQuote(name)}: ${SUBDOMAIN_MSG}`);
  });

  it('shows invisible characters escaped, as Go prints them', () => {
    const err = refusal(store, 'configmaps', { metadata: { name: 'rtl\u200fmark' } });
    expect(err!.details!.causes![0].message).toMatch(/^Invalid value: "rtl\\u200fmark": /);
    expect(refusal(store, 'configmaps', { metadata: { name: 'nul\u0000' } })!.details!.causes![0].message).toMatch(/^Invalid value: "nul\\x00": /);
  });

  it('refuses a 300-character name: too long, and says so', () => {
    const err = refusal(store, 'pods', { metadata: { name: 'a'.repeat(300) }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    expect(err!.details!.causes!.map((c) => c.message)).toContain(`Invalid value: "${'a'.repeat(300)}": must be no more than 253 characters`);
  });

  it('Services are DNS-1035 labels, Namespaces DNS-1123 labels, Deployments subdomains', () => {
    const svc = refusal(store, 'services', { metadata: { name: '1web' }, spec: { ports: [{ port: 80 }] } });
    expect(svc!.details!.causes![0].message).toContain('a DNS-1035 label must consist of lower case alphanumeric characters or');
    const ns = refusal(store, 'namespaces', { metadata: { name: 'a.b' } });
    expect(ns!.message).toBe('Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": must not contain dots');
    expect(refusal(store, 'deployments', deployment({}, 'web.v1'))).toBeUndefined();
  });

  it('checks generateName with its trailing dash allowed', () => {
    expect(refusal(store, 'configmaps', { metadata: { generateName: 'cfg-' } })).toBeUndefined();
    const err = refusal(store, 'configmaps', { metadata: { generateName: 'Bad_' } });
    expect(err!.details!.causes!.map((c) => c.field)).toContain('metadata.generateName');
  });

  it('names Istio kinds by the same subdomain rule', () => {
    const err = refusal(store, 'virtualservices', { metadata: { name: 'a/b' }, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] } }, 'networking.istio.io');
    expect(err!.message).toMatch(/^VirtualService\.networking\.istio\.io "a\/b" is invalid: metadata\.name: Invalid value: "a\/b": a lowercase RFC 1123 subdomain/);
  });
});

describe('labels and annotations', () => {
  const store = validatedStore();

  it('refuses the label key "bad key!" with the name-part message, on metadata.labels', () => {
    const err = refusal(store, 'configmaps', { metadata: { name: 'c', labels: { 'bad key!': 'x' } } });
    expect(err!.message).toBe(
      `ConfigMap "c" is invalid: metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
  });

  it('refuses bad prefixes, too-long values and bad values; accepts qualified keys', () => {
    const fields = (labels: Record<string, string>) => refusal(store, 'configmaps', { metadata: { name: 'c', labels } })?.details?.causes?.map((c) => c.message) ?? [];
    expect(fields({ 'Example.com/app': 'x' })[0]).toMatch(/^Invalid value: "Example.com\/app": prefix part a lowercase RFC 1123 subdomain/);
    expect(fields({ app: 'v'.repeat(64) })[0]).toBe(`Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`);
    expect(fields({ app: '-x' })[0]).toMatch(/^Invalid value: "-x": a valid label must be an empty string or consist of/);
    expect(fields({ 'app.kubernetes.io/name': 'web', 'istio-injection': 'enabled', empty: '' })).toEqual([]);
  });

  it('refuses annotations over 256 KiB in total, and bad annotation keys', () => {
    const big = refusal(store, 'configmaps', { metadata: { name: 'big', annotations: { a: 'x'.repeat(256 * 1024) } } });
    expect(big!.message).toBe('ConfigMap "big" is invalid: metadata.annotations: Too long: must have at most 262144 bytes');
    const key = refusal(store, 'configmaps', { metadata: { name: 'key', annotations: { 'no spaces': 'x' } } });
    expect(key!.details!.causes![0].field).toBe('metadata.annotations');
    expect(refusal(store, 'configmaps', { metadata: { name: 'c2', annotations: { 'Kubernetes.io/Description': 'any text at all' } } })).toBeUndefined();
  });
});

describe('ConfigMaps and Secrets', () => {
  const store = validatedStore();

  it('refuses bad keys on data[key] and more than 1 MiB in total', () => {
    const key = refusal(store, 'configmaps', { metadata: { name: 'c' }, data: { 'a b': 'x', '..x': 'y' } });
    expect(key!.details!.causes!.map((c) => `${c.field}: ${c.message}`)).toEqual([
      `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      `data[..x]: Invalid value: "..x": must not start with '..'`,
    ]);
    const big = refusal(store, 'configmaps', { metadata: { name: 'c' }, data: { a: 'x'.repeat(600_000), b: 'y'.repeat(600_000) } });
    expect(big!.message).toBe('ConfigMap "c" is invalid: []: Too long: must have at most 1048576 bytes');
    expect(refusal(store, 'configmaps', { metadata: { name: 'fits' }, data: { a: 'x'.repeat(1_000_000) } })).toBeUndefined();
  });

  it('answers a number in data as the decoder does: 400 BadRequest', () => {
    const err = refusal(store, 'configmaps', { metadata: { name: 'c' }, data: { port: 8080 } });
    expect(err!.code).toBe(400);
    expect(err!.reason).toBe('BadRequest');
    expect(err!.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string');
  });

  it('refuses Secret data that is not base64 and TLS secrets without their keys', () => {
    expect(refusal(store, 'secrets', { metadata: { name: 's' }, data: { a: 'not base64!' } })!.message).toBe(
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
    );
    expect(refusal(store, 'secrets', { metadata: { name: 't' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'YQ==' } })!.message).toBe('Secret "t" is invalid: data[tls.key]: Required value');
    expect(refusal(store, 'secrets', { metadata: { name: 'ok' }, data: { a: 'aGVsbG8=' }, stringData: { b: 'plain' } })).toBeUndefined();
  });

  it('keeps an immutable ConfigMap immutable and a Secret its type', () => {
    const cm = store.registry.mustGet('', 'configmaps');
    store.create(cm, { metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true });
    const changed = structuredClone(store.get(cm, 'default', 'frozen')!);
    changed.data = { a: '2' };
    expect(() => store.update(cm, changed)).toThrow('ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    const secret = store.registry.mustGet('', 'secrets');
    store.create(secret, { metadata: { name: 'typed' }, type: 'Opaque', data: {} });
    const retyped = { ...structuredClone(store.get(secret, 'default', 'typed')!), type: 'example.com/other' };
    expect(() => store.update(secret, retyped)).toThrow('Secret "typed" is invalid: type: Invalid value: "example.com/other": field is immutable');
  });
});

describe('workloads, pods and services', () => {
  const store = validatedStore();

  it('refuses negative replicas with the apiserver message', () => {
    expect(refusal(store, 'deployments', deployment({ replicas: -1 }, 'x'))!.message).toBe(
      'Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
  });

  it.each([
    [1.5, 'number 1.5'],
    [99999999999, 'number 99999999999'],
    ['3', 'string'],
  ])('refuses replicas %j at decode time', (replicas, shown) => {
    const err = refusal(store, 'deployments', deployment({ replicas }, 'x'));
    expect(err!.code).toBe(400);
    expect(err!.message).toBe(`Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal ${shown} into Go struct field DeploymentSpec.spec.replicas of type int32`);
  });

  it('refuses a Deployment without containers, without a selector, or whose selector misses the template', () => {
    const noContainers = deployment({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } }, 'x');
    expect(refusal(store, 'deployments', noContainers)!.message).toBe('Deployment.apps "x" is invalid: spec.template.spec.containers: Required value');
    const noSelector = deployment({ selector: undefined }, 'y');
    expect(refusal(store, 'deployments', noSelector)!.details!.causes![0]).toMatchObject({ field: 'spec.selector', message: 'Required value' });
    const mismatch = refusal(store, 'deployments', deployment({ selector: { matchLabels: { app: 'other' } } }, 'z'));
    expect(mismatch!.details!.causes![0]).toEqual({
      reason: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      message: 'Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    });
  });

  it('keeps a Deployment selector immutable on update', () => {
    const type = store.registry.mustGet('apps', 'deployments');
    store.create(type, deployment({}, 'keep'));
    const next = structuredClone(store.get(type, 'default', 'keep')!);
    next.spec.selector = { matchLabels: { app: 'web', tier: 'front' } };
    next.spec.template.metadata.labels = { app: 'web', tier: 'front' };
    expect(() => store.update(type, next)).toThrow(
      'Deployment.apps "keep" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"front"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );
  });

  it('refuses a Service port of 70000, a container port of 0 and an unknown protocol', () => {
    expect(refusal(store, 'services', { metadata: { name: 'web' }, spec: { ports: [{ port: 70000 }] } })!.message).toBe(
      'Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
    );
    const pod = refusal(store, 'pods', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 0, protocol: 'HTTP' }] }] } });
    expect(pod!.details!.causes!.map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.containers[0].ports[0].containerPort: Required value',
      'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ]);
    expect(refusal(store, 'services', { metadata: { name: 'two' }, spec: { ports: [{ port: 80 }, { port: 81 }] } })!.details!.causes![0].field).toBe('spec.ports[0].name');
  });

  it('lets a pod update change its image and be bound to a node, not change its containers', () => {
    const type = store.registry.mustGet('', 'pods');
    store.create(type, { metadata: { name: 'pinned' }, spec: { containers: [{ name: 'c', image: 'a:1' }] } });
    const bound = structuredClone(store.get(type, 'default', 'pinned')!);
    bound.spec.nodeName = 'node-1';
    bound.spec.containers[0].image = 'a:2';
    store.update(type, bound);
    const renamed = structuredClone(store.get(type, 'default', 'pinned')!);
    renamed.spec.containers[0].name = 'd';
    expect(() => store.update(type, renamed)).toThrow(/"pinned" is invalid: spec: Forbidden: pod updates may not change fields other than/);
  });
});

describe('Endpoints, ServiceAccounts, Events and pods', () => {
  const store = validatedStore();

  it('refuses an Endpoints address that is not an IP and a port out of range', () => {
    const err = refusal(store, 'endpoints', { metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: 'not-an-ip' }], ports: [{ port: 0, protocol: 'TCP' }] }] });
    expect(err!.details!.causes!.map((c) => `${c.field}: ${c.message}`)).toEqual([
      'subsets[0].addresses[0].ip: Invalid value: "not-an-ip": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    ]);
    expect(refusal(store, 'endpoints', { metadata: { name: 'ok' }, subsets: [{ addresses: [{ ip: '10.1.0.4' }], ports: [{ port: 9080, protocol: 'TCP' }] }] })).toBeUndefined();
  });

  it('refuses a ServiceAccount named like a path and an Event about another namespace', () => {
    expect(refusal(store, 'serviceaccounts', { metadata: { name: '../sa' } })!.details!.causes![0].field).toBe('metadata.name');
    const event = refusal(store, 'events', { metadata: { name: 'e.1' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'kube-system' }, reason: 'x' });
    expect(event!.message).toBe('Event "e.1" is invalid: involvedObject.namespace: Invalid value: "kube-system": does not match event.namespace');
  });

  it('refuses a Namespace finalizer that is neither standard nor qualified', () => {
    expect(refusal(store, 'namespaces', { metadata: { name: 'fin' }, spec: { finalizers: ['custom'] } })!.message).toBe(
      'Namespace "fin" is invalid: spec.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    );
    expect(refusal(store, 'namespaces', { metadata: { name: 'fin2', finalizers: ['example.com/cleanup'] }, spec: { finalizers: ['kubernetes'] } })).toBeUndefined();
  });

  it('refuses a pod container without an image or with a duplicate name', () => {
    const err = refusal(store, 'pods', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }, { name: 'c', image: 'x' }] } });
    expect(err!.details!.causes!.map((c) => `${c.field}: ${c.message}`)).toEqual(['spec.containers[0].image: Required value', 'spec.containers[1].name: Duplicate value: "c"']);
  });
});

describe('namespaces that may not be deleted', () => {
  it.each(['default', 'kube-system', 'kube-public'])('refuses deleting %s with 403, and keeps it', (name) => {
    const store = validatedStore();
    const type = store.registry.mustGet('', 'namespaces');
    let err: ApiError | undefined;
    try {
      store.delete(type, undefined, name);
    } catch (e) {
      err = e as ApiError;
    }
    expect(err?.code).toBe(403);
    expect(err?.toStatus()).toMatchObject({ reason: 'Forbidden', message: `namespaces "${name}" is forbidden: this namespace may not be deleted`, details: { name, kind: 'namespaces' } });
    expect(store.get(type, undefined, name)).toBeDefined();
  });

  it('still deletes other namespaces', () => {
    const store = validatedStore();
    const type = store.registry.mustGet('', 'namespaces');
    store.create(type, { metadata: { name: 'scratch' } });
    store.delete(type, undefined, 'scratch');
    expect(store.get(type, undefined, 'scratch')).toBeUndefined();
  });
});

describe("the deck's own writes and the talk's manifests still pass", () => {
  it('bootstraps the cluster and runs its controllers without a refusal', async () => {
    const store = new ObjectStore({ clock: new ScaledClock(0.001) });
    store.addAdmissionHook(builtinValidationHook);
    store.addAdmissionHook(istioValidationHook);
    const clock = store.clock;
    const refused: string[] = [];
    const original = store.create.bind(store);
    store.create = (type, obj, opts) => {
      try {
        return original(type, obj, opts);
      } catch (err) {
        if ((err as ApiError).code === 422 || (err as ApiError).code === 400) refused.push((err as Error).message);
        throw err;
      }
    };
    bootstrapCluster(store, clock);
    const controllers = startControllers({ store, clock, podStartupMs: 10, podReadyMs: 10 });
    try {
      for (const file of manifestFiles()) {
        for (const obj of documents(file)) {
          const type = store.registry.byApiVersionKind(obj.apiVersion, obj.kind);
          if (!type) continue;
          const ns = type.namespaced ? obj.metadata.namespace ?? 'default' : undefined;
          if (type.namespaced && !store.get(store.registry.mustGet('', 'namespaces'), undefined, ns!)) store.create(store.registry.mustGet('', 'namespaces'), { metadata: { name: ns! } });
          const existing = store.get(type, ns, obj.metadata.name);
          expect(validateBuiltinObject(type, obj), `${file}: ${obj.kind} ${obj.metadata.name}`).toEqual([]);
          if (!existing) store.create(type, obj);
        }
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(refused).toEqual([]);
      expect(store.list(store.registry.mustGet('', 'pods')).length).toBeGreaterThan(5);
    } finally {
      controllers.stop();
    }
  });
});

describe('helpers', () => {
  it('finds where base64 decoding stops', () => {
    expect(base64ErrorAt('aGVsbG8=')).toBeUndefined();
    expect(base64ErrorAt('aGVs\nbG8=')).toBeUndefined();
    expect(base64ErrorAt('abc!')).toBe(3);
    expect(base64ErrorAt('abcde')).toBe(4);
  });
});

function manifestFiles(dir = join(ROOT, 'manifests')): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return manifestFiles(p);
    return p.endsWith('.yaml') && !p.endsWith('scenes.yaml') ? [p] : [];
  });
}

function documents(file: string): any[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .filter((o) => o && typeof o === 'object' && o.kind && o.metadata?.name);
}
