/** Istio's analysis messages: code, name, level and wording, as istioctl analyze prints them. */

export type Level = 'Error' | 'Warning' | 'Info';

export interface Origin {
  kind: string;
  namespace?: string;
  name: string;
  /** `file:line` for a resource read from a file. */
  source?: string;
}

export interface Message {
  code: string;
  level: Level;
  origin: Origin;
  text: string;
}

const make = (code: string, level: Level) => (origin: Origin, text: string): Message => ({ code, level, origin, text });

export const referencedResourceNotFound = (origin: Origin, what: string, name: string) => make('IST0101', 'Error')(origin, `Referenced ${what} not found: "${name}"`);
export const namespaceNotInjected = (ns: string) =>
  make('IST0102', 'Info')({ kind: 'Namespace', name: ns }, `The namespace is not enabled for Istio injection. Run 'kubectl label namespace ${ns} istio-injection=enabled' to enable it, or 'kubectl label namespace ${ns} istio-injection=disabled' to explicitly mark it as not needing injection.`);
export const gatewayPortNotOnWorkload = (origin: Origin, selector: string, port: number) =>
  make('IST0104', 'Warning')(origin, `The gateway refers to a port that is not exposed on the workload (pod selector ${selector}; port ${port})`);
export const schemaValidationError = (origin: Origin, error: string) => make('IST0106', 'Error')(origin, `Schema validation error: ${error}`);
export const unknownAnnotation = (origin: Origin, annotation: string) => make('IST0108', 'Warning')(origin, `Unknown annotation: ${annotation}`);
export const namespaceMultipleInjectionLabels = (ns: string, labels: string[]) =>
  make('IST0123', 'Warning')({ kind: 'Namespace', name: ns }, `The namespace has more than one type of injection labels [${labels.join(' ')}], which may lead to undefined behavior. Make sure only one injection label exists.`);
export const negativeConditionStatus = (origin: Origin, type: string, reason: string, message: string) =>
  make('IST0171', 'Warning')(origin, `A condition with a negative status is present: type=${type}, reason=${reason}, message=${message}.`);
export const portNameNotUnderNamingConvention = (origin: Origin, name: string, port: number, targetPort: string) =>
  make('IST0118', 'Info')(origin, `Port name ${name} (port: ${port}, targetPort: ${targetPort}) doesn't follow the naming convention of Istio port.`);

const LEVEL_ORDER: Record<Level, number> = { Error: 0, Warning: 1, Info: 2 };

export function describeOrigin(o: Origin): string {
  const id = o.namespace ? `${o.namespace}/${o.name}` : o.name;
  return `${o.kind} ${id}${o.source ? ` ${o.source}` : ''}`;
}

export function formatMessage(m: Message): string {
  return `${m.level} [${m.code}] (${describeOrigin(m.origin)}) ${m.text}`;
}

export function sortMessages(messages: Message[]): Message[] {
  const seen = new Set<string>();
  return [...messages]
    .sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] || a.code.localeCompare(b.code) || describeOrigin(a.origin).localeCompare(describeOrigin(b.origin)) || a.text.localeCompare(b.text))
    .filter((m) => {
      const key = formatMessage(m);
      return !seen.has(key) && !!seen.add(key);
    });
}
