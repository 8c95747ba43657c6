import { describe, expect, it } from 'vitest';
import { bashWithKubectl, succeeding } from '../helpers/bash.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { until } from '../helpers/until.ts';

/**
 * What Istio's sample add-ons (samples/addons: prometheus, grafana, kiali, jaeger, loki) are
 * made of, in their shapes but our own words: RBAC for the scrapers and Kiali, and Loki's
 * StatefulSet with a claim template behind a headless Service.
 */
const RBAC = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: prometheus
  namespace: istio-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: prometheus
  labels: {app: prometheus}
rules:
  - apiGroups: [""]
    resources: [nodes, services, endpoints, pods]
    verbs: [get, list, watch]
  - nonResourceURLs: ["/metrics"]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: prometheus
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: prometheus
subjects:
  - kind: ServiceAccount
    name: prometheus
    namespace: istio-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: kiali-controlplane
  namespace: istio-system
rules:
  - apiGroups: [""]
    resources: [secrets]
    verbs: [list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: kiali-controlplane
  namespace: istio-system
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: kiali-controlplane
subjects:
  - kind: ServiceAccount
    name: kiali
    namespace: istio-system
`;

const LOKI = `apiVersion: v1
kind: Service
metadata:
  name: loki-headless
  namespace: istio-system
spec:
  clusterIP: None
  ports: [{name: http-metrics, port: 3100, targetPort: http-metrics}]
  selector: {app.kubernetes.io/name: loki}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: loki
  namespace: istio-system
spec:
  replicas: 2
  podManagementPolicy: OrderedReady
  serviceName: loki-headless
  selector:
    matchLabels: {app.kubernetes.io/name: loki}
  template:
    metadata:
      labels: {app.kubernetes.io/name: loki}
      annotations: {sidecar.istio.io/inject: "false"}
    spec:
      containers:
        - name: loki
          image: docker.io/grafana/loki:3.0.0
          ports: [{name: http-metrics, containerPort: 3100}]
          volumeMounts: [{name: storage, mountPath: /var/loki}]
  volumeClaimTemplates:
    - metadata:
        name: storage
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: 10Gi
`;

describe("the kinds Istio's add-ons need, with the real kubectl", () => {
  const fixture = clusterWithKubectl(0.01);
  const bash = bashWithKubectl(fixture);
  const ok = succeeding(bash);
  const apply = (yaml: string) => ok(`kubectl apply -f - <<'EOF'\n${yaml}EOF`);

  it('applies roles and bindings and prints them as kubectl does', async () => {
    expect(await apply(RBAC)).toBe(
      'serviceaccount/prometheus created\nclusterrole.rbac.authorization.k8s.io/prometheus created\nclusterrolebinding.rbac.authorization.k8s.io/prometheus created\n' +
        'role.rbac.authorization.k8s.io/kiali-controlplane created\nrolebinding.rbac.authorization.k8s.io/kiali-controlplane created\n',
    );
    expect(await ok('kubectl get clusterrole prometheus')).toMatch(/^NAME +CREATED AT\nprometheus +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    expect(await ok('kubectl get clusterrolebinding prometheus -o wide')).toMatch(/^NAME +ROLE +AGE +USERS +GROUPS +SERVICEACCOUNTS\nprometheus +ClusterRole\/prometheus +\S+ +istio-system\/prometheus\n$/);
    expect(await ok('kubectl get rolebinding -n istio-system')).toMatch(/^NAME +ROLE +AGE\nkiali-controlplane +Role\/kiali-controlplane +\S+\n$/);
    // Applying again changes nothing: the lists merge as the apiserver merges them.
    expect(await apply(RBAC)).toContain('clusterrole.rbac.authorization.k8s.io/prometheus unchanged');
    expect(await ok("kubectl get clusterrole prometheus -o jsonpath='{.rules[1].nonResourceURLs}'")).toBe('["/metrics"]');
  });

  it("refuses what the apiserver refuses: a rule without verbs, a binding's changed roleRef", async () => {
    const noVerbs = await bash(`kubectl apply -f - <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: broken, namespace: default}
