/** The command-line tools `kubectl exec` runs in a container (curl, fortio, pilot-agent), as library calls. */
export { runLoad, type LoadOptions, type LoadResult } from './fortio.ts';
export { curl, type CurlResult } from './curl.ts';
