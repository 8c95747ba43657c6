import { useLayoutEffect, useRef, useState } from 'react';
import { parseResourcesTopic, resourcesTopic, type PodSummary, type ResourceSummary, type ResourcesSnapshot, type RunResult, type StreamedKind } from '../../server/protocol.ts';
import { errorText, postJson } from '../live/api.ts';
import { usePresenter, useTopic } from '../live/index.ts';
import { Panel, ReadOnlyNote } from './Panel.tsx';

export interface Expectation {
  kind: string;
  namespace: string;
  allReady?: boolean;
  name?: string;
}

export interface Progress {
  done: boolean;
  text: string;
  ready: number;
  total: number;
}

function isReady(item: ResourceSummary): boolean {
  const ready = (item as PodSummary).ready ?? (item as { columns?: Record<string, string> }).columns?.READY;
  if (!ready) return true;
  const [a, b] = ready.split('/').map(Number);
  const status = (item as PodSummary).status;
  return a === b && b > 0 && (status === undefined || status === 'Running');
}

/** How far the cluster is from what the command should lead to. */
export function expectationProgress(expect: Expectation, items: ResourceSummary[] | undefined): Progress {
  if (!items) return { done: false, text: 'waiting for the cluster…', ready: 0, total: 0 };
  const matching = expect.name ? items.filter((i) => i.name === expect.name || i.name.startsWith(`${expect.name}-`)) : items;
  const noun = expect.kind.toLowerCase();
  if (!matching.length) return { done: false, text: `no ${noun}${expect.name ? ` ${expect.name}` : 's'} in ${expect.namespace} yet`, ready: 0, total: 0 };
  if (!expect.allReady) return { done: true, text: `${matching.length} ${noun}${matching.length > 1 ? 's' : ''} present`, ready: matching.length, total: matching.length };
  const ready = matching.filter(isReady).length;
  return { done: ready === matching.length, text: `${ready}/${matching.length} ${noun}s Ready`, ready, total: matching.length };
}

async function copy(text: string) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand?.('copy') ?? false;
    ta.remove();
    return ok;
  }
}

type RunState = { phase: 'idle' } | { phase: 'running' } | ({ phase: 'ran' } & RunResult) | { phase: 'failed'; error: string };

const MAX_OUTPUT_LINES = 400;

/**
 * The whole output, in a box as tall as the slide allows, scrolled to the end the way a
 * terminal shows it; the presenter scrolls up for the middle of a long `-o yaml`.
 */
function CommandOutput({ output, exitCode }: RunResult) {
  const box = useRef<HTMLPreElement>(null);
  const lines = output.trimEnd().split('\n');
  const dropped = Math.max(0, lines.length - MAX_OUTPUT_LINES);
  const text = (dropped ? [`… ${dropped} earlier lines not shown`, ...lines.slice(dropped)] : lines).join('\n');
  useLayoutEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [text]);
  return (
    <pre ref={box} className={`command-output ${exitCode ? 'is-bad' : ''}`} tabIndex={0} aria-label="command output">
      {text || `(exit code ${exitCode})`}
    </pre>
  );
}

/** A talk command: copy it, or (presenter) run it through the server and watch the cluster get there. */
export function CommandCard({ command, expect }: { command: string; expect?: Expectation }) {
  const { canChange, why } = usePresenter();
  const topic = expect && parseResourcesTopic(`resources/${expect.kind}/${expect.namespace}`) ? resourcesTopic(expect.kind as StreamedKind, expect.namespace) : undefined;
  const t = useTopic<ResourcesSnapshot>(topic);
  const [run, setRun] = useState<RunState>({ phase: 'idle' });
  const [copied, setCopied] = useState(false);
  const progress = expect ? expectationProgress(expect, t.data?.items) : undefined;

  const onRun = async () => {
    setRun({ phase: 'running' });
    try {
      const res = await postJson<RunResult>('/api/run', { command });
      setRun({ phase: 'ran', output: res.output, exitCode: res.exitCode });
    } catch (e) {
      setRun({ phase: 'failed', error: errorText(e) });
    }
  };

  const waiting = run.phase === 'ran' && run.exitCode === 0 && progress && !progress.done;
  const summary =
    run.phase === 'running'
      ? `running ${command}`
      : run.phase === 'failed'
        ? `command failed: ${run.error}`
        : run.phase === 'ran'
          ? run.exitCode !== 0
            ? `command exited with code ${run.exitCode}`
            : progress
              ? progress.done
                ? `done: ${progress.text}`
                : `waiting: ${progress.text}`
              : 'command finished'
          : undefined;

  return (
    <Panel
      kind="command"
      title="$"
      state={topic ? (t.state === 'live' ? 'live' : t.state) : 'idle'}
      error={t.error}
      hasData
      compact
      summary={summary}
      actions={
        <>
          <button type="button" className="panel-button" onClick={async () => setCopied(await copy(command))}>
            {copied ? 'Copied' : 'Copy'}
          </button>
          {canChange ? (
            <button type="button" className="panel-button is-primary" onClick={onRun} disabled={run.phase === 'running'}>
              {run.phase === 'running' ? 'Running…' : 'Run'}
            </button>
          ) : (
            <ReadOnlyNote why={why} />
          )}
        </>
      }
    >
      <pre className="command-text">
        <code>{command}</code>
      </pre>
      {progress && (
        <div className={`command-progress ${progress.done ? 'is-done' : waiting ? 'is-waiting' : ''}`}>
          <progress max={Math.max(progress.total, 1)} value={progress.ready} aria-label="expected state" />
          <span>
            {progress.done ? '✓ ' : waiting ? <span className="spinner" aria-hidden="true" /> : ''}
            {progress.text}
          </span>
        </div>
      )}
      {run.phase === 'ran' && (
        <CommandOutput output={run.output} exitCode={run.exitCode} />
      )}
      {run.phase === 'failed' && <div className="panel-note is-error">{run.error}</div>}
    </Panel>
  );
}
