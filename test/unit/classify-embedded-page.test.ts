import { describe, expect, it } from 'vitest';
import { classifyProductPage } from '../../server/hub/classify.ts';
import { renderProductPage, type Review } from '../../server/embedded/bookinfo/page.ts';
import { bookDetails, REVIEW_TEXTS } from '../../server/embedded/bookinfo/data.ts';

// The embedded Bookinfo's own page, as the simulated productpage renders it.
const details = { ok: true as const, data: bookDetails(0) };
const reviews = (rating?: (reviewer: string) => Review['rating']): Review[] =>
  (['Reviewer1', 'Reviewer2'] as const).map((reviewer) => ({ reviewer, text: REVIEW_TEXTS[reviewer], ...(rating ? { rating: rating(reviewer) } : {}) }));
const stars = (color: string) => (r: string) => ({ stars: r === 'Reviewer1' ? 5 : 4, color });

describe('classifyProductPage on the embedded Bookinfo page', () => {
  it('tells v1, v2 and v3 apart', () => {
    expect(classifyProductPage(200, renderProductPage({ details, reviews: { ok: true, reviews: reviews(), podname: 'reviews-v1-abc-1' } }))).toBe('v1');
    expect(classifyProductPage(200, renderProductPage({ user: 'jason', details, reviews: { ok: true, reviews: reviews(stars('black')), podname: 'reviews-v2-abc-1' } }))).toBe('v2');
    expect(classifyProductPage(200, renderProductPage({ details, reviews: { ok: true, reviews: reviews(stars('red')), podname: 'reviews-v3-abc-1' } }))).toBe('v3');
  });

  it("draws stars with the template's glyphicon ids, so greps for them find them", () => {
    const html = renderProductPage({ details, reviews: { ok: true, reviews: reviews(stars('red')), podname: 'reviews-v3-abc-1' } });
    expect(html.match(/<svg id="glyphicon glyphicon-star" /g)).toHaveLength(9);
    expect(html.match(/<svg id="glyphicon glyphicon-star-empty" /g)).toHaveLength(1);
    expect(html).toContain('<div class="font-semibold text-gray-900">Reviewer1</div>');
    expect(html).toContain(`<p>"${REVIEW_TEXTS.Reviewer2}"</p>`);
    expect(renderProductPage({ details, reviews: { ok: true, reviews: reviews() } })).not.toContain('glyphicon');
  });

  it('recognises its error pages', () => {
    expect(classifyProductPage(200, renderProductPage({ details, reviews: { ok: false } }))).toBe('reviews-error');
    expect(classifyProductPage(200, renderProductPage({ details: { ok: false }, reviews: { ok: true, reviews: reviews() } }))).toBe('details-error');
    const ratingsDown = () => ({ error: 'Ratings service is currently unavailable' });
    expect(classifyProductPage(200, renderProductPage({ details, reviews: { ok: true, reviews: reviews(ratingsDown), podname: 'reviews-v2-abc-1' } }))).toBe('ratings-error-v2');
    expect(classifyProductPage(200, renderProductPage({ details, reviews: { ok: true, reviews: reviews(ratingsDown) } }))).toBe('ratings-error');
  });
});
