import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { ContainerFs } from '../../server/embedded/workloads/container-fs.ts';
import { coreutils } from '../../server/embedded/workloads/coreutils.ts';
import { BUSYBOX, DASH, type ShellFlavor, runShell } from '../../server/embedded/workloads/shell.ts';

/** Runs a script as `sh -c` in a container with the coreutils; stdout and stderr kept apart. */
async function sh(script: string, flavor: ShellFlavor = DASH, signal = new AbortController().signal) {
  const fs = new ContainerFs();
  let out = '';
  let err = '';
  const code = await runShell(script, { tools: coreutils(fs, new ScaledClock(0.001)), env: { HOME: '/root', PATH: '/bin' }, cwd: '/', files: fs, flavor }, { stdin: '', stdout: (d) => (out += d), stderr: (d) => (err += d), signal });
  return { code, out, err };
}

describe("the containers' sh -c", () => {
  it('joins commands with ;, && and || by exit status, and $? is the last one', async () => {
    expect(await sh('false && echo no; echo "after $?" || echo never; false || echo rescued')).toEqual({ code: 0, out: 'after 1\nrescued\n', err: '' });
    expect((await sh('! true')).code).toBe(1);
    expect((await sh('exit 7; echo unreachable')).code).toBe(7);
  });

  it('splits unquoted expansions into words and keeps quoted ones whole', async () => {
    expect((await sh(`A='x   y'; for w in $A "$A" '$A'; do echo "[$w]"; done`)).out).toBe('[x]\n[y]\n[x   y]\n[$A]\n');
    expect((await sh('echo "$(echo one; echo two)" | wc -l; echo `echo back`')).out).toBe('2\nback\n');
    expect((await sh('X=1 env | grep ^X=; echo "[${X}]"')).out).toBe('X=1\n[]\n');
  });

  it('pipes through grep -o, -i, -c, -v and -E, and redirects to files and /dev/null', async () => {
    const r = await sh(`echo '<title>Simple Bookstore App</title>' > /tmp/page
cat /tmp/page | grep -o "<title>.*</title>"
grep -ic BOOKSTORE < /tmp/page
echo a; echo b >> /tmp/page; grep -v title /tmp/page
grep -E 'x{2,}' /tmp/page 2>/dev/null || echo "grep said $?"`);
    expect(r).toEqual({ code: 0, out: '<title>Simple Bookstore App</title>\n1\na\nb\ngrep said 1\n', err: '' });
  });

  it('says what the image\'s shell says for a missing program and a syntax error', async () => {
    expect(await sh('nope -x')).toEqual({ code: 127, out: '', err: 'sh: 1: nope: not found\n' });
    expect(await sh('nope', BUSYBOX)).toEqual({ code: 127, out: '', err: 'sh: nope: not found\n' });
    expect(await sh("echo 'open")).toEqual({ code: 2, out: '', err: 'sh: 1: Syntax error: Unterminated quoted string\n' });
    expect((await sh('for i in 1 2; echo $i; done')).err).toContain('expecting "do"');
    expect((await sh('echo a |')).code).toBe(2);
  });

  it('stops a runaway loop at its step limit instead of holding the server', async () => {
    const r = await sh('for a in $(seq 1 1000); do for b in $(seq 1 1000); do true; done; done');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ran over \d+ commands/);
  });

  it('stops when the client hangs up', async () => {
    const hangup = new AbortController();
    const running = sh('sleep 3600; echo never', DASH, hangup.signal);
    hangup.abort();
    const r = await running;
    expect(r.out).toBe('');
    expect(r.code).not.toBe(0);
  });
});
