import { createInterface } from 'node:readline/promises';
import { bool, list, str } from '../args.ts';
import { type Command, CommandError } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { statusOf } from '../kube.ts';
import { INSTALL_REQUEST, PROFILES, type Component } from '../../server/embedded/controllers/install-request.ts';
import { ISTIO_VERSION } from '../../server/embedded/controllers/istio-system.ts';

const REAL_CLUSTER = 'this cluster is not the Istio Live Deck\'s embedded cluster: install Istio on it with the real istioctl (https://istio.io/latest/docs/setup/install/istioctl/)';

const LINES: Record<Component, string> = {
  istiod: '\u2714 Istiod installed',
  ingress: '\u2714 Ingress gateways installed',
  egress: '\u2714 Egress gateways installed',
  cni: '\u2714 CNI installed',
  ztunnel: '\u2714 Ztunnel installed',
};
const DAEMON_SETS = new Set<Component>(['cni', 'ztunnel']);
const DEPLOYMENTS: Record<Component, string> = { istiod: 'istiod', ingress: 'istio-ingressgateway', egress: 'istio-egressgateway', cni: 'istio-cni-node', ztunnel: 'ztunnel' };

/** The embedded control plane's install request, or a refusal naming the real istioctl. */
async function installRequest(ctx: CommandContext) {
  try {
    return await (await ctx.kube()).core.readNamespacedConfigMap(INSTALL_REQUEST);
  } catch (err) {
    if (statusOf(err) === 404 || statusOf(err) === 403) throw new CommandError(REAL_CLUSTER);
    throw err;
  }
}

async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  if (bool(ctx.args, 'skip-confirmation')) return true;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} Proceed? (y/N) `)).trim());
  } finally {
    rl.close();
  }
}

async function setProfile(ctx: CommandContext, profile: string): Promise<void> {
  await (await ctx.kube()).core.patchNamespacedConfigMap({ ...INSTALL_REQUEST, body: [{ op: 'replace', path: '/data', value: { profile } }] });
}

/** Waits until each component's Deployment has every replica available (or is gone, for a removed one). */
async function waitFor(ctx: CommandContext, present: Component[], absent: Component[], timeoutMs: number): Promise<Component[]> {
  const deadline = Date.now() + timeoutMs;
  const { apps } = await ctx.kube();
  const done = new Set<Component>();
  // The node agents are DaemonSets: ready once every scheduled node has an available pod.
  const read = (c: Component) => {
    const ref = { name: DEPLOYMENTS[c], namespace: 'istio-system' };
    return DAEMON_SETS.has(c)
      ? apps.readNamespacedDaemonSet(ref).then((d) => (d.status?.desiredNumberScheduled ?? 0) > 0 && (d.status?.numberAvailable ?? 0) >= (d.status?.desiredNumberScheduled ?? 0))
      : apps.readNamespacedDeployment(ref).then((d) => (d.status?.availableReplicas ?? 0) >= (d.spec?.replicas ?? 1));
  };
  while (Date.now() < deadline) {
    for (const c of present) {
      if (done.has(c)) continue;
      if (await read(c).catch(() => false)) done.add(c);
    }
    const remaining = await Promise.all(absent.map((c) => read(c).then(() => c, () => undefined)));
    if (done.size === present.length && remaining.every((r) => r === undefined)) return [];
    await new Promise((r) => setTimeout(r, 250));
  }
  return present.filter((c) => !done.has(c));
}

function profileOf(ctx: CommandContext): string {
  let profile = 'default';
  for (const s of list(ctx.args, 'set')) {
    const [key, value] = s.split('=');
    if (key === 'profile') profile = value;
    else throw new CommandError(`--set ${s}: this project's istioctl sets only profile (one of ${Object.keys(PROFILES).filter((p) => p !== 'none').join(', ')})`);
  }
  if (str(ctx.args, 'filename')) throw new CommandError('install -f is not supported by this project\'s istioctl: use --set profile=<name>');
  if (!PROFILES[profile] || profile === 'none') throw new CommandError(`unknown profile "${profile}": this embedded control plane runs ${Object.keys(PROFILES).filter((p) => p !== 'none').join(', ')}`);
  return profile;
}

export const installCommand: Command = {
  name: 'install',
  summary: 'Applies an Istio manifest, installing or reconfiguring Istio on a cluster',
  usage: 'istioctl install --set profile=demo|ambient|minimal|default -y [flags]',
  flags: [{ name: 'set', short: 's', repeat: true }, { name: 'skip-confirmation', short: 'y', bool: true }, { name: 'filename', short: 'f' }, { name: 'readiness-timeout' }],
  flagHelp: ['  -s, --set stringArray       Override an IstioOperator value (here: profile=<name>)', '  -y, --skip-confirmation     The skipConfirmation determines whether the user is prompted for confirmation'],
  async run(ctx) {
    const profile = profileOf(ctx);
    const request = await installRequest(ctx);
    if (!(await confirm(ctx, `This will install the Istio ${ISTIO_VERSION} profile "${profile}" into the cluster.`))) {
      ctx.io.out('Cancelled.\n');
      return 1;
    }
    const before = PROFILES[String(request.data?.profile ?? 'none')] ?? [];
    const wanted = PROFILES[profile];
    await setProfile(ctx, profile);
    const late = await waitFor(ctx, wanted, before.filter((c) => !wanted.includes(c)), 120_000);
    ctx.io.out('\u2714 Istio core installed\n');
    for (const c of wanted) if (!late.includes(c)) ctx.io.out(`${LINES[c]}\n`);
    if (late.length) {
      ctx.io.err(`Error: not ready in time: ${late.map((c) => `${DAEMON_SETS.has(c) ? 'DaemonSet' : 'Deployment'} istio-system/${DEPLOYMENTS[c]}`).join(', ')}\n`);
      return 1;
    }
    ctx.io.out('\u2714 Installation complete\n');
    return 0;
  },
};

export const uninstallCommand: Command = {
  name: 'uninstall',
  summary: 'Uninstall Istio from a cluster',
  usage: 'istioctl uninstall --purge -y [flags]',
  flags: [{ name: 'purge', bool: true }, { name: 'skip-confirmation', short: 'y', bool: true }],
  flagHelp: ['      --purge                 Delete all Istio related sources for all versions', '  -y, --skip-confirmation     Do not ask for confirmation'],
  async run(ctx) {
    if (!bool(ctx.args, 'purge')) throw new CommandError('this project\'s istioctl uninstalls everything: use "istioctl uninstall --purge"');
    const request = await installRequest(ctx);
    if (!(await confirm(ctx, 'All Istio resources will be pruned from the cluster.'))) {
      ctx.io.out('Cancelled.\n');
      return 1;
    }
    const before = PROFILES[String(request.data?.profile ?? 'none')] ?? [];
    await setProfile(ctx, 'none');
    await waitFor(ctx, [], before, 60_000);
    ctx.io.out('\u2714 Uninstall complete\n');
    return 0;
  },
};
