import { lazy, Suspense, useEffect, useState } from 'react';
import type { ApplyResponse } from '../../server/protocol.ts';
import { useSlide } from '../slide-context.ts';
import type { ServerMarker } from '../editor/MonacoYaml.tsx';
import { api, ApiRequestError, errorText, postYaml } from '../live/api.ts';
import { isPrintPdf } from '../live/env.ts';
import { usePresenter } from '../live/index.ts';
import { Panel, ReadOnlyNote } from './Panel.tsx';

// Monaco (~1 MB gzip) loads only once an editor slide has been shown, never with the first slide.
const MonacoYaml = lazy(() => import('../editor/MonacoYaml.tsx'));

type Outcome =
  | { kind: 'none' }
  | { kind: 'busy'; what: string }
  | { kind: 'result'; response: ApplyResponse }
  | { kind: 'error'; text: string };

export function applySummary(r: ApplyResponse): string {
  const parts = r.results.map((d) => `${d.kind} ${d.name} ${r.dryRun && d.result !== 'unchanged' ? `would be ${d.result}` : d.result}`);
  return `${r.dryRun ? 'dry run: ' : 'applied: '}${parts.join(', ') || 'nothing'}`;
}

/** The hunks of a unified diff: its file header (=====, --- live/…, +++ new/…) says nothing the title does not. */
export function diffBody(diff: string): string[] {
  const lines = diff.split('\n');
  const firstHunk = lines.findIndex((l) => l.startsWith('@@'));
  return firstHunk > 0 ? lines.slice(firstHunk) : lines;
}

function DiffView({ response }: { response: ApplyResponse }) {
  return (
    <div className="apply-result">
      {response.results.map((d) => (
        <div key={d.index} className="apply-doc">
          <div className="apply-doc-title">
            {d.kind} <code>{d.namespace}/{d.name}</code>: {response.dryRun && d.result !== 'unchanged' ? `would be ${d.result}` : d.result}
          </div>
          {d.diff && (
            <pre className="diff-view">
              {diffBody(d.diff).map((l, i) => (
                <span key={i} className={l.startsWith('+') && !l.startsWith('+++') ? 'diff-add' : l.startsWith('-') && !l.startsWith('---') ? 'diff-del' : l.startsWith('@@') ? 'diff-hunk' : undefined}>
                  {l}
                  {'\n'}
                </span>
              ))}
            </pre>
          )}
        </div>
      ))}
    </div>
  );
}

function StaticYaml({ text, height }: { text: string; height: number }) {
  return (
    <pre className="yaml-static" style={{ maxHeight: height }} data-editor="static">
      {text.split('\n').map((l, i) => (
        <span key={i} className="yaml-line">
          <span className="line-no">{i + 1}</span>
          {l || ' '}
        </span>
      ))}
    </pre>
  );
}

/** In-place YAML editing (presenter): schema markers as you type, dry run with diff, apply, revert. */
export function YamlEditor({ manifest, initial, height = 300 }: { manifest?: string; initial?: string; height?: number }) {
  const { visited } = useSlide();
  const { canChange, why } = usePresenter();
  const live = canChange && visited && !isPrintPdf();
  const [original, setOriginal] = useState<string | undefined>(initial);
  const [loadError, setLoadError] = useState<string>();
  const [text, setText] = useState(initial ?? '');
  const [version, setVersion] = useState(0);
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'none' });
  const [serverMarkers, setServerMarkers] = useState<ServerMarker[]>([]);
  const [problems, setProblems] = useState<{ line: number; message: string; severity: 'error' | 'warning' }[]>([]);

  useEffect(() => {
    if (initial !== undefined || !manifest) return;
    let current = true;
    api<string>(`/api/manifest?path=${encodeURIComponent(manifest)}`)
      .then((t) => {
        if (!current) return;
        setOriginal(t);
        setText(t);
        setVersion((v) => v + 1);
      })
      .catch((e) => current && setLoadError(errorText(e)));
    return () => {
      current = false;
    };
  }, [manifest, initial]);

  const send = async (dryRun: boolean) => {
    setOutcome({ kind: 'busy', what: dryRun ? 'dry run' : 'apply' });
    setServerMarkers([]);
    try {
      const response = await postYaml<ApplyResponse>(`/api/apply${dryRun ? '?dryRun=1' : ''}`, text);
      setOutcome({ kind: 'result', response });
    } catch (e) {
      if (e instanceof ApiRequestError && e.body.line) {
        setServerMarkers([{ line: e.body.line, column: e.body.column, message: e.body.field ? `${e.body.error} (${e.body.field})` : e.body.error }]);
      }
      setOutcome({ kind: 'error', text: errorText(e) });
    }
  };

  const revert = () => {
    if (original === undefined) return;
    setText(original);
    setVersion((v) => v + 1);
    setServerMarkers([]);
    setOutcome({ kind: 'none' });
  };

  const errors = problems.filter((p) => p.severity === 'error').length;
  const summary =
    outcome.kind === 'result'
      ? applySummary(outcome.response)
      : outcome.kind === 'error'
        ? `rejected: ${outcome.text}`
        : outcome.kind === 'busy'
          ? `${outcome.what} in progress`
          : problems.length
            ? `${problems.length} problem${problems.length > 1 ? 's' : ''} in the YAML, first at line ${problems[0].line}: ${problems[0].message}`
            : undefined;
  const loading = original === undefined && !loadError;

  return (
    <Panel
      kind="editor"
      title={<>{manifest ? <code>{manifest.replace(/^.*\//, '')}</code> : 'YAML'}{text !== original && original !== undefined ? ' · edited' : ''}
          {problems.length ? <span className="editor-problems"> · {problems.length} problem{problems.length > 1 ? 's' : ''}</span> : null}
        </>
      }
      state={loadError ? 'error' : loading ? 'connecting' : 'idle'}
      error={loadError}
      hasData={!loading && !loadError}
      summary={summary}
      actions={
        canChange ? (
          <>
            <button type="button" className="panel-button" onClick={() => send(true)} disabled={outcome.kind === 'busy' || loading}>
              Dry run
            </button>
            <button type="button" className="panel-button is-primary" onClick={() => send(false)} disabled={outcome.kind === 'busy' || loading} title={errors ? 'the schema check found errors; the server has the last word' : undefined}>
              Apply
            </button>
            <button type="button" className="panel-button" onClick={revert} disabled={text === original}>
              Revert
            </button>
          </>
        ) : (
          <ReadOnlyNote why={why} />
        )
      }
    >
      {live ? (
        <Suspense fallback={<div className="panel-placeholder" style={{ height }}>Loading editor…</div>}>
          <MonacoYaml value={text} version={version} onChange={setText} serverMarkers={serverMarkers} onProblems={setProblems} height={height} />
        </Suspense>
      ) : (
        <StaticYaml text={text} height={height} />
      )}
      {outcome.kind === 'error' && (
        <div className="panel-note is-error" role="alert">
          {outcome.text}
        </div>
      )}
      {outcome.kind === 'result' && <DiffView response={outcome.response} />}
    </Panel>
  );
}
