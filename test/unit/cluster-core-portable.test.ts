import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type Metafile, type Plugin, build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The embedded cluster's core must run in a browser's Web Worker as well as in Node. Every
 * module of server/embedded except those named below is bundled for the browser platform,
 * which refuses node: imports, and the bundle is searched for Node's globals.
 */

/** Modules that stay Node-only: adapters the worker never loads. A folder ends in `/`. */
const NODE_ADAPTERS = [
  'server/embedded/cluster.ts', // the Node edition's entry: HTTPS API, listeners, kubeconfig
  'server/embedded/apiserver/server.ts',
  'server/embedded/apiserver/node-adapter.ts',
  'server/embedded/apiserver/response-body.ts',
  'server/embedded/apiserver/tls.ts',
  'server/embedded/apiserver/streaming.ts', // exec and port-forward are connection upgrades
  'server/embedded/apiserver/channels.ts',
  'server/embedded/apiserver/exec.ts',
  'server/embedded/apiserver/portforward.ts',
  'server/embedded/apiserver/portforward-spdy.ts',
  'server/embedded/apiserver/spdy/',
  'server/embedded/apiserver/crd/bundle-file.ts', // a browser build hands the bundle's text in instead
  'server/embedded/host-network/',
  'server/embedded/mesh/lingering-socket.ts',
  'server/embedded/mesh/index.ts', // the mesh with real gateway listeners; a worker uses mesh-core.ts
  'server/embedded/mesh/gateway.ts', // the gateway's listeners around gateway-handler.ts
  'server/embedded/mesh/gateway-pod-ports.ts', // keeps a real listener per Gateway API gateway pod port
  'server/embedded/tracing/jaeger-api.ts', // node:http around jaeger-query.ts
];

const ROOT = resolve(import.meta.dirname, '../..');
const EXCLUDED = NODE_ADAPTERS;
const isExcluded = (path: string) => EXCLUDED.some((e) => (e.endsWith('/') ? path.startsWith(e) : path === e));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const path = `${dir}/${d.name}`;
    if (d.isDirectory()) return sourceFiles(path);
    return d.name.endsWith('.ts') ? [path] : [];
  });
}

const ALL = sourceFiles('server/embedded');
const PORTABLE = ALL.filter((f) => !isExcluded(f));

/**
 * Leaves the Node-only modules out of the bundle (external), so what they import is not
 * searched, and keeps node: imports as imports, so the test names each one found.
 */
const leaveOutNodeOnly: Plugin = {
  name: 'leave-out-node-only',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, external: true }));
    b.onResolve({ filter: /^\./ }, (args) => {
      const path = relative(ROOT, resolve(args.resolveDir, args.path));
      return isExcluded(path) ? { path, external: true } : undefined;
    });
  },
};

// Node globals, each replaced by a marker wherever the bundle reads it as a global (not a
// property, a local or a string), so every such read can be found and judged.
const GUARDED_GLOBALS = ['Buffer', 'setImmediate', 'clearImmediate'];
const OWN_CODE_GLOBALS = ['process', 'global', '__dirname', '__filename'];
const marker = (name: string) => `__NODE_GLOBAL_${name}__`;

let bundle: { text: string; metafile: Metafile } | { errors: string[] };

beforeAll(async () => {
  // One entry holding every portable module, so the output is one bundle.
  const entry = PORTABLE.map((f, i) => `import * as m${i} from './${f}';`).join('\n') + `\nexport { ${PORTABLE.map((_, i) => `m${i}`).join(', ')} };\n`;
  try {
    const result = await build({
      stdin: { contents: entry, resolveDir: ROOT, sourcefile: 'portable-core-entry.ts', loader: 'ts' },
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
      plugins: [leaveOutNodeOnly],
      define: Object.fromEntries([...GUARDED_GLOBALS, ...OWN_CODE_GLOBALS].map((g) => [g, marker(g)])),
    });
    bundle = { text: result.outputFiles[0].text, metafile: result.metafile };
  } catch (err) {
    bundle = { errors: ((err as { errors?: Array<{ text: string; location?: { file: string } | null }> }).errors ?? [{ text: String(err) }]).map((e) => `${e.location?.file ?? '?'}: ${e.text}`) };
  }
}, 60_000);

const built = () => {
  if ('errors' in bundle) throw new Error(`the portable core does not bundle for a browser:\n${bundle.errors.join('\n')}`);
  return bundle;
};

/** The module each line of the bundle came from: esbuild heads each with a `// path` comment. */
function readsOf(text: string, name: string): Array<{ module: string; line: string }> {
  const out: Array<{ module: string; line: string }> = [];
  let module = '?';
  for (const line of text.split('\n')) {
    const head = /^\/\/ (\S+\.(?:[cm]?[jt]sx?|json))$/.exec(line);
    if (head) module = head[1];
    else if (line.includes(marker(name))) out.push({ module, line: line.trim() });
  }
  return out;
}

describe('the cluster core bundles for a browser', () => {
  it('takes in every module of server/embedded but the Node-only ones, with no node: import', () => {
    const { metafile } = built();
    expect(PORTABLE.length).toBeGreaterThan(150);
    const bundled = Object.keys(metafile.inputs).filter((f) => f.startsWith('server/embedded/'));
    expect(bundled.sort()).toEqual([...PORTABLE].sort());
    const nodeImports = Object.entries(metafile.inputs).flatMap(([file, info]) => info.imports.filter((i) => i.path.startsWith('node:')).map((i) => `${file} → ${i.path}`));
    expect(nodeImports).toEqual([]);
  });

  it('reaches no Node-only module from a portable one', () => {
    const { metafile } = built();
    const reaching: Record<string, string[]> = {};
    for (const [file, info] of Object.entries(metafile.inputs)) {
      const external = info.imports.filter((i) => i.external && !i.path.startsWith('node:')).map((i) => i.path);
      if (external.length) reaching[file] = external.sort();
    }
    expect(reaching).toEqual({});
  });

  it.each(GUARDED_GLOBALS)('reads the global %s only behind a typeof guard', (name) => {
    const unguarded = readsOf(built().text, name).filter((r) => !r.line.includes(`typeof ${marker(name)}`));
    expect(unguarded).toEqual([]);
  });

  it.each(OWN_CODE_GLOBALS)("reads the global %s nowhere in the project's own modules", (name) => {
    const own = readsOf(built().text, name).filter((r) => r.module.startsWith('server/'));
    expect(own).toEqual([]);
  });

  it('names only Node-only modules that exist', () => {
    for (const e of EXCLUDED) expect(ALL.some((f) => (e.endsWith('/') ? f.startsWith(e) : f === e)), e).toBe(true);
  });
});
