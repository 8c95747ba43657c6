/** Polls `check` until it returns something truthy; fails naming `what` after `ms` (real time). */
export async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 20_000, everyMs = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
