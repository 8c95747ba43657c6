/**
 * The API groups of the kube-apiserver's own kinds the embedded API serves (every other kind
 * is a CRD's): their writes take strategic merge patches, merge lists by their Go merge keys
 * and are decoded and validated as the apiserver does.
 */
const BUILTIN_GROUPS = new Set(['', 'apps', 'networking.k8s.io', 'rbac.authorization.k8s.io']);

export const isBuiltinGroup = (group: string) => BUILTIN_GROUPS.has(group);
