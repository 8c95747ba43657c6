import { PRODUCT, RATINGS_UNAVAILABLE, UNAVAILABLE } from './data.ts';

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
h2{font-size:1.25rem;margin:0 0 .75rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e5e7eb}
.error h2{color:#b91c1c}
blockquote{margin:0 0 1rem;padding:.75rem 1rem;background:#fff;border-left:4px solid #1e3a8a;border-radius:.25rem}
blockquote footer{font-size:.9rem;color:#4b5563;margin-top:.25rem}
.stars{font-size:1.5rem;letter-spacing:.1rem;line-height:1}
.rating-error{color:#dc2626}
.served-by{font-size:.85rem;color:#6b7280}
`;

function stars(n: number, color: string): string {
  const k = Math.max(0, Math.min(5, Math.round(n)));
  return `<div class="stars" data-stars="${k}" data-color="${esc(color)}" style="color:${color === 'red' ? '#dc2626' : esc(color)}" role="img" aria-label="${k} out of 5 stars, ${esc(color)}">${'★'.repeat(k)}${'☆'.repeat(5 - k)}</div>`;
}

function reviewBlock(r: Review): string {
  let rating = '';
  if (r.rating?.error) rating = `<p class="rating-error" data-rating-error="true">${esc(RATINGS_UNAVAILABLE)}</p>`;
  else if (typeof r.rating?.stars === 'number') rating = stars(r.rating.stars, r.rating.color ?? 'black');
  else rating = '<div class="stars" data-stars="0" data-color="none" aria-hidden="true"></div>';
  return `<blockquote class="review" data-reviewer="${esc(r.reviewer)}"><p>${esc(r.text)}</p><footer>${esc(r.reviewer)}</footer>${rating}</blockquote>`;
}

/** The product page (current Tailwind-era UI, no "!" after the error headings), self-contained. */
export function renderProductPage(m: PageModel): string {
  const user = m.user
    ? `<span class="username" data-user="${esc(m.user)}">${esc(m.user)}</span><a class="sign-out" href="/logout">Sign out</a>`
    : `<details><summary class="sign-in">Sign in</summary><form method="post" action="/login"><label>User Name <input type="text" name="username" autocomplete="username"></label><label>Password <input type="password" name="passwd" autocomplete="current-password"></label><button type="submit">Sign in</button></form></details>`;

  const details = m.details.ok
    ? `<section class="details" data-section="details" data-status="ok"><h2>Book Details</h2><table><tbody>
<tr><th>ISBN-10</th><td>${esc(m.details.data['ISBN-10'])}</td></tr>
<tr><th>Publisher</th><td>${esc(m.details.data.publisher)}</td></tr>
<tr><th>Pages</th><td>${esc(m.details.data.pages)}</td></tr>
<tr><th>Type</th><td>${esc(m.details.data.type)}</td></tr>
<tr><th>Language</th><td>${esc(m.details.data.language)}</td></tr>
</tbody></table></section>`
    : `<section class="details error" data-section="details" data-status="error"><h2>Error fetching product details</h2><p>${esc(UNAVAILABLE.details)}</p></section>`;

  let reviews: string;
  if (m.reviews.ok) {
    const list = m.reviews.reviews;
    const first = list.find((r) => r.rating);
    const version = !first ? 'no-ratings' : first.rating?.error ? 'ratings-error' : first.rating?.color ?? 'black';
    reviews = `<section class="reviews" data-section="reviews" data-status="ok" data-stars-color="${esc(version)}"${m.reviews.podname ? ` data-served-by="${esc(m.reviews.podname)}"` : ''}><h2>Book Reviews</h2>
${list.map(reviewBlock).join('\n')}
${m.reviews.podname ? `<p class="served-by">Reviews served by: <span>${esc(m.reviews.podname)}</span></p>` : ''}</section>`;
  } else {
    reviews = `<section class="reviews error" data-section="reviews" data-status="error"><h2>Error fetching product reviews</h2><p>${esc(UNAVAILABLE.reviews)}</p></section>`;
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
