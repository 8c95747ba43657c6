import { describe, expect, it } from 'vitest';
import { classifyProductPage, outcomeFamily } from '../../server/hub/classify.ts';

// Rendered fragments of the real Bookinfo productpage templates: the classic Bootstrap
// UI (images ≤ 1.19, glyphicons inside <font color>) and the Tailwind UI (≥ 1.20).
const classic = {
  review(reviewer: string, rating: string) {
    return `<blockquote>
      <p>An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!</p>
      <small>${reviewer}</small>
      ${rating}
    </blockquote>`;
  },
  stars(color: string, n: number) {
    return `<font color="${color}">
          <!-- full stars: -->
          ${'<span class="glyphicon glyphicon-star"></span>\n'.repeat(n)}
          <!-- empty stars: -->
          ${'<span class="glyphicon glyphicon-star-empty"></span>\n'.repeat(5 - n)}
        </font>`;
  },
  ratingsError: '<p><i>Ratings service is currently unavailable</i></p>',
  page(reviews: string, pod = 'reviews-v2-5b64f47978-8x7rm', details = true) {
    const detailsHtml = details
      ? '<h4 class="text-center text-primary">Book Details</h4><dl><dt>Type:</dt>paperback</dl>'
      : '<h4 class="text-center text-primary">Error fetching product details!</h4><p>Sorry, product details are currently unavailable for this book.</p>';
    return `<!DOCTYPE html><html><head><title>Simple Bookstore App</title></head><body>
<nav class="navbar navbar-inverse navbar-static-top"><button type="button" class="btn btn-default navbar-btn navbar-right" data-toggle="modal" href="#login-modal">Sign in</button></nav>
<div class="container-fluid"><div class="row"><div class="col-md-12"><h3 class="text-center text-primary">The Comedy of Errors</h3>
<p>Summary: <a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a></p></div></div>
<div class="row"><div class="col-md-6">${detailsHtml}</div>
<div class="col-md-6">${reviews}<dl><dt>Reviews served by:</dt><u>${pod}</u></dl></div></div></div></body></html>`;
  },
  reviews(rating: (reviewer: string) => string) {
    return `<h4 class="text-center text-primary">Book Reviews</h4>${classic.review('Reviewer1', rating('Reviewer1'))}${classic.review('Reviewer2', rating('Reviewer2'))}`;
  },
  reviewsError: '<h4 class="text-center text-primary">Error fetching product reviews!</h4><p>Sorry, product reviews are currently unavailable for this book.</p>',
};

const tailwind = {
  stars(color: string, n: number) {
    return `<div class="flex gap-x-1 text-${color}-500">
      ${'<svg class="h-5 w-5 flex-none" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><path fill-rule="evenodd" d="M10.868 2.884z" clip-rule="evenodd" /></svg>\n'.repeat(n)}
      ${'<svg xmlns="http://www.w3.org/2000/svg" fill="none" viewBox="0 0 24 24" stroke-width="1.5" stroke="currentColor" class="h-5 w-5 flex-none"><path d="M11.48 3.499Z" /></svg>\n'.repeat(5 - n)}
    </div>`;
  },
  ratingsError: '<p class="text-red-500">Ratings service is currently unavailable</p>',
  page(body: string, pod = 'reviews-v3-7dbcdcbc56-lg8x9') {
    return `<title>Simple Bookstore App</title><nav class="bg-gray-800"><p class="text-base font-medium text-gray-50">jason</p><a href="logout" class="text-xs font-medium text-gray-400 hover:text-gray-300">Sign out</a></nav>
<h1 class="text-5xl font-bold tracking-tight text-blue-900">The Comedy of Errors</h1>
<h4 class="text-3xl font-semibold">Book Details</h4><table><tr><td>1234567890</td></tr></table>
<div class="bg-blue-600/5 py-12 mx-auto">${body}<div class="mt-0.5 text-gray-600 font-mono">Reviews served by: 
                  ${pod}
                </div></div>`;
  },
  reviews(rating: string) {
    const section = (r: string) => `<section class="px-6 py-12 sm:py-8 lg:px-8"><div class="mx-auto max-w-2xl">${rating}<blockquote><p>"text"</p></blockquote><div class="font-semibold text-gray-900">${r}</div></div></section>`;
    return `<h4 class="text-3xl font-semibold">Book Reviews</h4><div class="flex flex-col md:flex-row">${section('Reviewer1')}${section('Reviewer2')}</div>`;
  },
  reviewsError: '<p class="text-2xl text-red-500">Error fetching product reviews</p><p class="text-lg text-gray-600">Sorry, product reviews are currently unavailable for this book.</p>',
};

