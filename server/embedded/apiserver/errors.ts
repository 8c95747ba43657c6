import type { ResourceType, StatusCause } from './types.ts';
import { goQuote } from './go-format.ts';

/** An error that becomes a Kubernetes Status body with this HTTP code. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number },
  ) {
    super(message);
  }

  toStatus() {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `pods` or `virtualservices.networking.istio.io`, as real servers name a resource in messages. */
export function qualifiedName(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

export const notFound = (type: ResourceType, name: string) =>
  new ApiError(404, 'NotFound', `${qualifiedName(type)} "${name}" not found`, { name, group: type.group || undefined, kind: type.plural });

export const alreadyExists = (type: ResourceType, name: string) =>
  new ApiError(409, 'AlreadyExists', `${qualifiedName(type)} "${name}" already exists`, { name, group: type.group || undefined, kind: type.plural });

export const conflict = (type: ResourceType, name: string, reason = 'the object has been modified; please apply your changes to the latest version and try again') =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedName(type)} "${name}": ${reason}`, { name, group: type.group || undefined, kind: type.plural });

export const namespaceNotFound = (namespace: string) =>
  new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });

/** 422 Invalid; kubectl prints `The <Kind> "<name>" is invalid: <field>: <message>` from the causes. */
export function invalid(type: ResourceType, name: string, causes: StatusCause[]): ApiError {
  const kindGroup = type.group ? `${type.kind}.${type.group}` : type.kind;
  const joined = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const text = joined.length === 1 ? joined[0] : `[${joined.join(', ')}]`;
  // Go's %q: a name with invisible or control characters is shown escaped.
  return new ApiError(422, 'Invalid', `${kindGroup} ${goQuote(name)} is invalid: ${text}`, {
    name,
    group: type.group || undefined,
    kind: type.kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);

/** 403 Forbidden for one object, as admission plugins refuse: `namespaces "default" is forbidden: <why>`. */
export const forbidden = (type: ResourceType, name: string, why: string) =>
  new ApiError(403, 'Forbidden', `${qualifiedName(type)} "${name}" is forbidden: ${why}`, { name, group: type.group || undefined, kind: type.plural });
