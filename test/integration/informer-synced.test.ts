import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { ClusterConnection } from '../../server/cluster/connection.ts';
import { ResourceInformer } from '../../server/cluster/resource-informer.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../server/embedded/cluster.ts';
import type { FeedStatus } from '../../server/protocol.ts';
import { until } from '../helpers/until.ts';

describe('an informer reports synced', () => {
  let cluster: EmbeddedCluster;
  let connection: ClusterConnection;
  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ clock: new ScaledClock(0.01) });
    connection = new ClusterConnection({ mode: 'embedded', kubeconfigText: cluster.kubeconfig });
    for (const name of ['cm-a', 'cm-b', 'cm-c']) await connection.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name } } });
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('only after every object of its first list has been delivered', async () => {
    const informer = new ResourceInformer(connection, 'ConfigMap', 'default');
    const events: string[] = [];
    informer.on('upsert', (o) => events.push(`upsert ${o.metadata.name}`));
    informer.on('status', (s: FeedStatus) => events.push(`status ${s.state} synced=${s.synced}`));
    expect(informer.status).toEqual({ state: 'connecting', synced: false });
    informer.start();
    try {
      await until(() => informer.status.synced, 'the informer syncs');
      const syncedAt = events.indexOf('status live synced=true');
      expect(events.slice(0, syncedAt).filter((e) => e.startsWith('upsert cm-')).sort()).toEqual(['upsert cm-a', 'upsert cm-b', 'upsert cm-c']);
      expect(events.slice(0, syncedAt).some((e) => e.startsWith('status'))).toBe(false);
    } finally {
      await informer.stop();
    }
  });

  it('syncs on an empty list: nothing there is a state, not an error', async () => {
    const informer = new ResourceInformer(connection, 'ConfigMap', 'kube-public');
    informer.start();
    try {
      await until(() => informer.status.synced, 'an empty list syncs too');
      expect(informer.status.state).toBe('live');
    } finally {
      await informer.stop();
    }
  });

  it('says why it cannot list as a typed reason: an API server that does not answer is unreachable', async () => {
    const nowhere = new ClusterConnection({ mode: 'embedded', kubeconfigText: cluster.kubeconfig.replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:9') });
    const informer = new ResourceInformer(nowhere, 'ConfigMap', 'default', { maxBackoffMs: 200 });
    informer.start();
    try {
      const failed = await until(() => (informer.status.state === 'error' ? informer.status : undefined), 'the informer fails');
      expect(failed).toMatchObject({ state: 'error', synced: false, reason: 'unreachable' });
      expect(failed.message).toMatch(/^cluster unreachable/);
    } finally {
      await informer.stop();
    }
  });
});
