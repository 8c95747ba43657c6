import { Composer, isAlias, isMap, isScalar, LineCounter, Lexer, Parser, visit, type Document } from 'yaml';
import type { ApiErrorBody } from '../protocol.ts';
import { fieldPathSegments } from '../field-path.ts';

export interface ParsedDocument {
  index: number;
  object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };
  /** Finds the line and column of a field path such as `spec.http[0].route[0].weight`. */
  locate(fieldPath?: string): { line: number; column: number } | undefined;
}

export class DocumentError extends Error {
  constructor(readonly body: ApiErrorBody) {
    super(body.error);
  }
}

/** Limits on one body: documents, nesting and aliases (a handful of aliases expanding into millions of nodes). */
export const MANIFEST_LIMITS = { documents: 500, nesting: 64, aliases: 100 };
/** Parsing yields to the event loop this often, so one large body never holds the server. */
const SLICE_MS = 15;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** For long loops: call the result at each step; after `SLICE_MS` of work it waits for the event loop to run once. */
export function timeSlicer(): () => Promise<void> | undefined {
  let sliceStart = performance.now();
  return () => {
    if (performance.now() - sliceStart < SLICE_MS) return undefined;
    return yieldToEventLoop().then(() => {
      sliceStart = performance.now();
    });
  };
}

/**
 * Parses multi-document YAML, keeping source positions; rejects anything that is not a
 * Kubernetes object. Empty documents (a trailing `---`, or nothing between two) are skipped
 * as kubectl skips them; `index` and "document N" count the objects, and every error also
 * names its line.
 */
export async function parseManifests(text: string): Promise<ParsedDocument[]> {
  const tooDeep = deepestNesting(text, MANIFEST_LIMITS.nesting);
  if (tooDeep) throw new DocumentError({ error: `the YAML nests more than ${MANIFEST_LIMITS.nesting} levels deep (line ${tooDeep.line})`, line: tooDeep.line });
  const tooMany = documentLimitLine(text, MANIFEST_LIMITS.documents);
  if (tooMany) throw new DocumentError({ error: `more than ${MANIFEST_LIMITS.documents} documents in one body (document ${MANIFEST_LIMITS.documents + 1} starts at line ${tooMany}): apply them in parts`, document: MANIFEST_LIMITS.documents, line: tooMany });
  const lineCounter = new LineCounter();
  const docs = await composeDocuments(text, lineCounter);
  const out: ParsedDocument[] = [];
  const slice = timeSlicer();
  for (const doc of docs) {
    await slice();
    const index = out.length;
    const parsed = toManifest(doc, index, lineCounter);
    if (parsed) out.push(parsed);
  }
  if (!out.length) throw new DocumentError({ error: 'no documents: the body is empty' });
  return out;
}

/**
 * The line where document `max + 1` starts, counting `---` markers (a marker at the start of
 * a line always begins a document), so too many documents are refused before parsing.
 */
function documentLimitLine(text: string, max: number): number | undefined {
  const starts = [0, ...Array.from(text.matchAll(/^---(?=[ \t\r\n]|$)/gm), (m) => m.index)];
  if (starts.length <= max) return undefined;
  // Only documents with content count: blank or comment-only ones are skipped later anyway.
  const blank = (part: string) => part.split('\n').every((line) => /^\s*(?:#.*)?$/.test(line));
  let documents = 0;
  for (const [i, start] of starts.entries()) {
    if (blank(text.slice(i === 0 ? 0 : start + 3, starts[i + 1] ?? text.length))) continue;
    if (++documents > max) return text.slice(0, start).split('\n').length;
  }
  return undefined;
}

/** The body's documents, lexed in slices. */
async function composeDocuments(text: string, lineCounter: LineCounter): Promise<Document.Parsed[]> {
  const parser = new Parser(lineCounter.addNewLine);
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
  const docs: Document.Parsed[] = [];
  const take = (doc: Document.Parsed) => docs.push(doc);
  lineCounter.addNewLine(0);
  const slice = timeSlicer();
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) for (const doc of composer.next(token)) take(doc);
    await slice();
  }
  for (const token of parser.end()) for (const doc of composer.next(token)) take(doc);
  for (const doc of composer.end()) take(doc);
  return docs;
}

