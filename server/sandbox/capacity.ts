/** The laptop `npm run bench` sizes the default cap for: 2 cores, 8 GB. */
export const LAPTOP = { cores: 2, memoryMb: 8192 };

/**
 * What the presenter keeps for themselves on that laptop: the OS, their browser and slides
 * (memory), and one whole core for the deck's own event loop and the presenter's cluster,
 * so their panels stay smooth however busy the sandboxes are.
 */
export const PRESENTER_HEADROOM = { memoryMb: 3072, cores: 1 };

/** How many sandboxes fit beside the presenter, given one watched sandbox's measured cost. */
export function sandboxesThatFit(cost: { memoryMb: number; cpuCores: number }, deckMemoryMb: number): { byMemory: number; byCpu: number; fit: number } {
  // The deck's own memory counted twice: room for its viewers and the presenter's scenes.
  const memoryLeft = LAPTOP.memoryMb - PRESENTER_HEADROOM.memoryMb - 2 * deckMemoryMb;
  const coresLeft = LAPTOP.cores - PRESENTER_HEADROOM.cores;
  const byMemory = Math.max(0, Math.floor(memoryLeft / Math.max(1, cost.memoryMb)));
  const byCpu = Math.max(0, Math.floor(coresLeft / Math.max(0.001, cost.cpuCores)));
  return { byMemory, byCpu, fit: Math.min(byMemory, byCpu) };
}

/**
 * The default cap, from `npm run bench -- "sandbox cost"`: one sandbox cost about 175 MB
 * (its largest, idle after start) and 3.7-4.4 % of a core watched with live panels and demo
 * traffic, so 26 fit by memory and 22-26 by CPU beside the presenter on the laptop above
 * (two runs). The lower figure, rounded down to 20, because the CPU was measured on a busy
 * shared machine. `--max-sandboxes` overrides it.
 */
export const DEFAULT_MAX_SANDBOXES = 20;
