import { useRef } from 'react';
import { stringify } from 'yaml';
import type { YamlKind } from '../../server/kinds.ts';
import { withoutBookkeeping } from '../../server/object-view.ts';
import { resourcesTopic, type ObjectSummary, type ResourcesChange, type ResourcesSnapshot } from '../../server/protocol.ts';
import { useTopic } from '../live/index.ts';
import { Panel } from './Panel.tsx';

/** The object as a reader wants it: no server bookkeeping, as the apply diffs show it. */
export function displayYaml(obj: unknown): string {
  return stringify(withoutBookkeeping((obj ?? {}) as { metadata?: unknown }), { lineWidth: 0 });
}

/** Indices of lines in `next` that were not in `prev` (counted as a multiset, so moves of equal lines don't flash). */
export function changedLines(prev: string[] | undefined, next: string[]): Set<number> {
  const out = new Set<number>();
  if (!prev) return out;
  const counts = new Map<string, number>();
  for (const l of prev) counts.set(l, (counts.get(l) ?? 0) + 1);
  next.forEach((l, i) => {
    const c = counts.get(l) ?? 0;
    if (c > 0) counts.set(l, c - 1);
    else out.add(i);
  });
  return out;
}

/** "reviews-v3 now receives 50%" for each destination whose weight changed. */
export function routeWeights(obj: any): Map<string, number> {
  const out = new Map<string, number>();
  for (const http of obj?.spec?.http ?? []) {
    const routes = http?.route ?? [];
    for (const r of routes) {
      const d = r?.destination;
      if (!d?.host) continue;
      const key = `${String(d.host).split('.')[0]}${d.subset ? `-${d.subset}` : ''}`;
      if (!out.has(key)) out.set(key, typeof r.weight === 'number' ? r.weight : routes.length === 1 ? 100 : 0);
    }
  }
  return out;
}

export function resourceChangeSummary(kind: string, change: ResourcesChange | undefined, previous: unknown): string | undefined {
  if (!change) return undefined;
  if (change.op === 'delete') return `${kind} ${change.name} was deleted`;
  const item = change.item as ObjectSummary;
  if (kind === 'VirtualService') {
    const before = routeWeights(previous);
    const after = routeWeights(item.object);
    const moved = [...after].filter(([k, w]) => before.get(k) !== w).map(([k, w]) => `${k} now receives ${w}%`);
    const dropped = [...before.keys()].filter((k) => !after.has(k)).map((k) => `${k} no longer receives traffic`);
    if (moved.length || dropped.length) return [...moved, ...dropped].join('; ');
  }
  return previous ? `${kind} ${item.name} was changed` : `${kind} ${item.name} was created`;
}

/** The live YAML of Istio objects of one kind, with the lines of the latest change highlighted. */
export function ResourcePanel({ kind, namespace, name }: { kind: YamlKind; namespace: string; name?: string }) {
  const t = useTopic<ResourcesSnapshot>(resourcesTopic(kind, namespace));
  const items = ((t.data?.items ?? []) as ObjectSummary[]).filter((i) => !name || i.name === name);
  // Per object: the YAML lines shown before the latest change, to diff against.
  const memory = useRef(new Map<string, { changedAt: number; before?: string[]; beforeObject?: unknown; now: string[]; object: unknown }>());
  const views = items.map((item) => {
    const lines = displayYaml(item.object ?? { kind, metadata: { name: item.name, namespace } }).trimEnd().split('\n');
    const m = memory.current.get(item.name);
    if (!m) memory.current.set(item.name, { changedAt: t.changedAt, now: lines, object: item.object });
    else if (m.now.join('\n') !== lines.join('\n')) memory.current.set(item.name, { changedAt: t.changedAt, before: m.now, beforeObject: m.object, now: lines, object: item.object });
    const cur = memory.current.get(item.name)!;
    return { item, lines, changed: changedLines(cur.before, lines), stamp: cur.changedAt };
  });
  const change = t.lastChange as ResourcesChange | undefined;
  const changedName = change ? (change.op === 'delete' ? change.name : change.item.name) : undefined;
  // A panel for one object keeps announcing that object's last change, not its neighbours'.
  const lastSummary = useRef<string | undefined>(undefined);
  if (change && (!name || changedName === name)) lastSummary.current = resourceChangeSummary(kind, change, changedName ? memory.current.get(changedName)?.beforeObject : undefined);
  const summary = lastSummary.current;
  return (
    <Panel
      kind="resource"
      title={<>{kind}{name ? <> <code>{name}</code></> : 's'} · <code>{namespace}</code></>}
      state={t.state}
      error={t.error}
      hasData={views.length > 0}
      emptyText={name ? `${kind} ${name} does not exist in ${namespace} (yet).` : `No ${kind}s in ${namespace}.`}
      summary={summary}
    >
      {views.map(({ item, lines, changed, stamp }) => (
        <pre className="yaml-view" key={item.name} data-object={item.name}>
          {lines.map((l, i) => (
            <span key={changed.has(i) ? `${i}@${stamp}` : i} className={changed.has(i) ? 'yaml-line just-changed' : 'yaml-line'}>
              {l || ' '}
            </span>
          ))}
        </pre>
      ))}
    </Panel>
  );
}
