/**
 * Whether a regex compiles under RE2 (Go's regexp), with Go's error text. JavaScript's
 * RegExp parses almost the same language; RE2 additionally has no lookaround and no
 * backreferences, which JavaScript would accept.
 */
export function re2CompileError(re: string): string | undefined {
  const unsupported = /\(\?<?[=!]|\(\?>|\(\?P?=/.exec(re);
  if (unsupported) return `error parsing regexp: invalid or unsupported Perl syntax: \`${unsupported[0]}\``;
  const escape = badEscape(re);
  if (escape) return `error parsing regexp: invalid escape sequence: \`${escape}\``;
  // Repetition checks look at the pattern without escapes and character classes, where * and + are literal.
  const bare = re.replace(/\\./g, 'x').replace(/\[\^?\]?[^\]]*\]/g, 'x');
  const repeat = /\{(\d+)(?:,(\d*))?\}/g;
  for (let m; (m = repeat.exec(bare)); ) {
    const lo = Number(m[1]);
    const hi = m[2] === undefined || m[2] === '' ? lo : Number(m[2]);
    if (lo > 1000 || hi > 1000 || hi < lo) return `error parsing regexp: invalid repeat count: \`${m[0]}\``;
  }
  const nested = /(?:[*+?]|\{\d+(?:,\d*)?\})[*+]/.exec(bare);
  if (nested) return `error parsing regexp: invalid nested repetition operator: \`${nested[0]}\``;
  try {
    // Go's (?P<name>) and (?<name>) are both fine; JS knows only the latter.
    new RegExp(re.replace(/\(\?P</g, '(?<'));
    return undefined;
  } catch (err) {
    return `error parsing regexp: ${goStyle(String((err as Error).message), re)}`;
  }
}

// Letters RE2 accepts after a backslash; any other letter (and a lone \1-\9 backreference) is an error.
const RE2_LETTER_ESCAPES = new Set('afntrvxpPdDsSwWbBAzQE');

/** The first escape RE2 rejects, e.g. `\1` (a backreference), `\k`, `\Z`, `\u`. */
function badEscape(re: string): string | undefined {
  for (let i = 0; i < re.length - 1; i++) {
    if (re[i] !== '\\') continue;
    const c = re[i + 1];
    if (/[1-9]/.test(c) && !/[0-7]/.test(re[i + 2] ?? '')) return `\\${c}`;
    if (/[A-Za-z]/.test(c) && !RE2_LETTER_ESCAPES.has(c)) return `\\${c}`;
    i++;
  }
  return undefined;
}

function goStyle(jsMessage: string, re: string): string {
  if (/Unterminated group/i.test(jsMessage)) return `missing closing ): \`${re}\``;
  if (/Unmatched '\)'/i.test(jsMessage)) return `unexpected ): \`${re}\``;
  if (/Unterminated character class/i.test(jsMessage)) return `missing closing ]: \`${re.slice(re.lastIndexOf('['))}\``;
  if (/Nothing to repeat/i.test(jsMessage)) {
    const op = /(?:^|[(|])([*+?]|\{\d+(?:,\d*)?\})/.exec(re);
    return `missing argument to repetition operator: \`${op?.[1] ?? '*'}\``;
  }
  if (/out of order in character class|Range out of order/i.test(jsMessage)) return `invalid character class range: \`${re}\``;
  if (/\\ at end of pattern/i.test(jsMessage)) return 'trailing backslash at end of expression: ``';
  if (/Invalid group/i.test(jsMessage)) return `invalid or unsupported Perl syntax: \`${re.slice(re.indexOf('(?'), re.indexOf('(?') + 3)}\``;
  return jsMessage.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '');
}