/** One document as a Kubernetes object; undefined for an empty document. */
function toManifest(doc: Document.Parsed, index: number, lineCounter: LineCounter): ParsedDocument | undefined {
  const n = index + 1;
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    const overflow = /call stack/i.test(e.message);
    throw new DocumentError({ error: `YAML error in document ${n}: ${overflow ? 'nested too deeply' : e.message.split('\n')[0]}`, document: index, ...at(e.pos[0]) });
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return undefined;
  const start = at(doc.contents.range?.[0] ?? 0);
  if (!isMap(doc.contents)) throw new DocumentError({ error: `document ${n} is not a mapping`, document: index, ...start });
  const duplicate = firstDuplicateKey(doc);
  if (duplicate) throw new DocumentError({ error: `YAML error in document ${n}: map keys must be unique ("${duplicate.key.slice(0, 60)}" appears twice)`, document: index, ...at(duplicate.offset) });
  let object: ParsedDocument['object'];
  try {
    object = doc.toJS({ maxAliasCount: MANIFEST_LIMITS.aliases }) as ParsedDocument['object'];
  } catch (err) {
    // An alias to a missing anchor, or aliases expanding past the limit.
    const alias = firstAlias(doc);
    const why = /excessive alias/i.test(String((err as Error).message)) ? `its aliases expand to too many nodes (at most ${MANIFEST_LIMITS.aliases} alias uses)` : String((err as Error).message);
    throw new DocumentError({ error: `YAML error in document ${n}: ${why}`, document: index, ...(alias ? at(alias) : start) });
  }
  const locateField = (field: string) => locate(doc, lineCounter, field);
  const where = (field: string) => ({ document: index, line: locateField(field)?.line ?? start.line, field });
  if (typeof object.apiVersion !== 'string' || !object.apiVersion) throw new DocumentError({ error: `document ${n}: apiVersion is required`, ...where('apiVersion') });
  if (typeof object.kind !== 'string' || !object.kind) throw new DocumentError({ error: `document ${n}: kind is required`, ...where('kind') });
  if (!object.metadata || typeof object.metadata !== 'object') throw new DocumentError({ error: `document ${n} (${object.kind}): metadata is required`, ...where('metadata') });
  if (typeof object.metadata.name !== 'string' || !object.metadata.name) throw new DocumentError({ error: `document ${n} (${object.kind}): metadata.name is required`, ...where('metadata.name') });
  return { index, object, locate: (field) => (field ? locateField(field) : undefined) ?? start };
}

/** A key given twice in one mapping, found with one set per mapping (linear, unlike a pairwise check). */
function firstDuplicateKey(doc: Document.Parsed): { key: string; offset: number } | undefined {
  let found: { key: string; offset: number } | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) {
          found = { key, offset: pair.key.range?.[0] ?? 0 };
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

function firstAlias(doc: Document.Parsed): number | undefined {
  let offset: number | undefined;
  visit(doc, (_, node) => {
    if (isAlias(node)) {
      offset = node.range?.[0];
      return visit.BREAK;
    }
    return undefined;
  });
  return offset;
}

/**
 * The first line where the YAML nests deeper than `max`, counted before parsing (the parser
 * recurses): flow brackets outside quotes, plus block indentation levels and `- ` items.
 */
export function deepestNesting(text: string, max: number): { line: number } | undefined {
  const indents: number[] = [];
  let flow = 0;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    const content = line.trimStart();
    if (!content || content.startsWith('#')) continue;
    if (flow === 0) {
      const indent = line.length - content.length;
      while (indents.length && indents[indents.length - 1] >= indent) indents.pop();
      indents.push(indent);
      const dashes = /^(?:-\s+)*/.exec(content)![0].split('-').length - 1;
      if (indents.length + dashes > max) return { line: lineNo };
    }
    let quote = '';
    for (let i = 0; i < content.length; i++) {
      const c = content[i];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '#' && /\s/.test(content[i - 1] ?? ' ')) break;
      else if (c === '[' || c === '{') {
        if (indents.length + ++flow > max) return { line: lineNo };
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
    }
  }
  return undefined;
}

/** The deepest node on the path that exists, so a missing field points at its parent. */
function locate(doc: Document, lineCounter: LineCounter, field: string): { line: number; column: number } | undefined {
  const segs = fieldPathSegments(field);
  for (let n = segs.length; n > 0; n--) {
    const node = doc.getIn(segs.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && node.range) {
      // For a scalar, its own line; the key sits on the same line in block style.
      const pos = lineCounter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return undefined;
}
