declare module '*.mdx' {
  import type { MDXContent } from 'mdx/types';
  export const notes: string | undefined;
  export const scene: string | undefined;
  const Content: MDXContent;
  export default Content;
}
