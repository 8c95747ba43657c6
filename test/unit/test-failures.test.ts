import { describe, expect, it } from 'vitest';
import { failedTestName } from '../../scripts/test-failures.ts';

describe("npm test's closing list of failures", () => {
  it('names the failed test from a vitest summary line, coloured or not', () => {
    expect(failedTestName(' FAIL  test/browser/deck.test.ts > the deck in Chromium > updates the pods panel live')).toBe('test/browser/deck.test.ts > the deck in Chromium > updates the pods panel live');
    expect(failedTestName('\x1b[41m\x1b[1m FAIL \x1b[22m\x1b[49m test/unit/a.test.ts\x1b[2m > \x1b[22mworks')).toBe('test/unit/a.test.ts > works');
  });
  it('ignores passing tests and output that merely mentions FAIL', () => {
    expect(failedTestName(' ✓ test/unit/a.test.ts (3 tests) 4ms')).toBeUndefined();
    expect(failedTestName('others suites: FAILED (exit 1) in 500 s')).toBeUndefined();
    expect(failedTestName('  expected FAIL to be PASS')).toBeUndefined();
  });
});
