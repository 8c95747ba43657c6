// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveClient } from '../../client/live/client.ts';
import { LiveClientContext } from '../../client/live/index.ts';
import { CommandCard } from '../../client/panels/CommandCard.tsx';
import { PodsPanel } from '../../client/panels/PodsPanel.tsx';
import { ResourcePanel } from '../../client/panels/ResourcePanel.tsx';
import { layoutGraph, ServiceGraphPanel } from '../../client/panels/ServiceGraphPanel.tsx';
import { TrafficSplitPanel } from '../../client/panels/TrafficSplitPanel.tsx';
import { YamlEditor } from '../../client/panels/YamlEditor.tsx';
import type { GraphSnapshot, PodSummary, ServerMessage, TrafficSecond } from '../../server/protocol.ts';
import { FakeSocket } from '../helpers/fake-socket.ts';

vi.mock('../../client/editor/MonacoYaml.tsx', () => ({ default: () => <div data-testid="monaco">monaco</div> }));

let client: LiveClient;
const ws = () => FakeSocket.last;
const send = (m: ServerMessage) => act(() => ws().receive(m));
const mount = (ui: ReactNode) => render(<LiveClientContext.Provider value={client}>{ui}</LiveClientContext.Provider>);
const pod = (name: string, extra: Partial<PodSummary> = {}): PodSummary => ({
  name,
  namespace: 'default',
  ready: '2/2',
  status: 'Running',
  restarts: 0,
  creationTimestamp: new Date(Date.now() - 90_000).toISOString(),
  hasSidecar: true,
  version: 'v2',
  resourceVersion: '1',
  ...extra,
});

beforeEach(() => {
  sessionStorage.clear();
  client = new LiveClient({ url: 'ws://deck/ws', WebSocketImpl: FakeSocket as any, initialBackoffMs: 60_000 });
  act(() => ws().open());
});
afterEach(() => {
  cleanup();
  client.close();
  vi.unstubAllGlobals();
});

describe('PodsPanel', () => {
  it('goes from connecting to a kubectl-like table, announces changes, and says when it is disconnected', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T12:00:00Z'));
    const { container } = mount(<PodsPanel namespace="default" />);
    expect(screen.getByText('Connecting…')).toBeTruthy();
    send({ type: 'snapshot', topic: 'resources/Pod/default', seq: 1, data: { items: [] } });
    expect(screen.getByText('No resources found in default namespace.')).toBeTruthy();

    send({ type: 'change', topic: 'resources/Pod/default', seq: 2, data: { op: 'upsert', item: pod('reviews-v2-5fc9-r8zqm', { status: 'Pending', ready: '0/2' }) } });
    const row = container.querySelector('tr[data-pod="reviews-v2-5fc9-r8zqm"]')!;
    expect([...row.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['reviews-v2-5fc9-r8zqm', '0/2', 'Pending', '0', '90s', 'envoy', 'v2']);
    expect(screen.getByRole('status').textContent).toBe('pod reviews-v2-5fc9-r8zqm is Pending (0/2 ready)');

    act(() => ws().drop());
    expect(screen.getByText(/Disconnected from the deck server/)).toBeTruthy();
    expect(container.querySelector('tr[data-pod]')).toBeTruthy(); // last state still shown
    vi.useRealTimers();
  });

  it('counts ages in the cluster\'s time when the embedded cluster runs a sped-up clock', () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    vi.setSystemTime(new Date('2026-11-25T12:00:00Z'));
    const { container } = mount(<PodsPanel namespace="default" />);
    // The cluster's clock is an hour ahead of this browser's and runs 10x faster.
    const clusterNowMs = Date.parse('2026-11-25T13:00:00Z');
    send({ type: 'snapshot', topic: 'health', seq: 1, data: { mode: 'embedded', cluster: 'c', connected: true, istio: true, clock: { nowMs: clusterNowMs, scale: 0.1 } } });
    send({ type: 'snapshot', topic: 'resources/Pod/default', seq: 1, data: { items: [pod('ratings-v1-a', { creationTimestamp: new Date(clusterNowMs - 120_000).toISOString() })] } });
    const age = () => container.querySelector('tr[data-pod="ratings-v1-a"] td:nth-child(5)')!.textContent;
    expect(age()).toBe('2m');
    act(() => vi.advanceTimersByTime(6_000)); // 6 real s = 60 cluster s
    expect(age()).toBe('3m');
    vi.useRealTimers();
  });

  it('shows the server error for a topic', () => {
    mount(<PodsPanel namespace="kube-system" />);
    send({ type: 'error', topic: 'resources/Pod/kube-system', message: 'namespace not allowed' });
    expect(screen.getByRole('alert').textContent).toContain('namespace not allowed');
  });
});

