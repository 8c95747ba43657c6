/**
 * Every slide's loader but the title's. This table (one import and its preload list per
 * slide) stays out of the first slide's bundle: the deck fetches it once the title shows.
 */
const loaders = import.meta.glob(['../../slides/*.mdx', '!../../slides/00-*.mdx']);

/** Loads the slide at this path (as the glob names it), or fails with the path it lacks. */
export function loadSlide(path: string): Promise<unknown> {
  const load = loaders[path];
  if (!load) return Promise.reject(new Error(`no slide at ${path} in this build`));
  return load();
}
