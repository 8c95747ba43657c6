/** The shape of an apiextensions.k8s.io/v1 CustomResourceDefinition, as far as the embedded API reads it. */
import type { JSONSchemaProps } from '../openapi/json-schema.ts';

export const CRD_GROUP = 'apiextensions.k8s.io';
export const CRD_KIND = 'CustomResourceDefinition';
/** What holds a deleted CRD until its objects are gone. */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export interface CrdNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: Record<string, never>; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: PrinterColumn[];
}

export interface CrdSpec {
  group: string;
  names: CrdNames;
  scope: 'Namespaced' | 'Cluster';
  versions: CrdVersion[];
  conversion?: { strategy: string };
  preserveUnknownFields?: boolean;
}

export interface CustomResourceDefinition {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; deletionTimestamp?: string; finalizers?: string[]; [key: string]: unknown };
  spec: CrdSpec;
  status?: Record<string, any>;
}

/** The column every CRD without columns of its own is served with. */
export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'When the object was created (its metadata.creationTimestamp).',
};

/** A version's columns as served: its own, or the single Age column when it declares none. */
export const printerColumnsOf = (v: CrdVersion): PrinterColumn[] => (v.additionalPrinterColumns?.length ? v.additionalPrinterColumns : [AGE_COLUMN]);
