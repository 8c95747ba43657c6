/**
 * The evaluation budget of one request's CEL rules. The evaluator counts every comprehension
 * step (the only place a rule's work grows with its input) and stops a rule that runs out of
 * steps or outlasts the request's deadline, so a hostile object cannot hold the event loop.
 */
export const STEPS_PER_RULE = 1_000_000;
/**
 * CPU time one request may spend in CEL rules; the whole request stays well under 100 ms.
 * Counted in CPU time, not wall time: on a loaded machine a valid object must not fail
 * because other processes held the CPU.
 */
export const REQUEST_DEADLINE_MS = 50;
/** Wall time as a backstop, should the process's CPU clock be shared with busy worker threads. */
const WALL_BACKSTOP_MS = 2000;

/** This process's CPU time (user and system), in ms. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export class CostLimitExceeded extends Error {
  constructor() {
    super('operation cancelled: actual cost limit exceeded');
  }
}

export class EvaluationBudget {
  private readonly deadline: number;
  private readonly wallDeadline: number;
  private steps = 0;
  exceeded = false;

  constructor(deadlineMs = REQUEST_DEADLINE_MS) {
    this.deadline = cpuMs() + deadlineMs;
    this.wallDeadline = performance.now() + Math.max(WALL_BACKSTOP_MS, deadlineMs);
  }

  private get late(): boolean {
    return cpuMs() > this.deadline || performance.now() > this.wallDeadline;
  }

  /** Called before each rule: a fresh step allowance, the same request deadline. */
  startRule(): void {
    this.steps = 0;
  }

  /** One comprehension step; throws once the rule or the request is over its budget. */
  step(): void {
    this.steps++;
    // The clock is read every 64 steps: cheap, and still within a fraction of a millisecond.
    if (this.steps > STEPS_PER_RULE || ((this.steps & 63) === 0 && this.late)) {
      this.exceeded = true;
      throw new CostLimitExceeded();
    }
  }

  /** Whether the request's deadline has passed (checked between rules). */
  get overdue(): boolean {
    return this.exceeded || this.late;
  }
}

/** The budget of the evaluation under way (evaluation is synchronous, so one at a time). */
let current: EvaluationBudget | undefined;

export function withBudget<T>(budget: EvaluationBudget, run: () => T): T {
  const before = current;
  current = budget;
  try {
    return run();
  } finally {
    current = before;
  }
}

export function stepCurrentBudget(): void {
  current?.step();
}
