import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';
import { bootstrapCluster } from '../../server/embedded/controllers/index.ts';
import { KUBELET, MAX_RECORDED_EVENTS_PER_NAMESPACE, SCHEDULER, recordEvent } from '../../server/embedded/controllers/events.ts';
import { kindsOf } from '../../server/embedded/controllers/kinds.ts';

const pod = (name: string, uid = `uid-${name}`): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid, resourceVersion: '1' } });

function cluster() {
  const clock = new ScaledClock(1);
  const store = new ObjectStore({ clock });
  bootstrapCluster(store, clock);
  const events = () => store.list(kindsOf(store).events, 'default');
  return { clock, store, events };
}

describe("the embedded cluster's event recorder", () => {
  it('counts up a repeated event instead of making a new one, as kubectl describe shows "x3"', () => {
    const { clock, store, events } = cluster();
    const before = events().length;
    for (let i = 0; i < 3; i++) recordEvent(store, clock, pod('web'), KUBELET, 'BackOff', 'Back-off restarting failed container web', { type: 'Warning' });
    recordEvent(store, clock, pod('web'), SCHEDULER, 'Scheduled', 'Successfully assigned default/web to node');
    const mine = events().slice(before);
    expect(mine.map((e) => [e.reason, e.count])).toEqual([['BackOff', 3], ['Scheduled', 1]]);
    // The same reason about another pod (another uid) is another event.
    recordEvent(store, clock, pod('web', 'uid-2'), KUBELET, 'BackOff', 'Back-off restarting failed container web', { type: 'Warning' });
    expect(events().length).toBe(before + 3);
  });

  it('keeps the newest recorded events of a namespace within its bound under churn, oldest gone first', () => {
    const { clock, store, events } = cluster();
    const total = MAX_RECORDED_EVENTS_PER_NAMESPACE + 500;
    for (let i = 0; i < total; i++) recordEvent(store, clock, pod(`p${i}`), SCHEDULER, 'Scheduled', `Successfully assigned default/p${i} to node`);
    const names = events().map((e) => e.involvedObject.name);
    expect(names.length).toBe(MAX_RECORDED_EVENTS_PER_NAMESPACE);
    expect(names).toContain(`p${total - 1}`);
    expect(names).not.toContain('p0');
    // A repeat of an evicted event is recorded afresh, and counted from one.
    recordEvent(store, clock, pod('p0'), SCHEDULER, 'Scheduled', 'Successfully assigned default/p0 to node');
    expect(events().find((e) => e.involvedObject.name === 'p0')?.count).toBe(1);
  });
});
