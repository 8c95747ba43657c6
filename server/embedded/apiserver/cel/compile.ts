/**
 * Compiles one CEL validation rule (or message expression) once: parsed, checked for names it
 * cannot resolve, and instrumented so every comprehension step counts against the budget.
 * Programs are kept by source text, so a CRD applied again (or a sandbox's copy of the same
 * bundle) reuses them.
 */
import { type CelResult, celEnv, celFunc, CelScalar, parse, plan } from '@bufbuild/cel';
import { stepCurrentBudget } from './budget.ts';
import { KUBERNETES_FUNCS } from './libraries.ts';
import { OPTIONAL_FUNCS } from './optional.ts';

const STEP = '@step';

type Expr = ReturnType<typeof parse>['expr'];

const ENV = celEnv({
  funcs: [
    ...KUBERNETES_FUNCS,
    ...OPTIONAL_FUNCS,
    celFunc(STEP, [], CelScalar.BOOL, () => {
      stepCurrentBudget();
      return true;
    }),
  ],
});

/** Names the evaluator resolves without a declaration. */
const BUILTIN_IDENTS = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn']);

export interface CompiledExpression {
  source: string;
  usesOldSelf: boolean;
  evaluate(vars: Record<string, unknown>): CelResult;
}

export type Compilation = { program: CompiledExpression; error?: undefined } | { program?: undefined; error: string };

function call(fn: string, args: Expr[]): Expr {
  return { $typeName: 'cel.expr.Expr', id: 0n, exprKind: { case: 'callExpr', value: { $typeName: 'cel.expr.Expr.Call', function: fn, args } } } as unknown as Expr;
}

/**
 * Walks the parsed expression: makes each comprehension's loop condition take a budget step
 * first, records whether `oldSelf` is read, and returns the first name nothing declares.
 */
function instrument(e: Expr, scope: Set<string>, found: { oldSelf: boolean; undeclared?: string }): void {
  const kind = e.exprKind;
  switch (kind.case) {
    case 'identExpr':
      if (kind.value.name === 'oldSelf') found.oldSelf = true;
      if (!scope.has(kind.value.name) && !BUILTIN_IDENTS.has(kind.value.name)) found.undeclared ??= kind.value.name;
      return;
    case 'selectExpr':
      if (kind.value.operand) instrument(kind.value.operand, scope, found);
      return;
    case 'callExpr':
      // Operators (`_&&_`, `!_`, `@in`) are the evaluator's own; named functions must be registered.
      if (/^[A-Za-z]/.test(kind.value.function) && !ENV.funcs.find(kind.value.function)) found.undeclared ??= kind.value.function;
      if (kind.value.target) instrument(kind.value.target, scope, found);
      kind.value.args.forEach((a) => instrument(a, scope, found));
      return;
    case 'listExpr':
      kind.value.elements.forEach((a) => instrument(a, scope, found));
      return;
    case 'structExpr':
      kind.value.entries.forEach((en) => {
        if (en.keyKind.case === 'mapKey') instrument(en.keyKind.value, scope, found);
        if (en.value) instrument(en.value, scope, found);
      });
      return;
    case 'comprehensionExpr': {
      const c = kind.value;
      if (c.iterRange) instrument(c.iterRange, scope, found);
      if (c.accuInit) instrument(c.accuInit, scope, found);
      const inner = new Set([...scope, c.iterVar, c.iterVar2, c.accuVar].filter(Boolean));
      for (const part of [c.loopCondition, c.loopStep, c.result]) if (part) instrument(part, inner, found);
      if (c.loopCondition) c.loopCondition = call('_&&_', [call(STEP, []), c.loopCondition]);
      return;
    }
    default:
      return;
  }
}

const cache = new Map<string, Compilation>();
const CACHE_LIMIT = 5000;

/** Compiles `source` with `self` (and, for rules, `oldSelf`) in scope; the apiserver's words on failure. */
export function compileExpression(source: string, variables: readonly string[] = ['self', 'oldSelf']): Compilation {
  const key = `${variables.join(',')}\n${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const result = compileUncached(source, variables);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, result);
  return result;
}

function compileUncached(source: string, variables: readonly string[]): Compilation {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (err) {
    return { error: `compilation failed: ERROR: ${err instanceof Error ? err.message : String(err)}` };
  }
  const found: { oldSelf: boolean; undeclared?: string } = { oldSelf: false };
  instrument(parsed.expr, new Set(variables), found);
  if (found.undeclared) return { error: `compilation failed: ERROR: <input>: undeclared reference to '${found.undeclared}' (in container '')` };
  const run = plan(ENV, parsed);
  return { program: { source, usesOldSelf: found.oldSelf, evaluate: (vars) => run(vars as never) } };
}