describe('ResourcePanel', () => {
  const vs = (v1: number, v3: number) => ({
    kind: 'VirtualService',
    name: 'reviews',
    namespace: 'default',
    creationTimestamp: '',
    resourceVersion: '1',
    object: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', managedFields: [{}] }, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: v1 }, { destination: { host: 'reviews', subset: 'v3' }, weight: v3 }] }] } },
  });

  it('shows the YAML without server bookkeeping, highlights the changed lines and says who now gets traffic', () => {
    const { container } = mount(<ResourcePanel kind="VirtualService" namespace="default" name="reviews" />);
    send({ type: 'snapshot', topic: 'resources/VirtualService/default', seq: 1, data: { items: [vs(100, 0)] } });
    expect(container.querySelector('.yaml-view')!.textContent).toContain('subset: v3');
    expect(container.querySelector('.yaml-view')!.textContent).not.toContain('managedFields');
    send({ type: 'change', topic: 'resources/VirtualService/default', seq: 2, data: { op: 'upsert', item: vs(50, 50) } });
    expect(screen.getByRole('status').textContent).toBe('reviews-v1 now receives 50%; reviews-v3 now receives 50%');
    expect([...container.querySelectorAll('.just-changed')].map((l) => l.textContent!.trim())).toEqual(['weight: 50', 'weight: 50']);
    // A change to another VirtualService is not announced as this one's.
    const details = { ...vs(100, 0), name: 'details', object: { kind: 'VirtualService', metadata: { name: 'details' }, spec: { hosts: ['details'], http: [{ route: [{ destination: { host: 'details', subset: 'v1' } }] }] } } };
    send({ type: 'change', topic: 'resources/VirtualService/default', seq: 3, data: { op: 'upsert', item: details } });
    expect(screen.getByRole('status').textContent).toBe('reviews-v1 now receives 50%; reviews-v3 now receives 50%');
  });

  it('says when the named object does not exist', () => {
    mount(<ResourcePanel kind="DestinationRule" namespace="default" name="reviews" />);
    send({ type: 'snapshot', topic: 'resources/DestinationRule/default', seq: 1, data: { items: [] } });
    expect(screen.getByText('DestinationRule reviews does not exist in default (yet).')).toBeTruthy();
  });
});

describe('service graph layout', () => {
  it('puts a caller the talk does not name left of what it calls (fortio → httpbin)', () => {
    const nodes = [
      { id: 'fortio', app: 'fortio', namespace: 'default', kind: 'workload' as const },
      { id: 'httpbin-v1', app: 'httpbin', version: 'v1', namespace: 'default', kind: 'workload' as const },
      { id: 'httpbin.default', app: 'httpbin', namespace: 'default', kind: 'service' as const },
    ];
    const edges = [
      { source: 'fortio', target: 'httpbin-v1', rps: 1, errorPct: 0, p99Ms: 5 },
      { source: 'fortio', target: 'httpbin.default', rps: 1, errorPct: 100, p99Ms: 1 },
    ];
    const { boxes } = layoutGraph(nodes, edges);
    const x = (app: string) => boxes.find((b) => b.app === app)!.x;
    expect(x('fortio')).toBeLessThan(x('httpbin'));
    expect(boxes).toHaveLength(2); // the overflow's service node sits in httpbin's box
  });
});

describe('TrafficSplitPanel and ServiceGraphPanel', () => {
  it('summarises the split per user', () => {
    mount(<TrafficSplitPanel />);
    const seconds: TrafficSecond[] = [1, 2, 3].flatMap((t): TrafficSecond[] => [
      { t, user: 'anonymous', counts: { v1: 5, v3: 5 }, latencyMs: { p50: 20, p99: 40, max: 50 } },
      { t, user: 'jason', counts: { v2: 9, 'ratings-error': 1 }, latencyMs: { p50: 20, p99: 40, max: 50 } },
    ]);
    send({ type: 'snapshot', topic: 'traffic', seq: 1, data: { running: true, users: ['anonymous', 'jason'], seconds } });
    expect(screen.getByRole('status').textContent).toBe('anonymous: reviews-v1 50%, reviews-v3 50%; jason: reviews-v2 90%, errors 10%');
  });

  it('draws versions inside their service and announces a shift', () => {
    const graph = (v3: number): GraphSnapshot => ({
      windowSeconds: 10,
      nodes: ['v1', 'v3'].map((v) => ({ id: `reviews-${v}`, app: 'reviews', version: v, namespace: 'default', kind: 'workload' as const })).concat([{ id: 'productpage-v1', app: 'productpage', version: 'v1', namespace: 'default', kind: 'workload' }]),
      edges: [
        { source: 'productpage-v1', target: 'reviews-v1', rps: 10 - v3, errorPct: 0, p99Ms: 5 },
        { source: 'productpage-v1', target: 'reviews-v3', rps: v3, errorPct: 0, p99Ms: 5 },
      ],
    });
    const { container } = mount(<ServiceGraphPanel />);
    send({ type: 'snapshot', topic: 'graph', seq: 1, data: graph(0) });
    expect(container.querySelectorAll('[data-app="reviews"] [data-node]')).toHaveLength(2);
    send({ type: 'change', topic: 'graph', seq: 2, data: graph(5) });
    expect(screen.getByRole('status').textContent).toBe('reviews-v1 now receives 50%; reviews-v3 now receives 50%');
  });
});