describe('classifyProductPage on the classic Bookinfo UI', () => {
  it('tells v1, v2 and v3 apart by the stars', () => {
    expect(classifyProductPage(200, classic.page(classic.reviews(() => ''), 'reviews-v1-6f9c8d5b7-abcde'))).toBe('v1');
    expect(classifyProductPage(200, classic.page(classic.reviews((r) => classic.stars('black', r === 'Reviewer1' ? 5 : 4))))).toBe('v2');
    expect(classifyProductPage(200, classic.page(classic.reviews((r) => classic.stars('red', r === 'Reviewer1' ? 5 : 4)), 'reviews-v3-1'))).toBe('v3');
  });

  it('recognises the reviews, details and ratings errors', () => {
    expect(classifyProductPage(200, classic.page(classic.reviewsError))).toBe('reviews-error');
    expect(classifyProductPage(200, classic.page(classic.reviews(() => ''), 'reviews-v1-x', false))).toBe('details-error');
    // The page names the reviews pod, so the version behind a ratings failure is known.
    expect(classifyProductPage(200, classic.page(classic.reviews(() => classic.ratingsError), 'reviews-v2-5b64f47978-8x7rm'))).toBe('ratings-error-v2');
  });

  it('calls a page with both details and reviews errors a reviews error', () => {
    expect(classifyProductPage(200, classic.page(classic.reviewsError, 'reviews-v1-x', false))).toBe('reviews-error');
  });
});

describe('classifyProductPage on the Tailwind Bookinfo UI', () => {
  it('tells v2 and v3 apart by the star colour class', () => {
    expect(classifyProductPage(200, tailwind.page(tailwind.reviews(tailwind.stars('black', 5)), 'reviews-v2-x'))).toBe('v2');
    expect(classifyProductPage(200, tailwind.page(tailwind.reviews(tailwind.stars('red', 4))))).toBe('v3');
    expect(classifyProductPage(200, tailwind.page(tailwind.reviews(''), 'reviews-v1-x'))).toBe('v1');
  });

  it('recognises errors without the exclamation mark', () => {
    expect(classifyProductPage(200, tailwind.page(tailwind.reviewsError))).toBe('reviews-error');
    expect(classifyProductPage(200, tailwind.page(tailwind.reviews(tailwind.ratingsError)))).toBe('ratings-error-v3');
  });
});

describe('classifyProductPage on anything else', () => {
  it('reports the status of non-200 answers', () => {
    expect(classifyProductPage(503, 'upstream connect error or disconnect/reset before headers. reset reason: overflow')).toBe('http-503');
    expect(classifyProductPage(404, '')).toBe('http-404');
  });

  it('gives ratings-error without a version when the page does not name the pod', () => {
    expect(classifyProductPage(200, `<h4>Book Reviews</h4><p><i>Ratings service is currently unavailable</i></p>`)).toBe('ratings-error');
  });

  it('says unknown for a page that is not the product page', () => {
    expect(classifyProductPage(200, '<html><body>Hello! This is a simple bookstore application</body></html>')).toBe('unknown');
    expect(classifyProductPage(200, classic.page(classic.reviews(() => classic.stars('green', 3))))).toBe('unknown');
  });

  it('folds outcomes into families for charts', () => {
    expect(outcomeFamily('ratings-error-v2')).toBe('ratings-error');
    expect(outcomeFamily('http-503')).toBe('http-5xx');
    expect(outcomeFamily('v3')).toBe('v3');
  });
});
