import { describe, expect, it } from 'vitest';
import { requestPath } from '../../client/panels/TracesPanel.tsx';
import { demoUserAgent } from '../../server/hub/traffic.ts';
import { userFromUserAgent } from '../../server/hub/traces-feed.ts';

describe('trace labels', () => {
  it('names the request by its path, as the list shows it', () => {
    expect(requestPath('productpage.default.svc.cluster.local:9080/productpage')).toBe('/productpage');
    expect(requestPath('httpbin.default.svc.cluster.local:8000/*')).toBe('/*');
    expect(requestPath('async ext_authz')).toBe('async ext_authz');
    expect(requestPath('')).toBe('(unnamed)');
  });

  it('reads back the user the demo traffic sent, and nothing from other agents', () => {
    expect(userFromUserAgent(demoUserAgent('jason'))).toBe('jason');
    expect(userFromUserAgent(demoUserAgent('anonymous'))).toBe('anonymous');
    expect(userFromUserAgent('Mozilla/5.0 (user=jason)')).toBeUndefined();
    expect(userFromUserAgent(demoUserAgent('<script>'))).toBeUndefined();
    expect(userFromUserAgent(undefined)).toBeUndefined();
  });
});
