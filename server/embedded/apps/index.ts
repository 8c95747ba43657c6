import { type AppRegistry, textResponse } from '../app-runtime/types.ts';
import { bookinfoApp } from '../bookinfo/index.ts';
import { sampleApp } from './samples.ts';

/** The containers the embedded cluster runs: Bookinfo, a sample app, or a plain echo for anything else. */
export const standardApps: AppRegistry = (pod) =>
  bookinfoApp(pod) ?? sampleApp(pod) ?? (async (req) => textResponse(200, `${pod.app} ${pod.version} (${pod.pod}): ${req.method} ${req.path}\n`));
