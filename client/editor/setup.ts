/** Monaco with YAML and the Istio schemas; imported only from the lazy editor chunk. */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/languages/definitions/yaml/register';
import 'monaco-editor/features/register.all';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import { configureMonacoYaml } from 'monaco-yaml';
import { combinedSchema, loadIstioSchemas } from './schemas.ts';
import YamlWorker from './yaml.worker.ts?worker';

export const MODEL_FILE = 'istio.yaml';

globalThis.MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    return label === 'yaml' ? new YamlWorker() : new EditorWorker();
  },
};

/**
 * monaco-yaml 5.5 calls createWebWorker({ label, moduleId, createData }), the pre-0.55 API.
 * This re-creates that protocol with public API (frontend-stack.md, Pitfall 2): the first
 * message starts the worker, the second carries createData.
 */
function createWebWorkerCompat(opts: { label?: string; createData?: unknown; host?: Record<string, Function>; keepIdleModels?: boolean }) {
  const worker = globalThis.MonacoEnvironment!.getWorker!('', opts.label ?? 'yaml') as Worker;
  worker.postMessage('ignore');
  worker.postMessage(opts.createData);
  return monaco.editor.createWebWorker({ worker, host: opts.host, keepIdleModels: opts.keepIdleModels });
}

let ready: Promise<typeof monaco> | undefined;

export function setupMonaco(): Promise<typeof monaco> {
  ready ??= loadIstioSchemas().then((byKind) => {
    const monacoForYaml = { ...monaco, editor: { ...monaco.editor, createWebWorker: createWebWorkerCompat } };
    configureMonacoYaml(monacoForYaml as unknown as typeof monaco, {
      enableSchemaRequest: false,
      isKubernetes: true,
      schemas: [{ uri: 'https://istio-deck.invalid/schemas/istio.json', fileMatch: [`**/${MODEL_FILE}`, '**/*.istio.yaml'], schema: combinedSchema(byKind) as any }],
    });
    return monaco;
  });
  return ready;
}
