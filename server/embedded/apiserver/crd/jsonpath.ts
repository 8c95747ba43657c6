/**
 * The JSONPath subset CRD printer columns use: `.a.b`, `[0]`, `[*]`, `['key']` and filters
 * `[?(@.type=="Ready")]` (with `==` or `!=`, on a path under `@`). Returns every match in
 * document order; a path that names nothing gives no matches.
 */
type Step = { field: string } | { index: number } | { all: true } | { filter: { path: string[]; op: '==' | '!='; value: unknown } };

const cache = new Map<string, Step[] | null>();

function parse(expr: string): Step[] | null {
  let src = expr.trim();
  if (src.startsWith('{') && src.endsWith('}')) src = src.slice(1, -1);
  if (src.startsWith('$')) src = src.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < src.length) {
    if (src[i] === '.') {
      const m = /^\.([A-Za-z0-9_\-$]+|\*)/.exec(src.slice(i));
      if (!m) return null;
      steps.push(m[1] === '*' ? { all: true } : { field: m[1] });
      i += m[0].length;
    } else if (src[i] === '[') {
      const end = src.indexOf(']', i);
      if (end < 0) return null;
      const inner = src.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ all: true });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) steps.push({ field: inner.slice(1, -1) });
      else {
        const f = /^\?\(@((?:\.[A-Za-z0-9_\-]+)+)\s*(==|!=)\s*(.+)\)$/.exec(inner);
        if (!f) return null;
        const raw = f[3].trim();
        const value = /^'.*'$/.test(raw) ? raw.slice(1, -1) : JSON.parse(raw);
        steps.push({ filter: { path: f[1].slice(1).split('.'), op: f[2] as '==' | '!=', value } });
      }
    } else return null;
  }
  return steps;
}

function compile(expr: string): Step[] | null {
  if (!cache.has(expr)) {
    try {
      cache.set(expr, parse(expr));
    } catch {
      cache.set(expr, null);
    }
  }
  return cache.get(expr)!;
}

const dig = (v: unknown, path: string[]) => path.reduce<any>((o, k) => (o && typeof o === 'object' ? o[k] : undefined), v);

/** Every value the expression reaches in `root`; undefined when the expression does not parse. */
export function jsonPathValues(expr: string, root: unknown): unknown[] | undefined {
  const steps = compile(expr);
  if (!steps) return undefined;
  let current: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object') continue;
      if ('field' in step) {
        const child = (v as Record<string, unknown>)[step.field];
        if (child !== undefined) next.push(child);
      } else if ('index' in step) {
        if (!Array.isArray(v)) continue;
        const child = v[step.index < 0 ? v.length + step.index : step.index];
        if (child !== undefined) next.push(child);
      } else if ('all' in step) next.push(...(Array.isArray(v) ? v : Object.values(v)));
      else if (Array.isArray(v)) {
        const { path, op, value } = step.filter;
        for (const item of v) if ((dig(item, path) === value) === (op === '==')) next.push(item);
      }
    }
    current = next;
  }
  return current;
}
