import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '@mdx-js/mdx';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');
const SLIDES = join(ROOT, 'slides');

const files = readdirSync(SLIDES).filter((f) => f.endsWith('.mdx')).sort();
const source = (file: string) => readFileSync(join(SLIDES, file), 'utf8');
const sceneNames = (parse(readFileSync(join(ROOT, 'manifests/scenes.yaml'), 'utf8')).scenes as { name: string }[]).map((s) => s.name);

const PANELS = ['PodsPanel', 'ResourcePanel', 'CommandCard', 'YamlEditor', 'ProductPagePanel', 'TrafficSplitPanel',
  'ServiceGraphPanel', 'TracesPanel', 'PreflightPanel', 'ApiTabs', 'ApiTab'];
// Panels that show or change the cluster: a slide using one must say which scene it expects.
const LIVE_PANELS = PANELS.filter((p) => !['PreflightPanel', 'ApiTabs', 'ApiTab'].includes(p));

const notesOf = (text: string) => /export const notes = `([^`]*)`/.exec(text)?.[1].trim() ?? '';
const sceneOf = (text: string) => /export const scene = '([^']+)'/.exec(text)?.[1];
const panelsUsed = (text: string) => PANELS.filter((p) => new RegExp(`<${p}[\\s/>]`).test(text));
const manifestPaths = (text: string) => [...text.matchAll(/manifests\/[\w./-]+\.ya?ml/g)].map((m) => m[0]);
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** Commands of the talk as shown, in slide order, one string per command line of a CommandCard. */
function commands(): string[] {
  return files.flatMap((f) => [...source(f).matchAll(/<CommandCard command=(?:"([^"]*)"|\{`([^`]*)`\})/g)]
    .flatMap((m) => (m[1] ?? m[2]).split('\n')));
}

describe('slide files', () => {
  it('are numbered, unique and in order', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
    const numbers = files.map((f) => {
      expect(f).toMatch(/^\d{2,3}-[a-z0-9]+(-[a-z0-9]+)*\.mdx$/);
      return Number(f.split('-')[0]);
    });
    expect(new Set(numbers).size).toBe(numbers.length);
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
  });

  it.each(files)('%s compiles as MDX 3', async (file) => {
    await expect(compile(source(file), { jsx: true })).resolves.toBeTruthy();
    expect(source(file)).not.toMatch(/<!--|\sclass=/);
  });

  it.each(files)('%s has speaker notes someone could present from', (file) => {
    expect(words(notesOf(source(file))), file).toBeGreaterThanOrEqual(50);
  });

  it.each(files)('%s names a scene that exists when it shows live cluster content', (file) => {
    const text = source(file);
    const scene = sceneOf(text);
    if (panelsUsed(text).some((p) => LIVE_PANELS.includes(p))) expect(scene, file).toBeDefined();
    if (scene) expect(sceneNames).toContain(scene);
  });

  it.each(files)('%s imports every panel it uses from the client and refers only to existing files', (file) => {
    const text = source(file);
    const used = panelsUsed(text);
    if (used.length) {
      const imported = /import \{([^}]+)\} from '\.\.\/client\/panels\/index\.ts'/.exec(text)?.[1].split(',').map((s) => s.trim());
      expect(imported?.sort()).toEqual([...used].sort());
    }
    for (const [, path] of text.matchAll(/from '(\.\/components\/[^']+)'/g)) expect(existsSync(join(SLIDES, path)), path).toBe(true);
    for (const path of manifestPaths(text)) expect(existsSync(join(ROOT, path)), `${file}: ${path}`).toBe(true);
  });
});

describe('the talk', () => {
  it('opens on the title slide by JJ Asghar', () => {
    expect(files[0]).toBe('00-title.mdx');
    expect(source(files[0])).toContain('# So what is this Istio thing anyway');
    expect(source(files[0])).toContain('JJ Asghar');
  });

  it('shows the istio-system pods live', () => {
    expect(files.some((f) => source(f).includes('<PodsPanel namespace="istio-system" />'))).toBe(true);
  });

  it('uses every scene of the catalogue', () => {
    const used = new Set(files.map((f) => sceneOf(source(f))));
    for (const name of sceneNames) expect(used, name).toContain(name);
  });

  it('runs the talk commands verbatim', () => {
    const all = commands();
    for (const command of [
      'kubectl get pods && kubectl get svc',
      'kubectl get svc -n istio-system',
      'kubectl get pods -n istio-system',
      'kubectl label namespace default istio-injection=enabled',
      'kubectl apply -f manifests/bookinfo/bookinfo.yaml',
      'kubectl get services && kubectl get pods',
      'kubectl apply -f manifests/networking/bookinfo-gateway.yaml',
      'kubectl get gw',
      'kubectl apply -f manifests/networking/destination-rule-all.yaml',
      'kubectl apply -f manifests/networking/virtual-service-all-v1.yaml',
      'kubectl get virtualservices -o yaml',
      'kubectl get destinationrules -o yaml',
      'kubectl get virtualservice reviews -o yaml',
      `export INGRESS_HOST=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.status.loadBalancer.ingress[0].ip}')`,
      `export INGRESS_PORT=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="http2")].port}')`,
      'export GATEWAY_URL=$INGRESS_HOST:$INGRESS_PORT',
    ]) expect(all).toContain(command);
  });

  it('applies the routing files in the order of the talk', () => {
    const order = ['bookinfo/bookinfo', 'networking/bookinfo-gateway', 'networking/destination-rule-all',
      'networking/virtual-service-all-v1', 'networking/virtual-service-reviews-test-v2',
      'networking/virtual-service-ratings-test-delay', 'networking/virtual-service-reviews-50-v3',
      'networking/virtual-service-reviews-v3', 'networking/virtual-service-ratings-test-abort',
      'networking/virtual-service-reviews-timeout', 'httpbin/destination-rule-httpbin-cb',
      'security/peer-authentication-strict', 'security/authorization-policy-productpage-viewer',
      'networking/destination-rule-reviews'];
    const firstSeen = (name: string) => files.findIndex((f) => manifestPaths(source(f)).includes(`manifests/${name}.yaml`));
    const positions = order.map(firstSeen);
    expect(positions.every((p) => p >= 0), JSON.stringify(positions)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('ends with the Q&A sandbox (an empty editor) and then the presenter-only pre-flight', () => {
    const [sandbox, preflight] = files.slice(-2).map(source);
    expect(sandbox).toContain('<YamlEditor initial="" />');
    expect(sceneOf(sandbox)).toBe('sandbox');
    expect(preflight).toContain('<PreflightPanel />');
    expect(preflight).toContain('export const presenterOnly = true');
  });
});
