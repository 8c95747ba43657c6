import type { JSONSchemaProps } from './openapi/json-schema.ts';

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
  /** How the store prepares this kind's writes. */
  strategy: ResourceStrategy;
  /** The OpenAPI v3 schema of each served version (a CRD's `openAPIV3Schema`), for validation, `/openapi/v3` and `kubectl explain`. */
  schemas?: Record<string, JSONSchemaProps>;
}

/**
 * How one kind is prepared for each write, as the kube-apiserver's per-kind strategies
 * decide it. The store applies the kind's strategy to every write, so a controller that
 * calls the store directly and a kubectl request through the HTTP layer follow the same
 * rules: what a main-resource update may not change, what a status update may not change,
 * when metadata.generation moves, and what holds a deleted object in place.
 */
export interface ResourceStrategy {
  /**
   * status is written through the status subresource only: an update of the main resource
   * keeps the stored status, whoever sends it.
   */
  readonly statusSubresource: boolean;
  /** metadata.generation starts at 1 and counts spec changes. */
  readonly generation: boolean;
  /** Fills in what the server owns on a new object (after identity and admission). */
  prepareForCreate(obj: KubeObject): void;
  /** Carries over what a main-resource update may not change (before admission). */
  prepareForUpdate(obj: KubeObject, old: KubeObject): void;
  /** A status update changes status only: everything else is the stored object's. */
  prepareForStatusUpdate(obj: KubeObject, old: KubeObject): void;
  /** Finalizers that keep a deleted object, marked as terminating, until they are removed. */
  finalizers(obj: KubeObject): readonly string[];
  /** Marks an object whose deletion waits for its finalizers (`now` is an RFC 3339 time). */
  prepareForTerminating(obj: KubeObject, now: string): void;
  /** Deleting it again while it terminates is a conflict, with this reason (a namespace's); otherwise it answers with the object. */
  readonly repeatedDeleteConflict?: string;
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
