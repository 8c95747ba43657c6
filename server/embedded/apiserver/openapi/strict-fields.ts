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

const SPACE = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d, QUOTE = 0x22, BACKSLASH = 0x5c;
const COMMA = 0x2c, COLON = 0x3a, OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;
const isSpace = (c: number) => c === SPACE || c === LF || c === CR || c === TAB;

/** A cursor over valid JSON text, reading by character codes (bodies can be megabytes). */
class JsonText {
  i = 0;
  constructor(private readonly s: string) {}

  /** The code of the next non-space character (NaN at the end). */
  peek(): number {
    const s = this.s;
    let i = this.i;
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
    this.i = i;
    return s.charCodeAt(i);
  }

  /** Steps over one expected punctuation character. */
  take(): void {
    this.peek();
    this.i++;
  }

  /** Where the string starting at the cursor's quote ends (just past its closing quote). */
  private stringEnd(): number {
    const s = this.s;
    let q = s.indexOf('"', this.i + 1);
    // A quote preceded by an odd run of backslashes is part of the string.
    for (;;) {
      if (q === -1) return s.length;
      let slashes = 0;
      while (s.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes++;
      if (slashes % 2 === 0) return q + 1;
      q = s.indexOf('"', q + 1);
    }
  }

  /** Reads a string (the cursor is at its opening quote). */
  string(): string {
    this.peek();
    const start = this.i;
    this.i = this.stringEnd();
    const raw = this.s.slice(start, this.i);
    return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  /** Skips one value of any depth without recursion. */
  skip(): void {
    const s = this.s;
    let depth = 0;
    do {
      const c = this.peek();
      if (c === QUOTE) this.i = this.stringEnd();
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
        this.i++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        this.i++;
      } else if (c === COMMA || c === COLON) this.i++;
      else {
        let i = this.i;
        for (; i < s.length; i++) {
          const d = s.charCodeAt(i);
          if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isSpace(d)) break;
        }
        this.i = i;
      }
    } while (depth > 0 && this.i < s.length);
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
    if (c !== OPEN_BRACE && c !== OPEN_BRACKET) return this.text.skip();
    const s = schema && resolve(schema, this.definitions);
    if (c === OPEN_BRACE) return this.object(s, path, depth);
    if (s ? s.items : depth < SCHEMALESS_DEPTH) return this.array(s?.items, path, depth);
    this.text.skip();
  }

  /** The path of a field, built only when it is reported or descended into (maps can have thousands of keys). */
  private child(schema: JSONSchemaProps | undefined, path: string, key: string, depth: number): void {
    const c = this.text.peek();
    if (c !== OPEN_BRACE && c !== OPEN_BRACKET) return this.text.skip();
    this.value(schema, path ? `${path}.${key}` : key, depth);
  }

  private object(s: JSONSchemaProps | undefined, path: string, depth: number): void {
    const rule = s ? objectRule(s) : undefined;
    if ((s && !rule) || (!s && depth >= SCHEMALESS_DEPTH)) return this.text.skip();
    this.text.take();
    const seen = new Set<string>();
    const at = (key: string) => (path ? `${path}.${key}` : key);
    while (this.text.peek() !== CLOSE_BRACE) {
      const key = this.text.string();
      this.text.take();
      const declared = rule && Object.hasOwn(rule.properties, key) ? rule.properties[key] : undefined;
      if (seen.has(key)) this.problems.push(`duplicate field ${JSON.stringify(at(key))}`);
      seen.add(key);
      if (!rule) this.child(undefined, path, key, depth + 1);
      else if (declared) this.child(declared, path, key, depth + 1);
      else if (rule.values) this.child(rule.values, path, key, depth + 1);
      else {
        if (!rule.open) this.problems.push(`unknown field ${JSON.stringify(at(key))}`);
        this.text.skip();
      }
      if (this.text.peek() === COMMA) this.text.take();
    }
    this.text.take();
  }

  private array(items: JSONSchemaProps | undefined, path: string, depth: number): void {
    this.text.take();
    for (let index = 0; this.text.peek() !== CLOSE_BRACKET; index++) {
      const c = this.text.peek();
      if (c === OPEN_BRACE || c === OPEN_BRACKET) this.value(items, `${path}[${index}]`, depth + 1);
      else this.text.skip();
      if (this.text.peek() === COMMA) this.text.take();
    }
    this.text.take();
  }
}

