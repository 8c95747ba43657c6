/**
 * What strict decoding finds in a JSON body against a kind's schema: fields the schema does
 * not declare and fields given twice, in the order they appear, named by their path as the
 * apiserver names them (`spec.template.spec.containers[0].requests`). The walk reads the
 * body's text itself, since parsed JSON has already lost its duplicate keys, and descends only
 * as deep as the schema does, so a deeply nested body cannot exhaust the stack.
 */
import type { JSONSchemaProps } from './json-schema.ts';

export type Definitions = Readonly<Record<string, JSONSchemaProps>>;

/** How deep a walk without a schema (duplicates only) goes; deeper values are skipped whole. */
const SCHEMALESS_DEPTH = 100;

/** Follows `$ref` and a lone `allOf` to the schema that says what a value may hold. */
function resolve(schema: JSONSchemaProps, definitions: Definitions): JSONSchemaProps {
  let s = schema;
  for (let hops = 0; hops < 16; hops++) {
    if (s.$ref) s = definitions[s.$ref.replace('#/components/schemas/', '')] ?? {};
    else if (s.allOf?.length === 1 && !s.properties) s = s.allOf[0];
    else break;
  }
  return s;
}

class JsonText {
  i = 0;
  constructor(private readonly s: string) {}

  peek(): string {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i])) this.i++;
    return this.s[this.i];
  }

  /** Steps over one expected punctuation character (the text is known to be valid JSON). */
  take(): void {
    this.peek();
    this.i++;
  }

  string(): string {
    this.peek();
    const start = this.i++;
    let escaped = false;
    while (this.i < this.s.length && this.s[this.i] !== '"') {
      if (this.s[this.i] === '\\') {
        escaped = true;
        this.i++;
      }
      this.i++;
    }
    this.i++;
    const raw = this.s.slice(start, this.i);
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  /** Skips one value of any depth without recursion. */
  skip(): void {
    let depth = 0;
    do {
      const c = this.peek();
      if (c === '"') this.string();
      else if (c === '{' || c === '[') {
        depth++;
        this.i++;
      } else if (c === '}' || c === ']') {
        depth--;
        this.i++;
      } else if (c === ',' || c === ':') this.i++;
      else {
        while (this.i < this.s.length && !',}] \t\n\r'.includes(this.s[this.i])) this.i++;
      }
    } while (depth > 0 && this.i < this.s.length);
  }
}

/** What a schema lets an object hold: declared fields, values of a map, anything, or nothing more. */
function objectRule(s: JSONSchemaProps): { properties: Record<string, JSONSchemaProps>; values?: JSONSchemaProps; open: boolean } | undefined {
  const open = s['x-kubernetes-preserve-unknown-fields'] === true || s.additionalProperties === true;
  const values = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  if (s.properties || values || open || s.type === 'object') return { properties: s.properties ?? {}, values, open };
  return undefined;
}

class Walk {
  readonly problems: string[] = [];
  constructor(
    private readonly text: JsonText,
    private readonly definitions: Definitions,
  ) {}

  /** `schema` undefined: no schema here, only duplicates are looked for. */
  value(schema: JSONSchemaProps | undefined, path: string, depth: number): void {
    const c = this.text.peek();
    const s = schema && resolve(schema, this.definitions);
    if (c === '{') return this.object(s, path, depth);
    if (c === '[' && (s ? s.items : depth < SCHEMALESS_DEPTH)) return this.array(s?.items, path, depth);
    this.text.skip();
  }

  private object(s: JSONSchemaProps | undefined, path: string, depth: number): void {
    const rule = s ? objectRule(s) : undefined;
    if ((s && !rule) || (!s && depth >= SCHEMALESS_DEPTH)) return this.text.skip();
    this.text.take();
    const seen = new Set<string>();
    while (this.text.peek() !== '}') {
      const key = this.text.string();
      this.text.take();
      const at = path ? `${path}.${key}` : key;
      const declared = rule && Object.hasOwn(rule.properties, key) ? rule.properties[key] : undefined;
      if (seen.has(key)) this.problems.push(`duplicate field ${JSON.stringify(at)}`);
      seen.add(key);
      if (!rule) this.value(undefined, at, depth + 1);
      else if (declared) this.value(declared, at, depth + 1);
      else if (rule.values) this.value(rule.values, at, depth + 1);
      else {
        if (!rule.open) this.problems.push(`unknown field ${JSON.stringify(at)}`);
        this.text.skip();
      }
      if (this.text.peek() === ',') this.text.take();
    }
    this.text.take();
  }

  private array(items: JSONSchemaProps | undefined, path: string, depth: number): void {
    this.text.take();
    for (let index = 0; this.text.peek() !== ']'; index++) {
      this.value(items, `${path}[${index}]`, depth + 1);
      if (this.text.peek() === ',') this.text.take();
    }
    this.text.take();
  }
}

/**
 * The strict-decoding problems of a JSON text: `unknown field "<path>"` and
 * `duplicate field "<path>"`, in document order. Without a schema only duplicates are found.
 * The text must be valid JSON (the body was parsed before).
 */
export function strictDecodingProblems(json: string, schema: JSONSchemaProps | undefined, definitions: Definitions = {}): string[] {
  const walk = new Walk(new JsonText(json), definitions);
  walk.value(schema, '', 0);
  return walk.problems;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** An element of a list in a server-side apply path: `[name="web"]` in a keyed list, else `[0]`. */
function listElement(list: JSONSchemaProps, item: unknown, index: number): string {
  const keys = list['x-kubernetes-list-type'] === 'map' ? list['x-kubernetes-list-map-keys'] : undefined;
  if (!keys?.length || !isPlainObject(item)) return `[${index}]`;
  return `[${keys.map((k) => `${k}=${JSON.stringify(item[k])}`).join(',')}]`;
}

/**
 * Calls `found` for each field of `value` the schema does not declare, with its path as
 * server-side apply names it (`.spec.template.spec.containers[name="web"].requests`), the
 * object holding it and its key. Walks only as deep as the schema.
 */
function visitUnknownFields(value: unknown, schema: JSONSchemaProps, definitions: Definitions, path: string, found: (path: string, owner: Record<string, unknown>, key: string) => void): void {
  const s = resolve(schema, definitions);
  if (Array.isArray(value)) {
    if (s.items) value.forEach((item, i) => visitUnknownFields(item, s.items!, definitions, path + listElement(s, item, i), found));
    return;
  }
  if (!isPlainObject(value)) return;
  const rule = objectRule(s);
  if (!rule) return;
  for (const [key, child] of Object.entries(value)) {
    const declared = Object.hasOwn(rule.properties, key) ? rule.properties[key] : rule.values;
    if (declared) visitUnknownFields(child, declared, definitions, `${path}.${key}`, found);
    else if (!rule.open) found(`${path}.${key}`, value, key);
  }
}

/** The undeclared fields of an object, named as server-side apply names them. */
export function unknownFieldPaths(value: unknown, schema: JSONSchemaProps, definitions: Definitions = {}): string[] {
  const paths: string[] = [];
  visitUnknownFields(value, schema, definitions, '', (path) => paths.push(path));
  return paths;
}

/**
 * Removes, in place, the fields the schema does not declare, as decoding into the kind's
 * types (or a CRD's pruning) drops them: what was warned about or ignored is not stored.
 */
export function pruneUnknownFields(value: unknown, schema: JSONSchemaProps, definitions: Definitions = {}): void {
  visitUnknownFields(value, schema, definitions, '', (_path, owner, key) => delete owner[key]);
}
