/**
 * Node warns once an EventTarget has more than 10 listeners for one event ("possible memory
 * leak"); a signal every request in flight listens to passes that legitimately. Browsers
 * have no such cap, so there is nothing to lift, and node:events cannot be imported there:
 * it is looked up through process.getBuiltinModule only where that exists.
 */

type NodeEvents = { setMaxListeners(n: number, ...targets: EventTarget[]): void };
type MaybeNodeProcess = { process?: { getBuiltinModule?: (id: string) => unknown } };

/** `signal`, with Node's listener cap lifted where there is one. */
export function withoutListenerLimit(signal: AbortSignal): AbortSignal {
  const events = (globalThis as MaybeNodeProcess).process?.getBuiltinModule?.('node:events') as NodeEvents | undefined;
  events?.setMaxListeners(0, signal);
  return signal;
}
