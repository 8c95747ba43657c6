import { describe, expect, it } from 'vitest';
import { stringMatches } from '../../server/embedded/mesh/match.ts';
import { re2CompileError } from '../../server/embedded/apiserver/validation/re2.ts';
import { compileUserRegex } from '../../server/user-regex.ts';

const envoyMatches = (regex: string, value: string) => stringMatches({ regex }, value);

describe('routing regexes match as Envoy does (RE2, whole value, linear time)', () => {
  it('answers a catastrophic pattern at once: (a+)+ against 40 a’s and a mismatch', () => {
    // With a backtracking engine the mismatch takes 2^40 steps, so this test would time out.
    const as = 'a'.repeat(40);
    expect(envoyMatches('/(a+)+', `/${as}`)).toBe(true);
    expect(envoyMatches('/(a+)+', `/${as}!`)).toBe(false);
    expect(envoyMatches('(a|aa)+$', `${as}b`)).toBe(false);
    expect(envoyMatches('(.*a){20}', 'a'.repeat(30) + 'b')).toBe(false);
    expect(envoyMatches('(.*a){20}b', 'a'.repeat(30) + 'b')).toBe(true);
  });

  it('matches the whole value, not a part of it', () => {
    expect(envoyMatches('/reviews/[0-9]+', '/reviews/12')).toBe(true);
    expect(envoyMatches('/reviews/[0-9]+', '/x/reviews/12')).toBe(false);
    expect(envoyMatches('/reviews/[0-9]+', '/reviews/12/more')).toBe(false);
    expect(envoyMatches('a|ab', 'ab')).toBe(true);
  });

  it('has RE2’s syntax: (?i), \\pL, (?P<name>…), \\z, and . that stops at a newline', () => {
    expect(envoyMatches('(?i)/API/v1', '/api/V1')).toBe(true);
    expect(envoyMatches('/api/v1', '/API/v1')).toBe(false);
    expect(envoyMatches('\\pL+', 'Ωmega')).toBe(true);
    expect(envoyMatches('\\pL+', 'abc1')).toBe(false);
    expect(envoyMatches('/users/(?P<id>[0-9]+)', '/users/42')).toBe(true);
    expect(envoyMatches('/users/(?<id>[0-9]+)', '/users/42')).toBe(true);
    expect(envoyMatches('abc\\z', 'abc')).toBe(true);
    expect(envoyMatches('a.b', 'a\nb')).toBe(false);
    expect(envoyMatches('(?s)a.b', 'a\nb')).toBe(true);
    // RE2's \d and \w are ASCII only, unlike \pN.
    expect(envoyMatches('\\d+', '٣')).toBe(false);
    expect(envoyMatches('\\pN+', '٣')).toBe(true);
  });

  it('never applies a pattern RE2 refuses (back-references, lookaround, \\Z)', () => {
    expect(envoyMatches('(a)\\1', 'aa')).toBe(false);
    expect(envoyMatches('(?=a)a', 'a')).toBe(false);
    expect(envoyMatches('(?!b)a', 'a')).toBe(false);
    expect(envoyMatches('a\\Z', 'a')).toBe(false);
  });

  it('leaves the regex of an empty StringMatch, exact and prefix as they were', () => {
    expect(stringMatches({}, 'x')).toBe(true);
    expect(stringMatches({}, undefined)).toBe(false);
    expect(stringMatches({ regex: '.*' }, undefined)).toBe(false);
    expect(stringMatches({ prefix: '/a' }, '/ab')).toBe(true);
  });
});

describe('Istio validation compiles with the same engine', () => {
  it('accepts exactly what the mesh can match', () => {
    for (const ok of ['(?i)x', '\\pL', '(?P<n>a)', '(?<n>a)', 'a\\z', '(?s).', 'x{1000}', '[[:alpha:]]+']) {
      expect(re2CompileError(ok), ok).toBeUndefined();
      expect(compileUserRegex(ok).regex, ok).toBeDefined();
    }
  });
});

describe('compileUserRegex for grep', () => {
  it('finds every non-empty match, leftmost-longest when asked', () => {
    const first = compileUserRegex('a|ab').regex!;
    const longest = compileUserRegex('a|ab', { longest: true }).regex!;
    expect(first.occurrences('ab ab')).toEqual(['a', 'a']);
    expect(longest.occurrences('ab ab')).toEqual(['ab', 'ab']);
    expect(compileUserRegex('x*').regex!.occurrences('axxbx')).toEqual(['xx', 'x']);
    expect(compileUserRegex('hello', { ignoreCase: true }).regex!.occursIn('say HELLO')).toBe(true);
  });
});
