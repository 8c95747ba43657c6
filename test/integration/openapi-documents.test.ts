import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_TYPES, ResourceRegistry } from '../../server/embedded/apiserver/registry.ts';
import type { ResourceType } from '../../server/embedded/apiserver/types.ts';
import { rawApiCall, startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { WIDGET } from '../helpers/custom-kind.ts';

let api: TestApiServer;
const widget: ResourceType = { ...WIDGET, schemas: { ...WIDGET.schemas } };

beforeAll(async () => {
  api = await startTestApiServer({ registry: new ResourceRegistry([...RESOURCE_TYPES, widget]) });
});

afterAll(async () => {
  await api?.stop();
});

const get = (path: string) => rawApiCall(api, 'GET', path);
const index = async () => (await get('/openapi/v3')).body.paths as Record<string, { serverRelativeURL: string }>;

/** Every `$ref` in the document names a schema the document holds. */
function danglingRefs(doc: any): string[] {
  const names = new Set(Object.keys(doc.components.schemas));
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k === '$ref' && typeof child === 'string' && !names.has(child.replace('#/components/schemas/', ''))) out.push(child);
        else walk(child);
      }
    }
  };
  walk(doc);
  return out;
}

describe('/openapi/v3 on the embedded API', () => {
  it('lists every group/version with a URL carrying the SHA-512 of its document, which may be cached for good', async () => {
    const paths = await index();
    for (const gv of ['api/v1', 'apis/apps/v1', 'apis/networking.istio.io/v1', 'apis/networking.istio.io/v1beta1', 'apis/networking.istio.io/v1alpha3', 'apis/security.istio.io/v1', 'apis/deck.example.com/v1']) {
      expect(paths[gv].serverRelativeURL).toMatch(new RegExp(`^/openapi/v3/${gv.replaceAll('.', '\\.')}\\?hash=[0-9A-F]{128}$`));
    }
    const url = paths['api/v1'].serverRelativeURL;
    const answer = await get(url);
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('public, immutable');
    expect(url.endsWith(createHash('sha512').update(JSON.stringify(answer.body)).digest('hex').toUpperCase())).toBe(true);
  });

  it('sends a request with an old hash to the current document, and 404s a group/version it does not serve', async () => {
    const stale = await get('/openapi/v3/apis/apps/v1?hash=0');
    expect(stale.status).toBe(301);
    expect(stale.headers.location).toBe((await index())['apis/apps/v1'].serverRelativeURL);
    expect((await get('/openapi/v3/apis/apps/v2')).status).toBe(404);
    expect((await get('/openapi/v3/apis/nothing.example.com/v1')).status).toBe(404);
  });

  it('holds each kind under its Kubernetes name, tagged with its group/version/kind, and every definition it refers to', async () => {
    const paths = await index();
    const core = (await get(paths['api/v1'].serverRelativeURL)).body;
    expect(core.components.schemas['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind: 'Pod' }]);
    expect(core.components.schemas['io.k8s.api.core.v1.PodSpec'].required).toEqual(['containers']);
    expect(danglingRefs(core)).toEqual([]);
    const beta = (await get(paths['apis/networking.istio.io/v1beta1'].serverRelativeURL)).body;
    const vs = beta.components.schemas['io.istio.networking.v1beta1.VirtualService'];
    expect(vs['x-kubernetes-group-version-kind']).toEqual([{ group: 'networking.istio.io', version: 'v1beta1', kind: 'VirtualService' }]);
    expect(vs.properties.metadata.allOf[0].$ref).toBe('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(danglingRefs(beta)).toEqual([]);
    const patch = beta.paths['/apis/networking.istio.io/v1beta1/namespaces/{namespace}/virtualservices/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'networking.istio.io', version: 'v1beta1', kind: 'VirtualService' });
    expect(patch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
    const apps = (await get(paths['apis/apps/v1'].serverRelativeURL)).body;
    expect(Object.keys(apps.components.schemas)).toEqual(expect.arrayContaining(['io.k8s.api.apps.v1.Deployment', 'io.k8s.api.core.v1.PodTemplateSpec', 'io.k8s.api.core.v1.Container']));
    expect(danglingRefs(apps)).toEqual([]);
    expect(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status'].put['x-kubernetes-action']).toBe('put');
  });

  it("publishes a CRD kind's new schema under a new hash", async () => {
    const coreBefore = (await index())['api/v1'].serverRelativeURL;
    const before = (await index())['apis/deck.example.com/v1'].serverRelativeURL;
    const doc = (await get(before)).body;
    expect(doc.components.schemas['com.example.deck.v1.Widget'].properties.spec.properties).not.toHaveProperty('colour');
    const v1 = WIDGET.schemas!.v1;
    widget.schemas = { v1: { ...v1, properties: { ...v1.properties, spec: { ...v1.properties!.spec, properties: { ...v1.properties!.spec.properties, colour: { type: 'string' } } } } } };
    const after = (await index())['apis/deck.example.com/v1'].serverRelativeURL;
    expect(after).not.toBe(before);
    expect((await get(after)).body.components.schemas['com.example.deck.v1.Widget'].properties.spec.properties.colour).toEqual({ type: 'string' });
    expect((await get(before)).headers.location).toBe(after);
    // The other group/versions keep their documents and hashes.
    expect((await index())['api/v1'].serverRelativeURL).toBe(coreBefore);
  });
});
