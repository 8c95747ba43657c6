/**
 * A container's own small writable filesystem, as the commands `kubectl exec` runs see it
 * from one call to the next (curl's cookie jars and `-o` files). Only the image's writable
 * directories take files; each container keeps a few, small, and loses them with its pod.
 */

/** Where relative paths start: the curl image's home, its working directory. */
export const WORKING_DIR = '/home/curl_user';
const WRITABLE_DIRS = new Set(['/tmp', WORKING_DIR]);
const MAX_FILES = 32;
const MAX_FILE_BYTES = 256 * 1024;

export class FsError extends Error {}

export class ContainerFs {
  private readonly files = new Map<string, string>();

  /** The absolute path of `path` seen from the working directory. */
  static resolve(path: string): string {
    const parts: string[] = [];
    for (const p of (path.startsWith('/') ? path : `${WORKING_DIR}/${path}`).split('/')) {
      if (p === '' || p === '.') continue;
      if (p === '..') parts.pop();
      else parts.push(p);
    }
    return `/${parts.join('/')}`;
  }

  read(path: string): string {
    const abs = ContainerFs.resolve(path);
    const text = this.files.get(abs);
    if (text === undefined) throw new FsError(`${path}: No such file or directory`);
    return text;
  }

  /** Writes the file; fails as open(2) would where the directory does not exist or takes no files. */
  write(path: string, text: string): void {
    const abs = ContainerFs.resolve(path);
    const dir = abs.slice(0, abs.lastIndexOf('/')) || '/';
    if (!WRITABLE_DIRS.has(dir)) throw new FsError(dir === '/' || dir === '/etc' || dir === '/usr' ? `${path}: Permission denied` : `${path}: No such file or directory`);
    if (text.length > MAX_FILE_BYTES) throw new FsError(`${path}: No space left on device`);
    if (!this.files.has(abs) && this.files.size >= MAX_FILES) throw new FsError(`${path}: No space left on device`);
    this.files.set(abs, text);
  }
}

/** Each running container's filesystem, by pod uid and container name, forgotten past a bound. */
export class ContainerFilesystems {
  private readonly byContainer = new Map<string, ContainerFs>();

  of(podUid: string, container: string): ContainerFs {
    const key = `${podUid}/${container}`;
    let fs = this.byContainer.get(key);
    if (!fs) {
      if (this.byContainer.size >= 1000) this.byContainer.delete(this.byContainer.keys().next().value!);
      fs = new ContainerFs();
      this.byContainer.set(key, fs);
    }
    return fs;
  }
}
