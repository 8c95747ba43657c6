import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { kindInfo, SCENE_KINDS, STREAMED_KINDS } from '../../server/kinds.ts';
import { parseDeckConfig } from '../../server/config.ts';
import { defaultChangePolicy } from '../../server/api/apply.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

const docs = parseAllDocuments(readFileSync(resolve(import.meta.dirname, '../../manifests/deck/deck.yaml'), 'utf8')).map((d) => d.toJS() as Doc);
const deckAccount = (d: Doc) => d.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === 'istio-live-deck');

/** Every rule the deck's service account holds, with the namespace it holds it in ('*' for cluster-wide). */
const grants = docs
  .filter((d) => (d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding') && deckAccount(d))
  .flatMap((b) => {
    const role = docs.find((d) => d.kind === b.roleRef!.kind && d.metadata.name === b.roleRef!.name);
    expect(role, `${b.metadata.name} binds a role the file defines`).toBeDefined();
    return role!.rules!.map((r) => ({ ...r, namespace: b.kind === 'ClusterRoleBinding' ? '*' : b.metadata.namespace! }));
  });

function allowed(verb: string, kind: string, namespace: string, name?: string): boolean {
  const info = kindInfo(kind);
  return grants.some(
    (g) =>
      (g.namespace === '*' || g.namespace === namespace) &&
      g.apiGroups.includes(info.group) &&
      g.resources.includes(info.plural) &&
      g.verbs.includes(verb) &&
      (!g.resourceNames || (name !== undefined && g.resourceNames.includes(name))),
  );
}

describe('manifests/deck/deck.yaml: the deck in a cluster, with least privilege', () => {
  it('may list and watch every kind the panels stream, in the talk namespace and istio-system', () => {
    for (const kind of STREAMED_KINDS) for (const ns of ['default', 'istio-system']) {
      expect(allowed('list', kind, ns), `list ${kind} in ${ns}`).toBe(true);
      expect(allowed('watch', kind, ns), `watch ${kind} in ${ns}`).toBe(true);
    }
  });

  it('may apply (server-side: patch) and delete Istio kinds in the talk namespace only', () => {
    for (const { id: kind } of SCENE_KINDS) {
      for (const verb of ['create', 'patch', 'delete']) expect(allowed(verb, kind, 'default'), `${verb} ${kind}`).toBe(true);
      expect(allowed('patch', kind, 'istio-system'), `patch ${kind} in istio-system`).toBe(false);
    }
  });

  it('changes nothing else: no Deployments, Services, Secrets or wildcards', () => {
    for (const kind of ['Deployment', 'Service', 'Pod', 'Namespace', 'ServiceAccount']) {
      for (const verb of ['create', 'update', 'patch', 'delete']) expect(allowed(verb, kind, 'default'), `${verb} ${kind}`).toBe(false);
    }
    for (const g of grants) {
      expect(g.resources).not.toContain('secrets');
      expect([...g.resources, ...g.verbs, ...g.apiGroups]).not.toContain('*');
    }
  });

  it('shares state through its one ConfigMap: read and write it by name, nothing else', () => {
    const ns = 'istio-live-deck';
    for (const verb of ['get', 'watch', 'patch', 'update']) expect(allowed(verb, 'ConfigMap', ns, 'istio-live-deck-state'), verb).toBe(true);
    expect(allowed('patch', 'ConfigMap', ns, 'someone-elses-config')).toBe(false);
    expect(allowed('get', 'ConfigMap', 'default', 'istio-live-deck-state')).toBe(false);
  });

  it('runs several replicas that share the presenter token from a Secret, and the image runs what it passes', () => {
    const deploy = docs.find((d) => d.kind === 'Deployment') as any;
    expect(deploy.spec.replicas).toBeGreaterThan(1);
    const container = deploy.spec.template.spec.containers[0];
    const tokenFile = container.args[container.args.indexOf('--token-file') + 1] as string;
    const mount = container.volumeMounts.find((m: { mountPath: string }) => tokenFile.startsWith(`${m.mountPath}/`));
    const volume = deploy.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount?.name);
    expect(volume?.secret?.secretName, 'the token file comes from a Secret').toBe('istio-live-deck-token');
    // Every flag the Deployment passes is one the server knows.
    expect(() => parseDeckConfig(container.args, {})).toThrow(/token/); // the file does not exist here: only that is wrong
    const config = parseDeckConfig(container.args.filter((a: string, i: number, all: string[]) => a !== '--token-file' && all[i - 1] !== '--token-file'), {});
    // The deck asks only for what its RBAC allows: every kind it may change, it may patch and delete.
    expect(config.changeKinds).toBe('istio');
    for (const kind of defaultChangePolicy(config.namespaces, config.changeKinds).kinds) {
      for (const verb of ['patch', 'delete']) expect(allowed(verb, kind, 'default'), `${verb} ${kind}`).toBe(true);
    }
    const dockerfile = readFileSync(resolve(import.meta.dirname, '../../manifests/deck/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/ENTRYPOINT \[.*"server\/main\.ts"\]/);
    expect(deploy.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/api/health');
  });
});
