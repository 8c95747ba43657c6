import { resourcesTopic, type PodSummary, type ResourcesChange, type ResourcesSnapshot } from '../../server/protocol.ts';
import { useTopic } from '../live/index.ts';
import { formatAge } from './format.ts';
import { Panel, useClusterNow } from './Panel.tsx';

export function podChangeSummary(change: ResourcesChange | undefined): string | undefined {
  if (!change) return undefined;
  if (change.op === 'delete') return `pod ${change.name} was deleted`;
  const p = change.item as PodSummary;
  return `pod ${p.name} is ${p.status} (${p.ready} ready)`;
}

function statusClass(status: string): string {
  if (status === 'Running' || status === 'Completed') return 'is-ok';
  if (/Err|BackOff|Fail|OOM|Unknown/i.test(status)) return 'is-bad';
  if (status === 'Terminating') return 'is-muted';
  return 'is-warn';
}

/** `kubectl get pods -n <namespace>`, live, plus the sidecar and version columns. */
export function PodsPanel({ namespace }: { namespace: string }) {
  const t = useTopic<ResourcesSnapshot>(resourcesTopic('Pod', namespace));
  const pods = (t.data?.items ?? []) as PodSummary[];
  const now = useClusterNow(1000);
  const change = t.lastChange as ResourcesChange | undefined;
  const flashName = change ? (change.op === 'delete' ? undefined : change.item.name) : undefined;
  return (
    <Panel
      kind="pods"
      title={<>pods · <code>{namespace}</code></>}
      state={t.state}
      error={t.error}
      hasData={pods.length > 0}
      emptyText={`No resources found in ${namespace} namespace.`}
      summary={podChangeSummary(change)}
    >
      <table className="kube-table">
        <thead>
          <tr>
            <th>NAME</th>
            <th>READY</th>
            <th>STATUS</th>
            <th>RESTARTS</th>
            <th>AGE</th>
            <th>SIDECAR</th>
            <th>VERSION</th>
          </tr>
        </thead>
        <tbody>
          {pods.map((p) => (
            <tr key={p.name === flashName ? `${p.name}@${t.changedAt}` : p.name} className={p.name === flashName ? 'just-changed' : undefined} data-pod={p.name}>
              <td>{p.name}</td>
              <td>{p.ready}</td>
              <td className={statusClass(p.status)}>{p.status}</td>
              <td>{p.restarts}</td>
              <td>{formatAge(p.creationTimestamp, now)}</td>
              <td>
                {p.hasSidecar ? (
                  <span className="sidecar-yes" title="istio-proxy sidecar injected">envoy</span>
                ) : p.ambient ? (
                  <span className="sidecar-ambient" title="no sidecar: traffic redirected to the node's ztunnel">ambient</span>
                ) : (
                  <span className="is-muted">—</span>
                )}
              </td>
              <td>{p.version ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
