import { describe, expect, it } from 'vitest';
import { parseGrep } from '../../server/grep.ts';

/** What `printf INPUT | grep ARGS…` prints and its exit status, or grep's error for bad arguments. */
function grep(args: string[], input: string): { stdout: string; status: number } | { error: string } {
  const parsed = parseGrep(['grep', ...args]);
  return parsed.error !== undefined ? { error: parsed.error } : parsed.stage.run(input);
}

describe('the Run button’s grep', () => {
  it('runs a catastrophic pattern in linear time: grep -E "(a+)+$" over lines of 40 a’s', () => {
    // A backtracking engine needs 2^40 steps for the first line; this test would time out.
    const input = `${'a'.repeat(40)}!\n${'a'.repeat(40)}\n`;
    expect(grep(['-E', '(a+)+$'], input)).toEqual({ stdout: `${'a'.repeat(40)}\n`, status: 0 });
    expect(grep(['-E', '(a+)+$'], `${'a'.repeat(40)}!\n`)).toEqual({ stdout: '', status: 1 });
  });

  it('exits 0 when a line is selected, 1 when none is, 2 for a bad pattern or option', () => {
    expect(grep(['pending'], 'upstream_rq_pending_total: 3\nupstream_rq_total: 9\n')).toEqual({ stdout: 'upstream_rq_pending_total: 3\n', status: 0 });
    expect(grep(['nothing'], 'a\nb\n')).toEqual({ stdout: '', status: 1 });
    expect(grep(['-v', 'a'], 'a\na\n')).toEqual({ stdout: '', status: 1 });
    expect(grep(['-v', 'a'], 'a\nb\n')).toEqual({ stdout: 'b\n', status: 0 });
    expect(grep(['-E', '(a'], '')).toEqual({ error: 'grep: Unmatched ( or \\(' });
    expect(grep(['-E', 'a{2,1}'], '')).toEqual({ error: 'grep: Invalid content of \\{\\}' });
    expect(grep(['[a'], '')).toEqual({ error: 'grep: Unmatched [, [^, [:, [., or [=' });
    expect(grep(['a\\'], '')).toEqual({ error: 'grep: Trailing backslash' });
    expect(grep(['-z', 'a'], '')).toEqual({ error: "grep: invalid option -- 'z'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information." });
    expect(grep(['--bogus', 'a'], '')).toMatchObject({ error: expect.stringMatching(/^grep: unrecognized option '--bogus'\n/) });
    expect(grep([], '')).toMatchObject({ error: expect.stringMatching(/^Usage: grep/) });
    expect(grep(['a', 'notes.txt'], '')).toEqual({ error: 'grep: notes.txt: No such file or directory' });
  });

  it('refuses back-references with the reason, since RE2 has none', () => {
    expect(grep(['-E', '(a)\\1'], 'aa\n')).toMatchObject({ error: expect.stringMatching(/^grep: back-references \(\\1\) need a backtracking matcher/) });
    expect(grep(['-E', '(?=a)'], 'a\n')).toMatchObject({ error: expect.stringMatching(/^grep: .*RE2.*invalid or unsupported Perl syntax/) });
  });

  it('counts, prints only the matches (leftmost-longest), numbers lines, and stays quiet', () => {
    const stats = 'rq_pending_total: 3\nrq_total: 9\nrq_pending_overflow: 1\n';
    expect(grep(['-c', 'pending'], stats)).toEqual({ stdout: '2\n', status: 0 });
    expect(grep(['-c', 'nothing'], stats)).toEqual({ stdout: '0\n', status: 1 });
    expect(grep(['-vc', 'pending'], stats)).toEqual({ stdout: '1\n', status: 0 });
    expect(grep(['-oE', '[0-9]+'], 'x12y345\nnone\n')).toEqual({ stdout: '12\n345\n', status: 0 });
    expect(grep(['-oE', 'a|ab'], 'abab\n')).toEqual({ stdout: 'ab\nab\n', status: 0 });
    expect(grep(['-n', 'total'], stats)).toEqual({ stdout: '1:rq_pending_total: 3\n2:rq_total: 9\n', status: 0 });
    expect(grep(['-q', 'total'], stats)).toEqual({ stdout: '', status: 0 });
    expect(grep(['-x', 'rq_total: 9'], stats)).toEqual({ stdout: 'rq_total: 9\n', status: 0 });
    expect(grep(['-x', 'rq_total'], stats)).toEqual({ stdout: '', status: 1 });
  });

  it('ignores case with -i, matches literally with -F, and takes several -e patterns', () => {
    expect(grep(['-i', 'SERVER: ISTIO'], 'server: istio-envoy\n')).toEqual({ stdout: 'server: istio-envoy\n', status: 0 });
    expect(grep(['-F', 'a.b*'], 'a.b*\naxbb\n')).toEqual({ stdout: 'a.b*\n', status: 0 });
    expect(grep(['-e', 'v1', '-e', 'v3'], 'reviews-v1\nreviews-v2\nreviews-v3\n')).toEqual({ stdout: 'reviews-v1\nreviews-v3\n', status: 0 });
    expect(grep(['--', '-x'], 'a-x\nb\n')).toEqual({ stdout: 'a-x\n', status: 0 });
  });

  it('reads a basic pattern as POSIX does: \\( \\) \\{ \\} \\| are operators, ( + ? | literal', () => {
    expect(grep(['\\(ab\\)\\{2\\}'], 'abab\nab\n')).toEqual({ stdout: 'abab\n', status: 0 });
    expect(grep(['v1\\|v3'], 'v1\nv2\nv3\n')).toEqual({ stdout: 'v1\nv3\n', status: 0 });
    expect(grep(['a+'], 'a+\naa\n')).toEqual({ stdout: 'a+\n', status: 0 });
    expect(grep(['(x)'], '(x)\nx\n')).toEqual({ stdout: '(x)\n', status: 0 });
    expect(grep(['*a'], '*a\na\n')).toEqual({ stdout: '*a\n', status: 0 });
    expect(grep(['-E', 'a+'], 'a+\naa\n')).toEqual({ stdout: 'a+\naa\n', status: 0 });
    // In a bracket expression a backslash is itself; [[:digit:]] is a class.
    expect(grep(['[\\d]'], '\\\nd\n1\n')).toEqual({ stdout: '\\\nd\n', status: 0 });
    expect(grep(['-E', '^[[:digit:]]+$'], '12\n1a\n')).toEqual({ stdout: '12\n', status: 0 });
  });
});
