import { resolve } from 'node:path';

/** The project's bin/ (istioctl): `$PWD/bin` as the talk types it when run from the repository, else its absolute path. */
export function istioctlPathLine(cwd = process.cwd()): string {
  const repo = resolve(import.meta.dirname, '..');
  return `export PATH=${resolve(cwd) === repo ? '$PWD/bin' : resolve(repo, 'bin')}:$PATH`;
}
