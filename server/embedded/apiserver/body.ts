import { Lexer, parse as parseYaml } from 'yaml';
import { ApiError, badRequest } from './errors.ts';
import { PATCH_TYPES } from './patch.ts';
import { PROTOBUF_CONTENT_TYPE, decodeProtobufObject } from './protobuf.ts';
import { concatBytes } from '../portable/bytes.ts';

/** Request bodies larger than this get 413, like a real API server's 3 MiB limit. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Deepest nesting a body may have. The merge and field-ownership walks recurse once per
 * level, so the bound keeps them far from the stack's end; Kubernetes objects nest fewer
 * than 30 levels, so 100 refuses nothing real.
 */
export const MAX_NESTING_DEPTH = 100;

export const JSON_TYPE = 'application/json';

/** The media types a write body may have; anything else is 415 before the body is read. */
const BODY_TYPES = new Set<string>([JSON_TYPE, 'application/yaml', PROTOBUF_CONTENT_TYPE, ...Object.values(PATCH_TYPES)]);

const tooLarge = () => new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY_BYTES}`);

export const mediaType = (req: Request) => (req.headers.get('content-type') ?? JSON_TYPE).split(';')[0].trim().toLowerCase();

/** The body, refused with 413 as soon as it passes MAX_BODY_BYTES (declared or sent). */
export async function readBody(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      // The rest is not read: the connection it comes on is given up.
      void reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return concatBytes(chunks, size);
}

/** A body as UTF-8 text (invalid sequences replaced), for the places that only look at it. */
export const bodyText = (body: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);

/** 415 for a body whose Content-Type the API cannot decode, as kube-apiserver answers it. */
export function checkBodyType(req: Request): void {
  const type = mediaType(req);
  if (BODY_TYPES.has(type)) return;
  throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${[...BODY_TYPES].join(', ')}`);
}

/** Parses a request body by Content-Type: JSON, YAML (apply patches) or kubectl's protobuf. */
export function parseBody(req: Request, body: Uint8Array): any {
  const type = mediaType(req);
  if (type === PROTOBUF_CONTENT_TYPE) return decodeProtobufObject(body);
  const text = decodeUtf8(body);
  if (!text.trim()) throw badRequest('the request body is empty; expected a JSON object');
  const looksJson = /^\s*[{[]/.test(text);
  if (type === PATCH_TYPES.apply || type.endsWith('yaml')) {
    // kubectl and client-node send apply patches as JSON, which is YAML too; JSON.parse reads it in linear time.
    if (looksJson) {
      const parsed = tryJson(text);
      if (parsed.ok) return parsed.value;
    }
    checkYamlDepth(text);
    try {
      // Duplicate keys: the last wins, as the apiserver's default (warn) field validation does;
      // the YAML library's own check compares every key with every other one.
      return parseYaml(text, { uniqueKeys: false });
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message}`);
    }
  }
  const parsed = tryJson(text);
  if (!parsed.ok) throw badRequest(`error decoding JSON body: ${parsed.message}`);
  return parsed.value;
}

function decodeUtf8(body: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw badRequest('the request body is not valid UTF-8');
  }
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const tooDeep = jsonDepthError(text);
  if (tooDeep) return { ok: false, message: tooDeep };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

const depthMessage = (line: number) => `the object nests deeper than ${MAX_NESTING_DEPTH} levels (line ${line})`;

/** Scans JSON text once, before parsing: the nesting depth outside strings. */
function jsonDepthError(text: string): string | undefined {
  let depth = 0;
  let line = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_NESTING_DEPTH) return depthMessage(line);
    } else if (c === 125 || c === 93) depth--;
  }
  return undefined;
}

/**
 * The YAML lexer runs without recursion; from its tokens, block nesting is the stack of
 * indentation columns (keys and `-` items), flow nesting the open brackets.
 */
function checkYamlDepth(text: string): void {
  const columns: number[] = [];
  let flow = 0;
  let line = 1;
  let column = 0;
  let lineStart = true;
  for (const token of new Lexer().lex(text)) {
    if (token === '\n' || token === '\r\n') {
      line++;
      column = 0;
      lineStart = true;
      continue;
    }
    if (token.length === 1 && token.charCodeAt(0) < 32) continue; // the lexer's markers take no room
    if (token === '---' || token === '...') {
      columns.length = 0;
      flow = 0;
    }
    const blank = /^[ \t]*$/.test(token);
    if (!blank && flow === 0 && (lineStart || token === '-')) {
      while (columns.length && columns[columns.length - 1] >= column) columns.pop();
      columns.push(column);
      lineStart = false;
    }
    if (token === '[' || token === '{') flow++;
    else if (token === ']' || token === '}') flow = Math.max(0, flow - 1);
    if (columns.length + flow > MAX_NESTING_DEPTH) throw badRequest(`error decoding YAML: ${depthMessage(line)}`);
    column += token.length;
    for (let i = token.indexOf('\n'); i >= 0; i = token.indexOf('\n', i + 1)) line++;
  }
}
