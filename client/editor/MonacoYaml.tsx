/** The live Monaco editor (lazy chunk): YAML with the Istio schemas, server errors as markers. */
import { useEffect, useRef, useState } from 'react';
import type * as Monaco from 'monaco-editor/editor';
import { MODEL_FILE, setupMonaco } from './setup.ts';

export interface ServerMarker {
  line: number;
  column?: number;
  message: string;
}

export interface MonacoYamlProps {
  value: string;
  /** Bumped when `value` is set from outside (load, revert): the editor then takes it. */
  version: number;
  onChange: (text: string) => void;
  serverMarkers: ServerMarker[];
  onProblems?: (problems: { line: number; message: string; severity: 'error' | 'warning' }[]) => void;
  height: number;
}

let modelCounter = 0;

export default function MonacoYaml({ value, version, onChange, serverMarkers, onProblems, height }: MonacoYamlProps) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<Monaco.editor.IStandaloneCodeEditor>(undefined);
  const monacoRef = useRef<typeof Monaco>(undefined);
  const [failed, setFailed] = useState<string>();
  const latest = useRef({ onChange, onProblems, value });
  latest.current = { onChange, onProblems, value };

  useEffect(() => {
    let disposed = false;
    const disposables: { dispose(): void }[] = [];
    setupMonaco()
      .then((monaco) => {
        if (disposed || !host.current) return;
        monacoRef.current = monaco;
        const uri = monaco.Uri.parse(`file:///editor-${++modelCounter}/${MODEL_FILE}`);
        const model = monaco.editor.createModel(latest.current.value, 'yaml', uri);
        const ed = monaco.editor.create(host.current, {
          model,
          theme: 'vs-dark',
          automaticLayout: true,
          minimap: { enabled: false },
          fontSize: 15,
          lineNumbersMinChars: 3,
          scrollBeyondLastLine: false,
          tabSize: 2,
          fixedOverflowWidgets: false, // fixed widgets land far off inside reveal's transformed slide (Pitfall 8)
          renderValidationDecorations: 'on',
          quickSuggestions: { other: true, strings: true, comments: false },
        });
        editor.current = ed;
        disposables.push(ed, model);
        disposables.push(ed.onDidChangeModelContent(() => latest.current.onChange(model.getValue())));
        // Esc hands the keyboard back to the deck when no editor widget wants it.
        ed.addCommand(monaco.KeyCode.Escape, () => (document.activeElement as HTMLElement | null)?.blur(), '!suggestWidgetVisible && !findWidgetVisible && !renameInputVisible');
        disposables.push(
          monaco.editor.onDidChangeMarkers((uris) => {
            if (!uris.some((u) => u.toString() === uri.toString())) return;
            const problems = monaco.editor
              .getModelMarkers({ resource: uri })
              .filter((m) => m.severity >= monaco.MarkerSeverity.Warning)
              .map((m) => ({ line: m.startLineNumber, message: m.message, severity: m.severity === monaco.MarkerSeverity.Error ? ('error' as const) : ('warning' as const) }));
            latest.current.onProblems?.(problems);
          }),
        );
        host.current.dataset.ready = 'true';
      })
      .catch((e) => setFailed(e instanceof Error ? e.message : String(e)));
    return () => {
      disposed = true;
      for (const d of disposables.reverse()) d.dispose();
      editor.current = undefined;
    };
  }, []);

  // Outside value changes (revert, loaded manifest) replace the text but keep undo history.
  useEffect(() => {
    const ed = editor.current;
    const model = ed?.getModel();
    if (!ed || !model || model.getValue() === value) return;
    ed.executeEdits('deck', [{ range: model.getFullModelRange(), text: value }]);
    ed.pushUndoStop();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version]);

  useEffect(() => {
    const monaco = monacoRef.current;
    const model = editor.current?.getModel();
    if (!monaco || !model) return;
    monaco.editor.setModelMarkers(
      model,
      'deck-server',
      serverMarkers.map((m) => {
        const line = Math.min(Math.max(1, m.line), model.getLineCount());
        const col = m.column ?? model.getLineFirstNonWhitespaceColumn(line) ?? 1;
        return { severity: monaco.MarkerSeverity.Error, message: m.message, startLineNumber: line, startColumn: Math.max(1, col), endLineNumber: line, endColumn: model.getLineMaxColumn(line), source: 'deck server' };
      }),
    );
  }, [serverMarkers]);

  if (failed) return <div className="panel-note is-error">The editor failed to load: {failed}</div>;
  return <div ref={host} className="monaco-host deck-keys-own" style={{ height }} data-editor="monaco" />;
}
