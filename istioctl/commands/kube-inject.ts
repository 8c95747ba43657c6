import { parseAllDocuments, stringify } from 'yaml';
import { str } from '../args.ts';
import { type Command, CommandError } from '../command.ts';
import { injectSidecar, podRefusesInjection } from '../../server/embedded/controllers/sidecar-injector.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';

/** Where each workload kind keeps the pod it makes. */
function podTemplateOf(doc: any): { metadata?: any; spec?: any } | undefined {
  switch (doc?.kind) {
    case 'Pod':
      return doc;
    case 'Deployment':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
      return doc.spec?.template;
    case 'CronJob':
      return doc.spec?.jobTemplate?.spec?.template;
    default:
      return undefined;
  }
}

/**
 * Injects the sidecar into every pod template of a YAML stream with the very function the
 * embedded webhook runs, so a pod applied from this output carries the webhook's status
 * annotation and is not injected a second time. Other documents pass through unchanged.
 */
export function kubeInject(yamlText: string, source: string): string {
  const docs = parseAllDocuments(yamlText);
  const out: string[] = [];
  for (const d of docs) {
    if (d.errors.length) {
      const e = d.errors[0];
      throw new CommandError(`${source}: line ${e.linePos?.[0].line ?? '?'}: ${e.message.split('\n')[0]}`);
    }
    const doc = d.toJS();
    if (doc === null || doc === undefined) continue;
    const template = podTemplateOf(doc);
    if (template && template.spec) {
      const metadata = (template.metadata ??= {});
      const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata, spec: template.spec };
      // Without a pod name the sidecar's canonical name falls back to the workload's own name.
      const named = metadata.name === undefined && doc !== template;
      if (named) metadata.name = doc.metadata?.name;
      if (!podRefusesInjection(pod)) injectSidecar(pod);
      if (named) delete metadata.name;
    }
    out.push(stringify(doc, { lineWidth: 0 }));
  }
  return out.join('---\n');
}

export const kubeInjectCommand: Command = {
  name: 'kube-inject',
  summary: 'Inject Istio sidecar into Kubernetes pod resources',
  usage: 'istioctl kube-inject -f FILE|- [flags]',
  flags: [{ name: 'filename', short: 'f' }, { name: 'output', short: 'o' }],
  flagHelp: ['  -f, --filename string   Input Kubernetes resource filename ("-" for stdin)', '  -o, --output string     Modified output Kubernetes resource filename (default: stdout)'],
  async run(ctx) {
    const file = str(ctx.args, 'filename');
    if (!file) throw new CommandError('filename not specified (see --help)');
    let text: string;
    try {
      text = await ctx.readInput(file);
    } catch (err) {
      throw new CommandError(`open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
    const injected = kubeInject(text, file === '-' ? 'stdin' : file);
    const outFile = str(ctx.args, 'output');
    if (outFile) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(outFile, injected);
    } else ctx.io.out(injected);
    return 0;
  },
};
