/** Shapes shared by the embedded API server, its store and the in-process controllers. */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  managedFields?: unknown[];
  generateName?: string;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: any;
}

/** One kind the API serves. Istio kinds list several versions; the object is stored once. */
export interface ResourceType {
  group: string; // '' for core
  versions: string[]; // first is preferred
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Subresources served, e.g. ['scale', 'status']. */
  subresources?: string[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  resource: ResourceType;
  /** The object as stored (apiVersion is the preferred one); treat as read-only. */
  object: KubeObject;
  resourceVersion: number;
}

export interface WriteOptions {
  dryRun?: boolean;
}

/** A Kubernetes Status, thrown by the store and sent as-is by the HTTP layer. */
export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}
