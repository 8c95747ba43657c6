/**
 * The embedded API called as a fetch-style handler, with no socket (as a worker will call
 * it): the answers are those kubectl and raw HTTPS clients get from the same store.
 */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawApiCall, startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { makeKubectl } from '../helpers/kubectl.ts';
import { until } from '../helpers/until.ts';
import { ApiHandler } from '../../server/embedded/apiserver/api-handler.ts';

let api: TestApiServer;
let handler: ApiHandler;

beforeAll(async () => {
  api = await startTestApiServer();
  handler = api.server.api;
});
afterAll(async () => {
  await api.stop();
});

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

/** One request straight to the handler; the origin is never dialled. */
function call(method: string, path: string, body?: unknown, contentType = 'application/json', token = api.token): Promise<Response> {
  return handler.handle(
    new Request(`https://embedded.invalid${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

const configMap = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

/** Reads newline-separated JSON events off a streamed body as they arrive. */
function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  return {
    reader,
    async next(): Promise<{ type: string; object: any } | undefined> {
      for (;;) {
        const newline = pending.indexOf('\n');
        if (newline >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line.trim()) return JSON.parse(line);
          continue;
        }
        const { done, value } = await reader.read();
        if (done) return undefined;
        pending += decoder.decode(value, { stream: true });
      }
    },
  };
}

describe('the API as a fetch-style handler', () => {
  it('creates, gets and lists objects, as the store holds them', async () => {
    const created = await call('POST', CONFIGMAPS, configMap('fetch-one', { colour: 'blue' }));
    expect(created.status).toBe(201);
    const saved = await created.json();
    expect(saved.metadata.uid).toBeTruthy();
    expect(api.store.get(api.store.registry.mustGet('', 'configmaps'), 'default', 'fetch-one')?.data).toEqual({ colour: 'blue' });

    const got = await call('GET', `${CONFIGMAPS}/fetch-one`);
    expect(got.status).toBe(200);
    expect((await got.json()).data).toEqual({ colour: 'blue' });

    const listed = await (await call('GET', CONFIGMAPS)).json();
    expect(listed.kind).toBe('ConfigMapList');
    expect(listed.items.map((o: any) => o.metadata.name)).toContain('fetch-one');
  });

  it('streams a list of hundreds of objects whole, in name order', async () => {
    const secrets = api.store.registry.mustGet('', 'secrets');
    for (let i = 0; i < 600; i++) api.store.create(secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${String(i).padStart(3, '0')}`, namespace: 'default' } });
    const res = await call('GET', '/api/v1/namespaces/default/secrets');
    expect(res.headers.get('content-length')).toBeNull();
    const list = JSON.parse(await res.text());
    expect(list.items).toHaveLength(600);
    expect(list.items[599].metadata.name).toBe('s-599');
  });

  it('streams a watch: ADDED, then MODIFIED on a change; cancelling the body ends the watch', async () => {
    await call('POST', CONFIGMAPS, configMap('watched', { step: '1' }));
    const before = handler.watches.size;
    const res = await call('GET', `${CONFIGMAPS}?watch=1&fieldSelector=metadata.name%3Dwatched`);
    expect(res.status).toBe(200);
    expect(handler.watches.size).toBe(before + 1);
    const events = eventReader(res.body!);
    const added = await events.next();
    expect(added?.type).toBe('ADDED');
    expect(added?.object.data).toEqual({ step: '1' });

    const patched = await call('PATCH', `${CONFIGMAPS}/watched`, { data: { step: '2' } }, 'application/merge-patch+json');
    expect(patched.status).toBe(200);
    const modified = await events.next();
    expect(modified?.type).toBe('MODIFIED');
    expect(modified?.object.data).toEqual({ step: '2' });

    await events.reader.cancel();
    expect(handler.watches.size).toBe(before);
  });

  it('closes a watch body after timeoutSeconds and lets the watch go', async () => {
    const before = handler.watches.size;
    const res = await call('GET', `${CONFIGMAPS}?watch=1&timeoutSeconds=1&resourceVersion=${api.store.resourceVersion}`);
    const events = eventReader(res.body!);
    expect(await events.next()).toBeUndefined();
    expect(handler.watches.size).toBe(before);
  });

  it('lets a watch go when an HTTPS client hangs up mid-stream', async () => {
    const before = handler.watches.size;
    const added = new Promise<() => void>((resolve, reject) => {
      const req = request(new URL(`${CONFIGMAPS}?watch=1`, api.server.url), { rejectUnauthorized: false, headers: { authorization: `Bearer ${api.token}` } }, (res) => {
        res.once('data', () => resolve(() => req.destroy()));
      });
      req.on('error', () => {});
      req.on('close', () => reject(new Error('the watch closed before its first event')));
      req.end();
    });
    const hangUp = await added;
    expect(handler.watches.size).toBe(before + 1);
    hangUp();
    await until(() => handler.watches.size === before, 'the watch is still registered after the client hung up', 5000, 10);
  });

  it('refuses a bad body with the same Status that HTTPS clients get', async () => {
    const bad = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "broken"';
    const direct = await call('POST', CONFIGMAPS, bad);
    const overHttps = await rawApiCall(api, 'POST', CONFIGMAPS, bad);
    expect(direct.status).toBe(400);
    expect(overHttps.status).toBe(400);
    const status = await direct.json();
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    expect(status.message).toMatch(/^error decoding JSON body: /);
    expect(overHttps.body).toEqual(status);
  });

  it('answers a missing object with the Status whose message kubectl prints', async () => {
    const direct = await call('GET', `${CONFIGMAPS}/not-there`);
    expect(direct.status).toBe(404);
    const status = await direct.json();
    const kubectl = makeKubectl(api.kubeconfigPath);
    try {
      const r = await kubectl.run(['get', 'configmap', 'not-there']);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim()).toBe(`Error from server (${status.reason}): ${status.message}`);
    } finally {
      kubectl.cleanup();
    }
  });

  it('says Unauthorized to a request without the token, as over HTTPS', async () => {
    const direct = await call('GET', CONFIGMAPS, undefined, 'application/json', 'wrong');
    expect(direct.status).toBe(401);
    expect(await direct.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('stops answering watches once closed, without disturbing a server over the same store', async () => {
    const spare = new ApiHandler({ store: api.store, token: api.token });
    const res = await spare.handle(new Request(`https://embedded.invalid${CONFIGMAPS}?watch=1`, { headers: { authorization: `Bearer ${api.token}` } }));
    const events = eventReader(res.body!);
    expect((await events.next())?.type).toBe('ADDED');
    spare.close();
    expect(spare.watches.size).toBe(0);
    for (let e = await events.next(); e; e = await events.next()) expect(e.type).toBe('ADDED');
    expect((await spare.handle(new Request(`https://embedded.invalid${CONFIGMAPS}?watch=1`, { headers: { authorization: `Bearer ${api.token}` } }))).type).toBe('error');
    expect((await call('GET', `${CONFIGMAPS}/fetch-one`)).status).toBe(200);
  });
});
