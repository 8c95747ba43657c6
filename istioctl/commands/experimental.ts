import { type Command, CommandError } from '../command.ts';
import { clientNode } from '../kube.ts';

/** The oldest Kubernetes minor this Istio release supports. */
const MIN_KUBERNETES_MINOR = 29;

export const experimentalCommand: Command = {
  name: 'x',
  aliases: ['experimental', 'exp'],
  summary: 'Experimental commands that may be modified or deprecated (here: precheck)',
  usage: 'istioctl x precheck [flags]',
  flags: [],
  async run(ctx, positional) {
    if (positional[0] !== 'precheck') throw new CommandError(positional[0] ? `"x ${positional[0]}" is not supported by this project's istioctl: it runs "x precheck"` : 'x needs a subcommand: precheck');
    const { VersionApi } = await clientNode();
    const version = await (await ctx.kube()).config.makeApiClient(VersionApi).getCode();
    const minor = Number.parseInt(version.minor, 10);
    if (Number(version.major) === 1 && minor < MIN_KUBERNETES_MINOR) {
      ctx.io.out(`Error [IST0136] (Cluster) The Kubernetes version ${version.gitVersion} is not supported by this Istio release: the minimum supported version is 1.${MIN_KUBERNETES_MINOR}.\n`);
      ctx.io.err('Error: 1 error occurred:\n\t* issues found while checking the cluster\n');
      return 1;
    }
    ctx.io.out('\u2714 No issues found when checking the cluster. Istio is safe to install or upgrade!\n  To get started, check out https://istio.io/latest/docs/setup/getting-started/.\n');
    return 0;
  },
};
