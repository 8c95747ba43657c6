import { bookinfoApp } from '../bookinfo/index.ts';
import { sampleApp } from '../workloads/index.ts';
import { type AppHandler, type Workload, textResponse } from './types.ts';

/** The container behind a pod: Bookinfo, a sample app, or a plain echo for anything else. */
export function appFor(pod: Workload): AppHandler {
  return bookinfoApp(pod) ?? sampleApp(pod) ?? (async (req) => textResponse(200, `${pod.app} ${pod.version} (${pod.pod}): ${req.method} ${req.path}\n`));
}
