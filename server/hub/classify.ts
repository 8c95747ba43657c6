/**
 * Says what a /productpage answer shows, from the page alone, so the deck reads a real
 * Bookinfo (classic glyphicon UI or the Tailwind UI of images ≥ 1.20) and the embedded
 * one (which draws the Tailwind UI's markup) the same way.
 *
 * Outcomes: 'v1' (reviews, no stars), 'v2' (black stars), 'v3' (red stars),
 * 'reviews-error', 'details-error', 'ratings-error' ('ratings-error-v2' /
 * 'ratings-error-v3' when the page names the reviews pod), 'http-<code>' for a
 * non-200 answer, and 'unknown'.
 */

const REVIEWS_ERROR = /Error fetching product reviews|Sorry, product reviews are currently unavailable/;
const DETAILS_ERROR = /Error fetching product details|Sorry, product details are currently unavailable/;
const RATINGS_ERROR = 'Ratings service is currently unavailable';
// Classic UI: <font color="black"> around glyphicon-star spans.
const CLASSIC_STARS = /<font\s+color=["']?(\w+)["']?[^>]*>[\s\S]{0,300}?glyphicon-star/i;
// Tailwind UI: <div class="flex gap-x-1 text-red-500"> around star SVGs.
const TAILWIND_STARS = /class=["']flex gap-x-1 text-(\w+)-500["']/i;
const REVIEWS_SHOWN = /Book Reviews|Reviewer1|Reviewer2/;
const REVIEWS_POD = /Reviews served by:[\s\S]{0,200}?reviews-(v\d+)-/;

const COLOR_VERSIONS: Record<string, string> = { black: 'v2', red: 'v3' };

export function classifyProductPage(status: number, html: string): string {
  if (status !== 200) return `http-${status}`;
  if (REVIEWS_ERROR.test(html)) return 'reviews-error';
  if (DETAILS_ERROR.test(html)) return 'details-error';
  if (html.includes(RATINGS_ERROR)) {
    const pod = REVIEWS_POD.exec(html)?.[1];
    return pod === 'v2' || pod === 'v3' ? `ratings-error-${pod}` : 'ratings-error';
  }
  const color = (CLASSIC_STARS.exec(html) ?? TAILWIND_STARS.exec(html))?.[1]?.toLowerCase();
  if (color) return COLOR_VERSIONS[color] ?? 'unknown';
  if (REVIEWS_SHOWN.test(html)) return 'v1';
  return 'unknown';
}

/** Folds an outcome into its family: 'ratings-error-v3' → 'ratings-error', 'http-503' → 'http-5xx'. */
export function outcomeFamily(outcome: string): string {
  if (outcome.startsWith('ratings-error')) return 'ratings-error';
  const m = /^http-(\d)\d\d$/.exec(outcome);
  return m ? `http-${m[1]}xx` : outcome;
}