describe('change controls', () => {
  it('without a token, a command card can be copied but not run, and says why', () => {
    mount(<CommandCard command="kubectl get pods" />);
    expect(screen.queryByRole('button', { name: 'Run' })).toBeNull();
    expect(screen.getByText('presenter token required')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Copy' })).toBeTruthy();
  });

  it('the presenter runs a command and sees progress until every pod is Ready', async () => {
    sessionStorage.setItem('istio-deck-presenter-token', 'T');
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ output: 'deployment created', exitCode: 0 }), { headers: { 'content-type': 'application/json' } }));
    vi.stubGlobal('fetch', fetchMock);
    mount(<CommandCard command="kubectl apply -f bookinfo.yaml" expect={{ kind: 'Pod', namespace: 'default', allReady: true }} />);
    send({ type: 'snapshot', topic: 'resources/Pod/default', seq: 1, data: { items: [] } });
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(screen.getByText('deployment created')).toBeTruthy());
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/run');
    expect(new Headers(init.headers).get('Authorization')).toBe('Bearer T');
    send({ type: 'change', topic: 'resources/Pod/default', seq: 2, data: { op: 'upsert', item: pod('ratings-v1-a', { ready: '1/2', status: 'Running' }) } });
    expect(screen.getByRole('status').textContent).toBe('waiting: 0/1 pods Ready');
    send({ type: 'change', topic: 'resources/Pod/default', seq: 3, data: { op: 'upsert', item: pod('ratings-v1-a') } });
    expect(screen.getByRole('status').textContent).toBe('done: 1/1 pods Ready');
  });

  it('a command kubectl failed reads as a failure: its exit status, red output, no progress wait', async () => {
    sessionStorage.setItem('istio-deck-presenter-token', 'T');
    const output = 'Error from server (NotFound): deployments.apps "nope" not found';
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ output, exitCode: 1 }), { headers: { 'content-type': 'application/json' } })));
    mount(<CommandCard command="kubectl get deployment nope" expect={{ kind: 'Pod', namespace: 'default' }} />);
    send({ type: 'snapshot', topic: 'resources/Pod/default', seq: 1, data: { items: [] } });
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    const out = await screen.findByLabelText('command output');
    expect(out.textContent).toBe(output);
    expect(out.classList.contains('is-bad')).toBe(true);
    expect(screen.getByRole('status').textContent).toBe('command exited with code 1');
  });

  it('keeps the whole output of a long command (the match block of -o yaml is in the middle)', async () => {
    sessionStorage.setItem('istio-deck-presenter-token', 'T');
    const yaml = ['apiVersion: networking.istio.io/v1', 'kind: VirtualService', 'spec:', '  http:', '  - match:', '    - headers:', '        end-user:', '          exact: jason', ...Array.from({ length: 20 }, (_, i) => `  line${i}: x`)].join('\n');
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ output: yaml, exitCode: 0 }), { headers: { 'content-type': 'application/json' } })));
    mount(<CommandCard command="kubectl get virtualservice reviews -o yaml" />);
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    const out = await screen.findByLabelText('command output');
    expect(out.textContent).toContain('exact: jason');
    expect(out.textContent).toContain('line19: x');
  });

  it('the audience sees a static YAML preview: no Monaco, no Apply', () => {
    mount(<YamlEditor initial={'kind: VirtualService\nmetadata:\n  name: reviews\n'} />);
    expect(screen.queryByTestId('monaco')).toBeNull();
    expect(document.querySelector('[data-editor="static"]')!.textContent).toContain('kind: VirtualService');
    expect(screen.queryByRole('button', { name: 'Apply' })).toBeNull();
    expect(screen.getByText('presenter token required')).toBeTruthy();
  });

  it('the presenter gets Monaco, and a server error names the line', async () => {
    sessionStorage.setItem('istio-deck-presenter-token', 'T');
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: 'unknown field "bogus"', document: 0, line: 3, field: 'spec.bogus' }), { status: 422, headers: { 'content-type': 'application/json' } })));
    mount(<YamlEditor initial={'kind: VirtualService\nspec:\n  bogus: 1\n'} />);
    await waitFor(() => expect(screen.getByTestId('monaco')).toBeTruthy());
    fireEvent.click(screen.getByRole('button', { name: 'Dry run' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('unknown field "bogus" (document 1, line 3, field spec.bogus)'));
  });
});