/** Every string of a JSON text, and whether it is a key (followed by a colon). */
const JSON_STRING = /"(?:[^"\\]|\\.)*"(\s*:)?/g;

/** Keys of a decoded value, counted without recursion (a body may nest deeply). */
function countKeys(value: unknown): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) for (const item of v) stack.push(item);
    else if (v && typeof v === 'object') {
      for (const key in v) {
        count++;
        stack.push((v as Record<string, unknown>)[key]);
      }
    }
  }
  return count;
}

/** Whether the text names some key twice in one object: it has more keys than its decoded value. */
function hasDuplicateKeys(json: string, parsed: unknown): boolean {
  let keys = 0;
  for (const m of json.matchAll(JSON_STRING)) if (m[1] !== undefined) keys++;
  return keys !== countKeys(parsed);
}

/**
 * The strict-decoding problems of a JSON text (`parsed` is its decoded value):
 * `unknown field "<path>"` and `duplicate field "<path>"`, in document order. Without a
 * schema only duplicates are found. The common case, no duplicate, walks the decoded value;
 * only a text with duplicates is read character by character.
 */
export function strictDecodingProblems(json: string, parsed: unknown, schema: JSONSchemaProps | undefined, definitions: Definitions = {}): string[] {
  if (!hasDuplicateKeys(json, parsed)) return schema ? unknownFieldPaths(parsed, schema, definitions, 'decode').map((p) => `unknown field ${JSON.stringify(p)}`) : [];
  const walk = new Walk(new JsonText(json), definitions);
  walk.value(schema, '', 0);
  return walk.problems;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * How a path is written: as the decoder names a field (`spec.containers[0].requests`) or as
 * server-side apply does (`.spec.containers[name="web"].requests`).
 */
export type PathStyle = 'decode' | 'apply';

/** An element of a list in a path: `[name="web"]` in a keyed list when applying, else `[0]`. */
function listElement(style: PathStyle, list: JSONSchemaProps, item: unknown, index: number): string {
  const keys = style === 'apply' && list['x-kubernetes-list-type'] === 'map' ? list['x-kubernetes-list-map-keys'] : undefined;
  if (!keys?.length || !isPlainObject(item)) return `[${index}]`;
  return `[${keys.map((k) => `${k}=${JSON.stringify(item[k])}`).join(',')}]`;
}

/**
 * Calls `found` for each field of `value` the schema does not declare, with its path as
 * the visit's style, the object holding it and its key. Walks only as deep as the schema.
 */
interface Visit {
  definitions: Definitions;
  style: PathStyle;
  found: (path: string, owner: Record<string, unknown>, key: string) => void;
}

const fieldPath = (style: PathStyle, path: string, key: string) => (style === 'apply' || path ? `${path}.${key}` : key);

function visitUnknownFields(value: unknown, schema: JSONSchemaProps, visit: Visit, path: string): void {
  const s = resolve(schema, visit.definitions);
  if (Array.isArray(value)) {
    if (s.items) value.forEach((item, i) => item && typeof item === 'object' && visitUnknownFields(item, s.items!, visit, path + listElement(visit.style, s, item, i)));
    return;
  }
  if (!isPlainObject(value)) return;
  const rule = objectRule(s);
  if (!rule) return;
  for (const key in value) {
    const declared = Object.hasOwn(rule.properties, key) ? rule.properties[key] : rule.values;
    const child = value[key];
    // Scalars hold no fields: most map values and list items end here, with no path built.
    if (declared) {
      if (child && typeof child === 'object') visitUnknownFields(child, declared, visit, fieldPath(visit.style, path, key));
    } else if (!rule.open) visit.found(fieldPath(visit.style, path, key), value, key);
  }
}

/** The undeclared fields of a decoded object, in the order of its keys. */
export function unknownFieldPaths(value: unknown, schema: JSONSchemaProps, definitions: Definitions, style: PathStyle): string[] {
  const paths: string[] = [];
  visitUnknownFields(value, schema, { definitions, style, found: (path) => paths.push(path) }, '');
  return paths;
}

/**
 * Removes, in place, the fields the schema does not declare, as decoding into the kind's
 * types (or a CRD's pruning) drops them: what was warned about or ignored is not stored.
 */
export function pruneUnknownFields(value: unknown, schema: JSONSchemaProps, definitions: Definitions = {}): void {
  visitUnknownFields(value, schema, { definitions, style: 'decode', found: (_path, owner, key) => delete owner[key] }, '');
}
