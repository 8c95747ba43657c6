declare module '*.mdx' {
  import type { MDXContent } from 'mdx/types';
  export const notes: string | undefined;
  export const scene: string | undefined;
  const Content: MDXContent;
  export default Content;
}

declare module 'virtual:slide-meta' {
  /** Per slide id (file name without .mdx): its scene and whether only the presenter sees it. */
  const meta: Record<string, { scene?: string; presenterOnly?: boolean }>;
  export default meta;
}
