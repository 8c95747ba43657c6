import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import * as k8s from '@kubernetes/client-node';
import type { ClusterConnection } from './connection.ts';
import { collectionPath, kindInfo } from '../kinds.ts';

/** What kubectl asks for to print `kubectl get`: the server's own columns and cells. */
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json';

/** A Table of a few hundred objects is well under a megabyte; more than this is not a Table we print. */
const MAX_TABLE_BYTES = 8 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export interface TableColumn {
  name: string;
  type?: string;
  /** `name` marks the column of object names. */
  format?: string;
  /** 0: `kubectl get` shows it; more: only `-o wide`. */
  priority?: number;
}

export interface TableRow {
  cells: unknown[];
  object?: { metadata?: { name?: string } };
}

/** A meta.k8s.io/v1 Table, as the API server renders a list for `kubectl get`. */
export interface ServerTable {
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

/**
 * Lists a kind in a namespace (or the one object `name`) as the API server's Table, through
 * the connection's kubeconfig as every other request. Undefined when the server answers
 * with a plain list instead (a server may not render tables); a refusal throws client-node's
 * ApiException, so it is reported as any other API error.
 */
export async function listAsTable(connection: ClusterConnection, kind: string, namespace: string, name?: string): Promise<ServerTable | undefined> {
  const server = connection.server;
  if (!server) throw new Error('the kubeconfig names no cluster server');
  const query = name ? `?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}` : '';
  const url = new URL(server.replace(/\/$/, '') + collectionPath(kindInfo(kind), namespace) + query);
  const opts: RequestOptions = { method: 'GET', headers: { Accept: TABLE_ACCEPT }, timeout: TIMEOUT_MS };
  await connection.kc.applyToHTTPSOptions(opts);
  const reply = await get(url, opts);
  if (reply.status < 200 || reply.status > 299) throw new k8s.ApiException(reply.status, `HTTP ${reply.status} from ${url.pathname}`, reply.body, reply.headers);
  let parsed;
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    return undefined; // not JSON: no table to print
  }
  if (parsed?.kind !== 'Table' || !Array.isArray(parsed.columnDefinitions) || !Array.isArray(parsed.rows)) return undefined;
  return parsed as ServerTable;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function get(url: URL, opts: RequestOptions): Promise<Reply> {
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, opts, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_TABLE_BYTES) {
          req.destroy(new Error(`the API server's table for ${url.pathname} is over ${MAX_TABLE_BYTES / 1024 / 1024} MiB`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`the API server did not answer ${url.pathname} within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}
