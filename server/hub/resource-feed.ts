/**
 * A resource topic's feed: an informer on one kind in one namespace, its objects turned
 * into the summaries panels show. Emits 'change' (ResourcesChange) and 'status'.
 */
import { EventEmitter } from 'node:events';
import type * as k8s from '@kubernetes/client-node';
import type { FeedStatus, ResourcesChange } from '../protocol.ts';
import type { ClusterConnection } from '../cluster/connection.ts';
import { ResourceInformer } from '../cluster/resource-informer.ts';
import type { LiveFeed } from './feed.ts';
import { summarize } from './summaries.ts';

export class ResourceFeed extends EventEmitter implements LiveFeed<ResourcesChange> {
  private readonly informer: ResourceInformer;
  /** resourceVersion per name last sent, so a re-list repeats nothing. */
  private readonly sent = new Map<string, string>();

  constructor(
    connection: ClusterConnection,
    readonly kind: string,
    namespace: string,
  ) {
    super();
    this.informer = new ResourceInformer(connection, kind, namespace);
    this.informer.on('upsert', (obj: k8s.KubernetesObject) => {
      const item = summarize(kind, obj as any);
      if (this.sent.get(item.name) === item.resourceVersion) return;
      this.sent.set(item.name, item.resourceVersion);
      this.emit('change', { op: 'upsert', item } satisfies ResourcesChange);
    });
    this.informer.on('delete', (obj: k8s.KubernetesObject) => {
      const name = obj.metadata?.name;
      if (name && this.sent.delete(name)) this.emit('change', { op: 'delete', name } satisfies ResourcesChange);
    });
    this.informer.on('status', (s: FeedStatus) => this.emit('status', s));
  }

  get status(): FeedStatus {
    return this.informer.status;
  }

  start(): void {
    this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }
}
