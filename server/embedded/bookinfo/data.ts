/**
 * Bookinfo's one product and its fixed details and reviews, with the texts the real sample
 * serves, so the page and its JSON are what a real Bookinfo shows.
 */

export const PRODUCT = {
  id: 0,
  title: 'The Comedy of Errors',
  descriptionHtml:
    '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play.',
};

export const REVIEW_TEXTS = {
  Reviewer1: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!',
  Reviewer2: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.',
} as const;

export const RATINGS_UNAVAILABLE = 'Ratings service is currently unavailable';

export const UNAVAILABLE = {
  details: 'Sorry, product details are currently unavailable for this book.',
  reviews: 'Sorry, product reviews are currently unavailable for this book.',
  ratings: 'Sorry, product ratings are currently unavailable for this book.',
} as const;

/** details' JSON for a book, keys in the Ruby service's order. */
export function bookDetails(id: number) {
  return {
    id,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  };
}

/**
 * Headers the Bookinfo apps copy from the request they serve onto their outbound calls
 * (current productpage/reviews/details list), so traces and `end-user` routing survive each hop.
 */
export const PROPAGATED_HEADERS = [
  'x-request-id',
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'traceparent',
  'tracestate',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'sw8',
  'end-user',
  'user-agent',
  'cookie',
  'authorization',
  'jwt',
];

export function propagate(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROPAGATED_HEADERS) if (headers[name] !== undefined) out[name] = headers[name];
  return out;
}
