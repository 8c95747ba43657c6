import { yieldToLoop } from './codec.ts';
import type { ObjectStore } from './store.ts';
import type { Matcher } from './selectors.ts';
import type { KubeObject, ResourceType, StoreEvent } from './types.ts';

/** A slow client that lets this much pile up is cut off; it resumes from its last resourceVersion. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * The initial replay is written this many events per turn of the event loop, so a watch
 * of thousands of objects never holds the loop (nor the other requests) for long.
 */
export const REPLAY_SLICE = 200;

/** Past this much unsent output the replay waits for the client to read, instead of piling up. */
const REPLAY_HIGH_WATER_BYTES = 1024 * 1024;

const encoder = new TextEncoder();
const HEARTBEAT = encoder.encode('\n');

export interface WatchRequest {
  type: ResourceType;
  /** Only objects in this namespace; undefined = all. */
  namespace?: string;
  labels: Matcher;
  fields: Matcher;
  /** A label or field selector was given (objects can move in and out of the watch). */
  hasSelector: boolean;
  /** '' or '0': start with ADDED for every current object; otherwise replay after it. */
  resourceVersion: string;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
  /** Turns a stored object into what goes on the wire (version rewrite, Table row). */
  render: (obj: KubeObject, first: boolean) => unknown;
  /** Watches with the same key render an object identically (one JSON line shared by all). */
  renderKey: string;
  /** The BOOKMARK object for a resourceVersion. */
  bookmark: (resourceVersion: string) => unknown;
}

