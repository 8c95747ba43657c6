import { PRODUCT, UNAVAILABLE } from './data.ts';

export interface Review {
  reviewer: string;
  text: string;
  rating?: { stars?: number; color?: string; error?: string };
}

export interface PageModel {
  user?: string;
  details: { ok: true; data: Record<string, unknown> } | { ok: false };
  reviews: { ok: true; reviews: Review[]; podname?: string } | { ok: false };
}

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const CSS = `
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2937;background:#f9fafb}
nav{display:flex;justify-content:space-between;align-items:center;padding:.75rem 1.5rem;background:#1e3a8a;color:#fff}
nav .brand{font-weight:700;font-size:1.25rem;color:#fff;text-decoration:none}
nav .user{display:flex;gap:.75rem;align-items:center}
nav a,nav summary{color:#fff;cursor:pointer}
nav details{position:relative}nav details form{position:absolute;right:0;top:2rem;background:#fff;color:#111;padding:1rem;border-radius:.5rem;box-shadow:0 4px 12px rgba(0,0,0,.2);display:grid;gap:.5rem;min-width:14rem}
nav input{padding:.4rem;border:1px solid #9ca3af;border-radius:.25rem}nav button{padding:.4rem;background:#1e3a8a;color:#fff;border:0;border-radius:.25rem}
main{max-width:72rem;margin:0 auto;padding:1.5rem}
h1{font-size:2rem;margin:.5rem 0 1rem}
.summary{line-height:1.5}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:2rem;margin-top:1.5rem}
@media (max-width:700px){.cols{grid-template-columns:1fr}}
h4{font-size:1.25rem;margin:0 0 .75rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e5e7eb}
.text-2xl{font-size:1.25rem;font-weight:600}.text-lg{color:#4b5563}.text-red-500{color:#ef4444}.text-black-500{color:#000}
.review{margin:0 0 1rem;padding:.75rem 1rem;background:#fff;border-left:4px solid #1e3a8a;border-radius:.25rem}
blockquote{margin:.5rem 0;font-weight:600}
.reviewer{font-size:.9rem;color:#4b5563}.font-mono{font-family:ui-monospace,monospace;font-size:.8rem;white-space:normal}
.flex.gap-x-1{display:flex;gap:.25rem}.h-5.w-5{width:1.25rem;height:1.25rem}
`;

const STAR_POINTS = '10 1.4 12.3 7.4 18.7 7.8 13.7 11.8 15.4 18 10 14.5 4.6 18 6.3 11.8 1.3 7.8 7.7 7.4';

/**
 * Stars as Bookinfo's template draws them: filled and empty SVGs whose ids are the old
 * glyphicon class names (pages and scripts grep for those), in a `text-<color>-500` row.
 */
function stars(n: number, color: string): string {
  const k = Math.max(0, Math.min(5, Math.round(n)));
  const full = `<svg id="glyphicon glyphicon-star" class="h-5 w-5 flex-none" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true"><polygon points="${STAR_POINTS}"/></svg>`;
  const empty = `<svg id="glyphicon glyphicon-star-empty" class="h-5 w-5 flex-none" viewBox="0 0 20 20" fill="none" stroke="currentColor" stroke-width="1.2" aria-hidden="true"><polygon points="${STAR_POINTS}"/></svg>`;
  return `<div class="flex gap-x-1 text-${esc(color)}-500" data-stars="${k}" data-color="${esc(color)}" role="img" aria-label="${k} out of 5 stars, ${esc(color)}">\n${`${full}\n`.repeat(k)}${`${empty}\n`.repeat(5 - k)}</div>`;
}

