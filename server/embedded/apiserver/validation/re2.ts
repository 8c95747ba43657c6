import { compileUserRegex } from '../../../user-regex.ts';

/**
 * Why Go's regexp (which Istio's validation uses) refuses the pattern, in its words, or
 * undefined when it compiles. The same engine matches routes in the mesh, so what this
 * accepts is exactly what the mesh can match.
 */
export function re2CompileError(re: string): string | undefined {
  return compileUserRegex(re).error;
}
