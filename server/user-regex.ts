import { RE2JS } from 're2js';

/**
 * Patterns that users type (routing matches, grep in the Run button) compiled by RE2's rules,
 * as Envoy and Go match them: linear time in the input, no backreferences or lookaround.
 * JavaScript's RegExp backtracks, so one crafted pattern could hold the event loop for minutes.
 * Pure JavaScript, so the browser's edition of the mesh imports it too.
 */
export interface UserRegex {
  /** The pattern matches the whole value (Envoy's safe_regex). */
  matchesWhole(value: string): boolean;
  /** The pattern matches somewhere in the value (grep). */
  occursIn(value: string): boolean;
  /** The non-overlapping matches, left to right, skipping empty ones (grep -o). */
  occurrences(value: string): string[];
  /** RE2's estimate of the compiled program's cost. */
  programSize(): number;
}

export interface RegexOptions {
  ignoreCase?: boolean;
  /** Leftmost-longest instead of leftmost-first, as POSIX grep chooses among matches. */
  longest?: boolean;
}

export type RegexCompilation = { regex: UserRegex; error?: undefined } | { regex?: undefined; error: string };

/** Compiles `pattern`, or says why RE2 refuses it in Go's words ("error parsing regexp: …"). */
export function compileUserRegex(pattern: string, options: RegexOptions = {}): RegexCompilation {
  const flags = (options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) | (options.longest ? RE2JS.LONGEST_MATCH : 0);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, flags);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  return {
    regex: {
      matchesWhole: (value) => compiled.testExact(value),
      occursIn: (value) => compiled.test(value),
      occurrences: (value) => {
        const found: string[] = [];
        const m = compiled.matcher(value);
        while (m.find()) {
          const text = m.group() ?? '';
          if (text) found.push(text);
        }
        return found;
      },
      programSize: () => compiled.programSize(),
    },
  };
}

/** `text` as a pattern that matches it literally (grep -F). */
export function literalPattern(text: string): string {
  return RE2JS.quote(text);
}