interface Watcher {
  req: WatchRequest;
  send: (type: string, obj: KubeObject, memo?: Map<string, Uint8Array>) => void;
  end: () => void;
  /** With a selector: the objects that matched last time, so leaving it reads as DELETED. */
  matching?: Set<string>;
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Every open watch of one API server, fed by one store listener. */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private readonly unsubscribe: () => void;
  private disposed = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly heartbeatMs: number,
  ) {
    this.unsubscribe = store.onEvent((e) => this.dispatch(e));
  }

  get size(): number {
    return this.watchers.size;
  }

  private dispatch(e: StoreEvent): void {
    // One change fanned out to many watchers is serialised once per rendering.
    const memo = new Map<string, Uint8Array>();
    for (const w of this.watchers) {
      // The apiserver closes the watches of a kind whose CRD is gone.
      if (e.type === 'DELETED' && w.req.type.customResource?.definition.metadata.name === e.object.metadata.name && e.resource.kind === 'CustomResourceDefinition') {
        w.end();
        continue;
      }
      if (w.req.type !== e.resource) continue;
      const now = matches(w.req, e.object);
      if (!w.matching) {
        if (now) w.send(e.type, e.object, memo);
        continue;
      }
      const key = keyOf(e.object);
      const before = w.matching.has(key);
      if (e.type === 'DELETED' || !now) {
        w.matching.delete(key);
        if (before || (e.type === 'DELETED' && now)) w.send('DELETED', e.object, memo);
      } else {
        w.matching.add(key);
        w.send(before || e.type === 'ADDED' ? e.type : 'ADDED', e.object, memo);
      }
    }
  }

  /**
   * One watch as a streamed response: each event a JSON line enqueued as it happens, closed
   * when the watch ends (timeout, CRD gone, shutdown); a cancelled body unregisters it. An
   * expired resourceVersion gets an ERROR event with a 410 Status, then the stream closes and
   * the client re-lists.
   */
  serve(req: WatchRequest, contentType: string): Response {
    if (this.disposed) return Response.error();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let open = true;
    let clientRead: (() => void) | undefined;
    const timers: Array<ReturnType<typeof setTimeout>> = [];
    const release = () => {
      open = false;
      this.watchers.delete(watcher);
      for (const t of timers) clearTimeout(t);
      clientRead?.();
    };
    const end = () => {
      if (!open) return;
      controller.close();
      release();
    };
    const body = new ReadableStream<Uint8Array>(
      {
        start: (c) => void (controller = c),
        // Called when the client waits on an empty queue: a replay held back may go on.
        pull: () => {
          clientRead?.();
          clientRead = undefined;
        },
        cancel: release,
      },
      // Sized in bytes and never asked to fill ahead, so the queue's size is what the client has not read.
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
    const unread = () => -(controller.desiredSize ?? 0);
    const writeBytes = (bytes: Uint8Array) => {
      if (!open) return;
      controller.enqueue(bytes);
      if (unread() > MAX_BUFFERED_BYTES) end();
    };
    const write = (line: unknown) => writeBytes(encoder.encode(JSON.stringify(line) + '\n'));
    let first = true;
    const render = (type: string, obj: KubeObject) => {
      const text = JSON.stringify({ type, object: req.render(obj, first) }) + '\n';
      first = false;
      return text;
    };
    // Changes that happen while the replay is still being written wait behind it, in order.
    let held: Uint8Array[] | undefined = [];
    let heldBytes = 0;
    const send = (type: string, obj: KubeObject, memo?: Map<string, Uint8Array>) => {
      const key = `${type}|${req.renderKey}`;
      let bytes = memo?.get(key);
      if (bytes === undefined) {
        bytes = encoder.encode(render(type, obj));
        memo?.set(key, bytes);
      }
      first = false;
      if (!held) return writeBytes(bytes);
      held.push(bytes);
      // A client that stops reading mid-replay is cut off like any slow one, not held for in memory.
      if ((heldBytes += bytes.byteLength) > MAX_BUFFERED_BYTES) end();
    };
    const response = new Response(body, { status: 200, headers: { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private' } });

    let replay: Array<{ type: string; object: KubeObject }>;
    const rv = req.resourceVersion;
    if (!rv || rv === '0') {
      replay = this.current(req).map((object) => ({ type: 'ADDED', object }));
    } else {
      const n = Number(rv);
      const events = Number.isInteger(n) && n >= 0 ? this.store.eventsSince(n) : 'expired';
      if (events === 'expired') {
        write({ type: 'ERROR', object: expiredStatus(rv, this.store.oldestResumableVersion) });
        controller.close();
        return response;
      }
      replay = events.filter((e) => e.resource === req.type && matches(req, e.object)).map((e) => ({ type: e.type, object: e.object }));
    }

    const watcher: Watcher = {
      req,
      matching: req.hasSelector ? new Set(this.current(req).map(keyOf)) : undefined,
      send,
      end,
    };
    // Registered in the same tick as the replay was computed, so no event falls in between.
    this.watchers.add(watcher);
    const waitForClient = () => new Promise<void>((resolve) => (clientRead = resolve));
    void this.writeReplay(replay, render, writeBytes, { isOpen: () => open, unread, waitForClient }).then(() => {
      const waiting = held ?? [];
      held = undefined;
      for (const bytes of waiting) writeBytes(bytes);
    });

    timers.push(
      setInterval(() => {
        // A bookmark's resourceVersion must not run ahead of a replay still being written.
        if (held) return;
        if (req.allowBookmarks) write({ type: 'BOOKMARK', object: req.bookmark(String(this.store.resourceVersion)) });
        else writeBytes(HEARTBEAT);
      }, this.heartbeatMs),
    );
    if (req.timeoutSeconds && req.timeoutSeconds > 0) timers.push(setTimeout(end, req.timeoutSeconds * 1000));
    return response;
  }

  /** The replay, a slice per turn; when the client falls behind, it waits for the client to read. */
  private async writeReplay(
    replay: Array<{ type: string; object: KubeObject }>,
    render: (type: string, obj: KubeObject) => string,
    writeBytes: (bytes: Uint8Array) => void,
    client: { isOpen: () => boolean; unread: () => number; waitForClient: () => Promise<void> },
  ): Promise<void> {
    for (let i = 0; i < replay.length; i += REPLAY_SLICE) {
      if (!client.isOpen()) return;
      if (i) await (client.unread() > REPLAY_HIGH_WATER_BYTES ? client.waitForClient() : yieldToLoop());
      if (!client.isOpen()) return;
      let text = '';
      for (const e of replay.slice(i, i + REPLAY_SLICE)) text += render(e.type, e.object);
      writeBytes(encoder.encode(text));
    }
  }

  private current(req: WatchRequest): KubeObject[] {
    return this.store.list(req.type, req.namespace).filter((o) => matches(req, o));
  }

  /** Ends every open watch (server shutdown); clients resume from their last resourceVersion. */
  closeAll(): void {
    for (const w of [...this.watchers]) w.end();
    this.watchers.clear();
  }

  dispose(): void {
    this.disposed = true;
    this.closeAll();
    this.unsubscribe();
  }
}

function matches(req: WatchRequest, obj: KubeObject): boolean {
  if (req.namespace && req.type.namespaced && obj.metadata.namespace !== req.namespace) return false;
  return req.labels(obj) && req.fields(obj);
}

export function expiredStatus(requested: string, oldest: number) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `too old resource version: ${requested} (${oldest})`,
    reason: 'Expired',
    code: 410,
  };
}
