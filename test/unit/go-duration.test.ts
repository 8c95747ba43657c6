import { describe, expect, it } from 'vitest';
import { goDurationMs, optionalDurationMs, parseGoDurationNs } from '../../server/go-duration.ts';

/** What Go's time.ParseDuration answers for these texts (Go 1.22). */
describe('the one Go duration parser', () => {
  it('reads what Go reads, to the nanosecond', () => {
    const cases: Array<[string, bigint]> = [
      ['0', 0n],
      ['-0', 0n],
      ['+0', 0n],
      ['5s', 5_000_000_000n],
      ['-5s', -5_000_000_000n],
      ['+5s', 5_000_000_000n],
      ['5.s', 5_000_000_000n],
      ['.5s', 500_000_000n],
      ['1.004s', 1_004_000_000n],
      ['100.00100s', 100_001_000_000n],
      ['10ns', 10n],
      ['11us', 11_000n],
      ['12\u00b5s', 12_000n],
      ['12\u03bcs', 12_000n],
      ['13ms', 13_000_000n],
      ['15m', 900_000_000_000n],
      ['16h', 57_600_000_000_000n],
      ['10.5s4m', 250_500_000_000n],
      ['-2m3.4s', -123_400_000_000n],
      ['1h2m3s4ms5us6ns', 3_723_004_005_006n],
      ['0.3333333333333333333h', 1_200_000_000_000n],
      ['9007199254740993ns', 9_007_199_254_740_993n],
      ['9223372036854775807ns', 9_223_372_036_854_775_807n],
      ['-9223372036854775808ns', -9_223_372_036_854_775_808n],
      // Fractions scale in float64 and are cut to whole nanoseconds, as Go does.
      ['0.830103483285477580700h', 2_988_372_539_827n],
      ['1.5ns', 1n],
    ];
    for (const [text, ns] of cases) expect(parseGoDurationNs(text), text).toBe(ns);
  });

  it('refuses what Go refuses, with Go’s error text', () => {
    const cases: Array<[string, string]> = [
      ['', 'time: invalid duration ""'],
      ['-', 'time: invalid duration "-"'],
      ['s', 'time: invalid duration "s"'],
      ['.s', 'time: invalid duration ".s"'],
      ['+.s', 'time: invalid duration "+.s"'],
      ['3', 'time: missing unit in duration "3"'],
      ['1s2', 'time: missing unit in duration "1s2"'],
      ['1d', 'time: unknown unit "d" in duration "1d"'],
      ['2 s', 'time: unknown unit " s" in duration "2 s"'],
      ['1\u00b5', 'time: unknown unit "\\xc2\\xb5" in duration "1\\xc2\\xb5"'],
      ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
      ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
      ['3000000h', 'time: invalid duration "3000000h"'],
    ];
    for (const [text, message] of cases) expect(() => parseGoDurationNs(text), JSON.stringify(text)).toThrow(new Error(message));
  });

  it('gives validation milliseconds, and the data plane only usable non-negative values', () => {
    expect(goDurationMs('1.5ms')).toBe(1.5);
    expect(goDurationMs('180.000s')).toBe(180_000);
    expect(goDurationMs('1h30m')).toBe(5_400_000);
    expect(goDurationMs('-1s')).toBe(-1000);
    expect(goDurationMs('7')).toBeUndefined();
    expect(optionalDurationMs('0.5s')).toBe(500);
    expect(optionalDurationMs('-1s')).toBeUndefined();
    expect(optionalDurationMs('soon')).toBeUndefined();
    expect(optionalDurationMs(undefined)).toBeUndefined();
  });
});
