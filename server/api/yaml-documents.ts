import { LineCounter, parseAllDocuments, isMap, type Document } from 'yaml';
import type { ApiErrorBody } from '../protocol.ts';

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

/** Parses multi-document YAML, keeping source positions; rejects anything that is not a Kubernetes object. */
export function parseManifests(text: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(docs)) throw new DocumentError({ error: 'the body is not YAML' });
  const out: ParsedDocument[] = [];
  let index = 0;
  for (const doc of docs) {
    if (doc.errors.length) {
      const e = doc.errors[0];
      const pos = lineCounter.linePos(e.pos[0]);
      throw new DocumentError({ error: `YAML error in document ${index + 1}: ${e.message.split('\n')[0]}`, document: index, line: pos.line, column: pos.col });
    }
    if (doc.contents === null) continue; // an empty document between two `---`
    const start = lineCounter.linePos(doc.contents.range?.[0] ?? 0);
    if (!isMap(doc.contents)) throw new DocumentError({ error: `document ${index + 1} is not a mapping`, document: index, line: start.line, column: start.col });
    const object = doc.toJS() as ParsedDocument['object'];
    const where = (field: string) => ({ document: index, line: locate(doc, lineCounter, field)?.line ?? start.line, field });
    if (typeof object.apiVersion !== 'string' || !object.apiVersion) throw new DocumentError({ error: `document ${index + 1}: apiVersion is required`, ...where('apiVersion') });
    if (typeof object.kind !== 'string' || !object.kind) throw new DocumentError({ error: `document ${index + 1}: kind is required`, ...where('kind') });
    if (!object.metadata || typeof object.metadata !== 'object') throw new DocumentError({ error: `document ${index + 1} (${object.kind}): metadata is required`, ...where('metadata') });
    if (typeof object.metadata.name !== 'string' || !object.metadata.name) throw new DocumentError({ error: `document ${index + 1} (${object.kind}): metadata.name is required`, ...where('metadata.name') });
    const i = index;
    out.push({ index: i, object, locate: (field) => (field ? locate(doc, lineCounter, field) : undefined) ?? { line: start.line, column: start.col } });
    index++;
  }
  if (!out.length) throw new DocumentError({ error: 'no documents: the body is empty' });
  return out;
}

/** `spec.http[0].route[0].weight` → ['spec','http',0,'route',0,'weight']. */
export function fieldPathSegments(path: string): Array<string | number> {
  const segs: Array<string | number> = [];
  for (const part of path.replace(/^\./, '').split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      segs.push(part);
      continue;
    }
    if (m[1]) segs.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) segs.push(Number(idx[1]));
  }
  return segs;
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
