/**
 * The subresources served over plain HTTP: status (GET, PUT, PATCH through the store's
 * status write) and scale (autoscaling/v1 Scale for Deployments and ReplicaSets); log is
 * pod-logs.ts.
 * exec, attach and port-forward are upgrades: see streaming.ts.
 */
import { parseBody, readBody } from './body.ts';
import { jsonResponse, objectResponse } from './codec.ts';
import { ApiError } from './errors.ts';
import { recordUpdate } from './managed-fields.ts';
import { rfc3339 } from './object-meta.ts';
import { applyPatchBody, conform, fieldManager, methodNotAllowed, present, targetApiVersion, type Target } from './request.ts';
import { formatLabelSelector } from './selectors.ts';
import type { ObjectStore } from './store.ts';
import type { KubeObject } from './types.ts';

export async function serveSubresource(store: ObjectStore, req: Request, t: Target, q: URLSearchParams, dryRun: boolean): Promise<Response> {
  const method = req.method;
  if (!['GET', 'PUT', 'PATCH'].includes(method)) throw methodNotAllowed();
  const old = store.mustGet(t.type, t.namespace, t.name!);
  const body = method === 'GET' ? undefined : await readBody(req);
  const manager = fieldManager(req, q);
  const now = rfc3339(store.clock.now());
  if (t.subresource === 'scale') {
    if (method === 'GET') return jsonResponse(200, toScale(old));
    const scale = method === 'PUT' ? parseBody(req, body!) : applyPatchBody(req, store.registry.mustGet('', 'pods'), toScale(old) as KubeObject, body!);
    const replicas = scale?.spec?.replicas;
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new ApiError(422, 'Invalid', `Scale.autoscaling "${t.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
        name: t.name,
        group: 'autoscaling',
        kind: 'Scale',
        causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }],
      });
    }
    if (scale.metadata?.resourceVersion && scale.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${t.type.plural}.${t.type.group} "${t.name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    const updated = structuredClone(old);
    updated.spec = { ...(updated.spec ?? {}), replicas };
    recordUpdate(t.type, old, updated, manager, targetApiVersion(t), now, 'scale');
    return jsonResponse(200, toScale(store.update(t.type, updated, { dryRun })));
  }
  // status: the store's status write keeps everything else as stored.
  const reply = (code: number, obj: KubeObject) => objectResponse(code, t.type, present(t, obj), store.clock.now());
  if (method === 'GET') return reply(200, old);
  const incoming = method === 'PUT' ? conform(t, parseBody(req, body!), { name: t.name }) : applyPatchBody(req, t.type, present(t, old), body!);
  const updated = structuredClone(old) as KubeObject;
  updated.status = incoming.status;
  if (incoming.metadata?.resourceVersion) updated.metadata.resourceVersion = incoming.metadata.resourceVersion;
  recordUpdate(t.type, old, updated, manager, targetApiVersion(t), now, 'status');
  return reply(200, store.updateStatus(t.type, updated, { dryRun }));
}

/** autoscaling/v1 Scale for deployments/scale and replicasets/scale (what `kubectl scale` uses). */
function toScale(obj: KubeObject) {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 1 },
    status: { replicas: obj.status?.replicas ?? 0, selector: obj.spec?.selector ? formatLabelSelector(obj.spec.selector).replace(/^<none>$/, '') : '' },
  };
}
