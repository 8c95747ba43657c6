import type { AppHandler, Workload } from '../app-runtime/types.ts';
import { detailsApp } from './details.ts';
import { productpageApp } from './productpage.ts';
import { ratingsApp } from './ratings.ts';
import { reviewsApp } from './reviews.ts';

/** The Bookinfo container a pod runs, chosen by its `app` label; undefined for other apps. */
export function bookinfoApp(pod: Workload): AppHandler | undefined {
  switch (pod.app) {
    case 'productpage':
      return productpageApp();
    case 'details':
      return detailsApp;
    case 'reviews':
      return reviewsApp(pod);
    case 'ratings':
      return ratingsApp(pod);
    default:
      return undefined;
  }
}
