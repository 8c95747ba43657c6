/**
 * The evaluation budget of one request's CEL rules. The evaluator counts every comprehension
 * step (the only place a rule's work grows with its input) and stops a rule that runs out of
 * steps or outlasts the request's deadline, so a hostile object cannot hold the event loop.
 */
export const STEPS_PER_RULE = 1_000_000;
/** Wall time one request may spend in CEL rules; the whole request stays well under 100 ms. */
export const REQUEST_DEADLINE_MS = 50;
/**
 * Below this many steps a request's rules are cheap by construction, so the deadline is not
 * consulted: on a loaded machine a GC pause or a preempted thread would otherwise fail an
 * ordinary object at random, where a real API server's cost limit is deterministic.
 */
export const STEPS_BEFORE_DEADLINE = 4096;

export class CostLimitExceeded extends Error {
  constructor() {
    super('operation cancelled: actual cost limit exceeded');
  }
}

export class EvaluationBudget {
  private readonly deadline: number;
  private steps = 0;
  private requestSteps = 0;
  exceeded = false;

  constructor(deadlineMs = REQUEST_DEADLINE_MS) {
    this.deadline = performance.now() + deadlineMs;
  }

  /** Called before each rule: a fresh step allowance, the same request deadline. */
  startRule(): void {
    this.steps = 0;
  }

  /** One comprehension step; throws once the rule or the request is over its budget. */
  step(): void {
    this.steps++;
    this.requestSteps++;
    // The clock is read every 64 steps: cheap, and still within a fraction of a millisecond.
    if (this.steps > STEPS_PER_RULE || ((this.requestSteps & 63) === 0 && this.requestSteps > STEPS_BEFORE_DEADLINE && performance.now() > this.deadline)) {
      this.exceeded = true;
      throw new CostLimitExceeded();
    }
  }

  /** Whether the request's deadline has passed (checked between rules). */
  get overdue(): boolean {
    return this.exceeded || (this.requestSteps > STEPS_BEFORE_DEADLINE && performance.now() > this.deadline);
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
