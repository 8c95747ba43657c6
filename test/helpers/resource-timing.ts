/** What Chromium fetched for a page, as its PerformanceResourceTiming entries count it. */
import type { Page } from 'playwright-core';

export interface FetchedResource {
  /** URL path, e.g. /assets/index-AbCd1234.js. */
  path: string;
  startTime: number;
  /** The body as it came over the wire (compressed when the server compressed it). */
  encodedBodySize: number;
  decodedBodySize: number;
  /** Body plus headers; 0 when served from the cache. */
  transferSize: number;
}

export const fetchedResources = (page: Page): Promise<FetchedResource[]> =>
  page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((e) => ({
      path: new URL(e.name).pathname,
      startTime: e.startTime,
      encodedBodySize: e.encodedBodySize,
      decodedBodySize: e.decodedBodySize,
      transferSize: e.transferSize,
    })),
  );
