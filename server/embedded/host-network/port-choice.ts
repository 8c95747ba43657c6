/**
 * Which host port a gateway Service's port is served on. The presenter's own cluster tries
 * the port the Service declares (80, 443) so the talk's lines read a real cluster's numbers;
 * every other cluster in the process (sandboxes, tests) takes a free port, so none fights
 * another for port 80.
 */
export type HostPortMode = 'well-known' | 'ephemeral';

/** Errors after which another port may still bind: not allowed (a normal user and port 80), or taken. */
const TRY_NEXT = new Set(['EACCES', 'EPERM', 'EADDRINUSE']);

/** The ports to try, in order, for a load balancer's port; 0 is any free one. */
export function loadBalancerPortCandidates(declared: number, mode: HostPortMode): number[] {
  return mode === 'well-known' && declared > 0 ? [declared, 0] : [0];
}

/**
 * The node ports to try: the one the Service holds, then fresh ones from the node-port range
 * (another process, or another embedded cluster, may hold it on this host).
 */
export function* nodePortCandidates(current: number, allocate: (taken: Set<number>) => number, tries = 20): Generator<number> {
  const taken = new Set<number>([current]);
  yield current;
  for (let i = 0; i < tries; i++) {
    const next = allocate(taken);
    taken.add(next);
    yield next;
  }
}

export interface Bound<T> {
  /** The port that was asked for (0 for any). */
  requested: number;
  server: T;
}

/**
 * Binds the first candidate that can be bound. Errors that say "not this port" move on to the
 * next; any other (no such address, say) is thrown at once, as is the last port's error.
 */
export async function bindFirst<T>(candidates: Iterable<number>, bind: (port: number) => Promise<T>): Promise<Bound<T>> {
  let last: unknown;
  for (const port of candidates) {
    try {
      return { requested: port, server: await bind(port) };
    } catch (err) {
      if (!TRY_NEXT.has((err as NodeJS.ErrnoException)?.code ?? '')) throw err;
      last = err;
    }
  }
  throw last ?? new Error('no port to bind');
}
