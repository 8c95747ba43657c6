import { type AppHandler, type Workload, textResponse } from '../app-runtime/types.ts';
import { httpbinApp } from './httpbin.ts';

/** The non-Bookinfo sample apps a pod may run, chosen by its `app` label. */
export function sampleApp(pod: Workload): AppHandler | undefined {
  switch (pod.app) {
    case 'httpbin':
      return httpbinApp;
    case 'sleep':
    case 'curl':
      // `sleep infinity`: nothing listens, a caller would see the connection refused; answer plainly instead.
      return async () => textResponse(200, '');
    case 'fortio':
      return async (req) => textResponse(200, `${req.method} ${req.path} HTTP/1.1\n`);
    default:
      return undefined;
  }
}