/** One reviewer's block, laid out as the template lays it out: rating, quoted text, reviewer and serving pod. */
function reviewBlock(r: Review, podname: string | undefined): string {
  let rating = '';
  if (r.rating?.error) rating = `<p class="text-red-500" data-rating-error="true">${esc(r.rating.error)}</p>`;
  else if (typeof r.rating?.stars === 'number') rating = stars(r.rating.stars, r.rating.color ?? 'black');
  return `<section class="review" data-reviewer="${esc(r.reviewer)}">
${rating}
<blockquote><p>"${esc(r.text)}"</p></blockquote>
<div class="reviewer"><div class="font-semibold text-gray-900">${esc(r.reviewer)}</div>${podname ? `<div class="mt-0.5 text-gray-600 font-mono">Reviews served by: \n${esc(podname)}\n</div>` : ''}</div>
</section>`;
}

/** The product page (current Tailwind-era UI, no "!" after the error headings), self-contained. */
export function renderProductPage(m: PageModel): string {
  const user = m.user
    ? `<span class="username" data-user="${esc(m.user)}">${esc(m.user)}</span><a class="sign-out" href="/logout">Sign out</a>`
    : `<details><summary class="sign-in">Sign in</summary><form method="post" action="/login"><label>User Name <input type="text" name="username" autocomplete="username"></label><label>Password <input type="password" name="passwd" autocomplete="current-password"></label><button type="submit">Sign in</button></form></details>`;

  const details = m.details.ok
    ? `<section class="details" data-section="details" data-status="ok"><h4>Book Details</h4><table><tbody>
<tr><th>ISBN-10</th><td>${esc(m.details.data['ISBN-10'])}</td></tr>
<tr><th>Publisher</th><td>${esc(m.details.data.publisher)}</td></tr>
<tr><th>Pages</th><td>${esc(m.details.data.pages)}</td></tr>
<tr><th>Type</th><td>${esc(m.details.data.type)}</td></tr>
<tr><th>Language</th><td>${esc(m.details.data.language)}</td></tr>
</tbody></table></section>`
    : `<section class="details error" data-section="details" data-status="error"><p class="text-2xl text-red-500">Error fetching product details</p><p class="text-lg text-gray-600">${esc(UNAVAILABLE.details)}</p></section>`;

  let reviews: string;
  if (m.reviews.ok) {
    const list = m.reviews.reviews;
    const first = list.find((r) => r.rating);
    const version = !first ? 'no-ratings' : first.rating?.error ? 'ratings-error' : first.rating?.color ?? 'black';
    const podname = m.reviews.podname;
    reviews = `<section class="reviews" data-section="reviews" data-status="ok" data-stars-color="${esc(version)}"${podname ? ` data-served-by="${esc(podname)}"` : ''}><h4>Book Reviews</h4>
<div class="review-list">
${list.map((r) => reviewBlock(r, podname)).join('\n')}
</div></section>`;
  } else {
    reviews = `<section class="reviews error" data-section="reviews" data-status="error"><p class="text-2xl text-red-500">Error fetching product reviews</p><p class="text-lg text-gray-600">${esc(UNAVAILABLE.reviews)}</p></section>`;
  }

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Simple Bookstore App</title>
<style>${CSS}</style>
</head>
<body>
<nav><a class="brand" href="/productpage">BookInfo Sample</a><div class="user">${user}</div></nav>
<main>
<h1 data-product-id="${PRODUCT.id}">${esc(PRODUCT.title)}</h1>
<p class="summary">${PRODUCT.descriptionHtml}</p>
<div class="cols">
${details}
${reviews}
</div>
</main>
</body>
</html>
`;
}

/** The landing page at `/` and `/index.html`. */
export function renderIndexPage(): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Simple Bookstore App</title><style>${CSS}</style></head>
<body><main>
<h1>Hello! This is a simple bookstore application consisting of three services as shown below</h1>
<table><tbody>
<tr><th>name</th><td>http://details:9080</td><td>details</td></tr>
<tr><th>name</th><td>http://reviews:9080</td><td>reviews → ratings</td></tr>
<tr><th>name</th><td>http://productpage:9080</td><td>productpage → details, reviews</td></tr>
</tbody></table>
<p>Click on one of the links below to auto generate a request to the backend as a real user or a tester</p>
<p><a href="/productpage?u=normal">Normal user</a></p>
<p><a href="/productpage?u=test">Test user</a></p>
</main></body></html>
`;
}
