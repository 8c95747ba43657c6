/** Applying a slide's scene (catch up or reset) and saying plainly what it did. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RoutingApi, SceneApplyResponse, SceneMode } from '../../server/protocol.ts';
import { errorText, postJson } from './api.ts';

export type { SceneApplyResponse, SceneMode } from '../../server/protocol.ts';

const ref = (r: { kind: string; name: string }) => `${r.kind}/${r.name}`;
const MAX_NAMED = 3;
const named = (refs: string[]) => (refs.length > MAX_NAMED ? `${refs.slice(0, MAX_NAMED).join(', ')} and ${refs.length - MAX_NAMED} more` : refs.join(', '));

/** "reset to jason-v2: 1 configured (VirtualService/reviews), 1 deleted (VirtualService/qa), 19 unchanged". */
export function describeSceneResult(r: SceneApplyResponse): string {
  const by = (result: string) => r.results.filter((d) => d.result === result).map(ref);
  const parts: string[] = [];
  for (const result of ['created', 'configured', 'deleted'] as const) {
    const refs = by(result);
    if (refs.length) parts.push(`${refs.length} ${result} (${named(refs)})`);
  }
  const unchanged = by('unchanged').length;
  if (unchanged) parts.push(`${unchanged} unchanged`);
  if (r.kept?.length) parts.push(`kept ${r.kept.length} extra (${named(r.kept.map(ref))})`);
  const verb = r.mode === 'catch-up' ? 'caught up to' : 'reset to';
  const inApi = r.api === 'gateway-api' ? ' (Gateway API)' : '';
  return `${verb} ${r.scene}${inApi}: ${parts.length ? parts.join(', ') : 'nothing to change'}`;
}

export interface SceneActionState {
  state: 'idle' | 'running' | 'done' | 'error';
  mode?: SceneMode;
  text?: string;
}

/**
 * Runs catch-up or reset for a scene, with progress, the result, or what failed. The
 * message clears when `scene` (the slide's scene) changes, so it never describes another slide.
 */
export function useSceneAction(scene?: string): [SceneActionState, (scene: string, mode: SceneMode, api?: RoutingApi) => Promise<void>] {
  const [status, setStatus] = useState<SceneActionState>({ state: 'idle' });
  const latest = useRef(0);
  useEffect(() => {
    latest.current++;
    setStatus({ state: 'idle' });
  }, [scene]);
  const run = useCallback(async (scene: string, mode: SceneMode, api?: RoutingApi) => {
    const call = ++latest.current;
    setStatus({ state: 'running', mode, text: `${mode === 'reset' ? 'resetting to' : 'catching up to'} scene ${scene}…` });
    try {
      const result = await postJson<SceneApplyResponse>(`/api/scene/${encodeURIComponent(scene)}`, { mode, api });
      if (call === latest.current) setStatus({ state: 'done', mode, text: describeSceneResult(result) });
    } catch (e) {
      if (call === latest.current) setStatus({ state: 'error', mode, text: `${mode === 'reset' ? 'reset' : 'catch up'} to ${scene} failed: ${errorText(e)}` });
    }
  }, []);
  return [status, run];
}