rules: [{apiGroups: [""], resources: [pods]}]
EOF`);
    expect(noVerbs.code).toBe(1);
    expect(noVerbs.out).toContain('The Role "broken" is invalid: rules[0].verbs: Required value: verbs must contain at least one value');
    const changed = await bash(`kubectl apply -f - <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: prometheus}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: other}
subjects: [{kind: ServiceAccount, name: prometheus, namespace: istio-system}]
EOF`);
    expect(changed.code).toBe(1);
    expect(changed.out).toContain('roleRef: Invalid value: ');
    expect(changed.out).toContain('cannot change roleRef');
  });

  it("Loki's StatefulSet: pods loki-0 then loki-1, each with its own Bound claim", async () => {
    expect(await apply(LOKI)).toBe('service/loki-headless created\nstatefulset.apps/loki created\n');
    await ok('kubectl rollout status statefulset/loki -n istio-system --timeout=60s');
    const pods = await ok("kubectl get pods -n istio-system -l app.kubernetes.io/name=loki -o jsonpath='{range .items[*]}{.metadata.name} {.spec.hostname}.{.spec.subdomain} {.metadata.creationTimestamp}{\"\\n\"}{end}'");
    const rows = pods.trim().split('\n').map((l) => l.split(' '));
    expect(rows.map((r) => r.slice(0, 2))).toEqual([['loki-0', 'loki-0.loki-headless'], ['loki-1', 'loki-1.loki-headless']]);
    // Ordered: loki-1 was made only after loki-0 was Ready.
    expect(Date.parse(rows[1][2])).toBeGreaterThan(Date.parse(rows[0][2]));
    expect(await ok('kubectl get statefulset loki -n istio-system')).toMatch(/^NAME +READY +AGE\nloki +2\/2 +\S+\n$/);
    const claims = await until(async () => {
      const out = await ok('kubectl get pvc -n istio-system');
      return (out.match(/Bound/g) ?? []).length === 2 && out;
    }, 'both claims bound', 10_000, 50);
    expect(claims).toMatch(/^NAME +STATUS +VOLUME +CAPACITY +ACCESS MODES +STORAGECLASS +VOLUMEATTRIBUTESCLASS +AGE\n/);
    expect(claims).toMatch(/\nstorage-loki-0 +Bound +10Gi +RWO +<unset> +<unset> +\S+\n/);
    expect(claims).toMatch(/\nstorage-loki-1 +Bound +10Gi +RWO +<unset> +<unset> +\S+\n$/);
  }, 90_000);

  it('scales down from the highest ordinal and keeps the claims; deleting the StatefulSet removes its pods', async () => {
    await ok('kubectl scale statefulset loki -n istio-system --replicas=1');
    await until(async () => (await ok("kubectl get pods -n istio-system -l app.kubernetes.io/name=loki -o jsonpath='{.items[*].metadata.name}'")) === 'loki-0', 'loki-1 gone', 20_000, 50);
    expect(await ok("kubectl get pvc -n istio-system -o jsonpath='{.items[*].metadata.name}'")).toBe('storage-loki-0 storage-loki-1');
    await ok('kubectl delete statefulset loki -n istio-system');
    await until(async () => (await ok('kubectl get pods -n istio-system -l app.kubernetes.io/name=loki -o name')) === '', 'loki pods gone', 20_000, 50);
  }, 60_000);

  it('a claim applied on its own is Bound; a claim without a storage request is refused', async () => {
    await apply('apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: default}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n');
    expect(await until(async () => (await ok("kubectl get pvc data -o jsonpath='{.status.phase}'")) === 'Bound', 'the claim bound', 10_000, 50)).toBe(true);
    const r = await bash("kubectl apply -f - <<'EOF'\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: nosize, namespace: default}\nspec:\n  accessModes: [ReadWriteOnce]\nEOF");
    expect(r.code).toBe(1);
    expect(r.out).toContain('The PersistentVolumeClaim "nosize" is invalid: spec.resources[storage]: Required value');
  });
});
