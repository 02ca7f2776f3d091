/**
 * Processes and their file descriptors (`struct files_struct`, fs/file.c; `struct file`,
 * include/linux/fs.h).
 *
 * A simulated process owns an fd table. An fd names an open `KFile`, which carries its file
 * operations (`fops`, compared by identity: that is how the kernel tells a syncobj file from a
 * sync_file, `f_op != &drm_syncobj_file_fops`) and its object (`privateData`). Files are
 * reference-counted: each fd holds one reference, `dup` and fd passing add one, and the file
 * is released when the last goes (`fput`). The model's user space passes an fd to another
 * process the way SCM_RIGHTS does (`sendFd`): the receiver gets a new fd for the same file.
 *
 * Fds are allocated lowest-free first (`get_unused_fd_flags`), in two steps as in the kernel:
 * reserve, then `fdInstall` once the file exists (or `putUnusedFd` on failure). Fds 0, 1 and 2
 * are open on a null device from the start, as a process's stdin, stdout and stderr would be,
 * so the first fd an ioctl hands out is 3. The table is bounded by RLIMIT_NOFILE (EMFILE).
 *
 * Nothing here blocks: releasing a file runs its `release` synchronously, except that a file
 * whose release must sleep (a DRM file's postclose) returns a promise the closer awaits.
 */
import { Errno } from './errno.js';
import { nextId } from './ids.js';
import type { Kernel } from './kernel.js';

export interface FileOperations {
  /** For messages and `/proc/<pid>/fd`-style listings. */
  readonly name: string;
  /** Called when the last reference to the file goes. */
  release?(file: KFile): void | Promise<void>;
  /** `unlocked_ioctl`: 0 or a negative errno. Absent: ENOTTY. */
  ioctl?(file: KFile, cmd: number, arg: unknown, proc: Process): number | Promise<number>;
}

/** `struct file`. */
export class KFile {
  private refs = 1;

  constructor(
    readonly fops: FileOperations,
    readonly privateData: unknown,
  ) {}

  get refcount(): number {
    return this.refs;
  }

  /** `get_file`. */
  get(): KFile {
    this.refs++;
    return this;
  }

  /** `fput`: drops a reference; the last one releases the file. */
  put(): void | Promise<void> {
    if (this.refs <= 0) return;
    this.refs--;
    if (this.refs === 0) return this.fops.release?.(this);
  }
}

/** RLIMIT_NOFILE's usual soft limit. */
export const NR_OPEN_DEFAULT = 1024;

const RESERVED = 'reserved' as const;

/** A file for fds 0..2 and for tests that need an fd of no particular kind (/dev/null). */
export const NULL_FOPS: FileOperations = { name: 'null' };

/** `struct files_struct`. */
export class FdTable {
  private readonly fds: Array<KFile | typeof RESERVED | null> = [];

  constructor(readonly limit = NR_OPEN_DEFAULT) {
    for (let fd = 0; fd < 3; fd++) this.fds.push(new KFile(NULL_FOPS, null));
  }

  /** `get_unused_fd_flags`: reserves the lowest free fd, or -EMFILE. */
  getUnusedFd(): number {
    let fd = this.fds.indexOf(null);
    if (fd < 0) fd = this.fds.length;
    if (fd >= this.limit) return -Errno.EMFILE;
    this.fds[fd] = RESERVED;
    return fd;
  }

  /** `put_unused_fd`: gives a reserved fd back. */
  putUnusedFd(fd: number): void {
    if (this.fds[fd] === RESERVED) this.fds[fd] = null;
  }

  /** `fd_install`: the reserved `fd` now names `file` (the fd takes the caller's reference). */
  fdInstall(fd: number, file: KFile): void {
    this.fds[fd] = file;
  }

  /** Reserves an fd and installs `file` in it: the new fd, or -EMFILE (file not consumed). */
  install(file: KFile): number {
    const fd = this.getUnusedFd();
    if (fd >= 0) this.fdInstall(fd, file);
    return fd;
  }

  /** `fget` without the reference: the file an fd names, or null (EBADF). */
  lookup(fd: unknown): KFile | null {
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) return null;
    const f = this.fds[fd];
    return f === undefined || f === null || f === RESERVED ? null : f;
  }

  /** close(2): 0, or -EBADF. */
  close(fd: number): number | Promise<number> {
    const f = this.lookup(fd);
    if (f === null) return -Errno.EBADF;
    this.fds[fd] = null;
    const r = f.put();
    return r instanceof Promise ? r.then(() => 0) : 0;
  }

  /** dup(2): a new fd for the same file, or -EBADF / -EMFILE. */
  dup(fd: number): number {
    const f = this.lookup(fd);
    if (f === null) return -Errno.EBADF;
    const nfd = this.install(f.get());
    if (nfd < 0) f.put();
    return nfd;
  }

  /** Open fds (not counting reserved ones). */
  get openCount(): number {
    let n = 0;
    for (const f of this.fds) if (f !== null && f !== RESERVED) n++;
    return n;
  }

  /** Closes every fd (process exit). Returns once every release is done. */
  async closeAll(): Promise<void> {
    for (let fd = 0; fd < this.fds.length; fd++) {
      if (this.lookup(fd) !== null) await this.close(fd);
    }
  }
}

/** A simulated user process: a pid and an fd table. */
export class Process {
  readonly pid: number;
  readonly files: FdTable;

  constructor(
    k: Kernel,
    readonly name = 'proc',
    limit = NR_OPEN_DEFAULT,
  ) {
    this.pid = nextId(k, 'pid');
    this.files = new FdTable(limit);
  }

  /** Opens the null device (like `open("/dev/null")`): an fd of no DRM or sync kind. */
  openNull(): number {
    return this.files.install(new KFile(NULL_FOPS, null));
  }

  close(fd: number): number | Promise<number> {
    return this.files.close(fd);
  }

  dup(fd: number): number {
    return this.files.dup(fd);
  }

  /** ioctl(2) on an fd: EBADF for no file, ENOTTY for a file without an ioctl. */
  async ioctl(fd: number, cmd: number, arg: unknown): Promise<number> {
    const f = this.files.lookup(fd);
    if (f === null) return -Errno.EBADF;
    if (f.fops.ioctl === undefined) return -Errno.ENOTTY;
    return f.fops.ioctl(f, cmd, arg, this);
  }
}

/**
 * Passes `fd` of `from` to `to` (sendmsg/recvmsg with SCM_RIGHTS): the receiver's new fd for
 * the same file, or -EBADF / -EMFILE.
 */
export function sendFd(from: Process, fd: number, to: Process): number {
  const f = from.files.lookup(fd);
  if (f === null) return -Errno.EBADF;
  const nfd = to.files.install(f.get());
  if (nfd < 0) f.put();
  return nfd;
}
