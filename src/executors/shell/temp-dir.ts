/**
 * A job's temporary directory (`<project>.tmp`: stage scripts and file variables). Both may hold
 * secrets, so nothing of a job's is readable in it after the job; but the directory and the stage
 * scripts' files are kept for the slot's next job. What costs here is the file system, not the bytes:
 * making and deleting a file per job makes ext4 allocate inodes among just-deleted ones, and truncating
 * a freshly written file to nothing makes it flush that file (`auto_da_alloc`) — milliseconds of
 * waiting on the runner's event loop. So a stage file is rewritten in place and, after the job,
 * overwritten with zeros rather than truncated or deleted.
 */
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readdirSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

/** Never through a symlink a job may have left in a stage file's place. */
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW;

function openStageFile(path: string): number {
  try {
    return openSync(path, WRITE_FLAGS, 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ELOOP") throw err;
    // The job put a symlink there: it goes, its target stays untouched.
    rmSync(path, { force: true });
    return openSync(path, WRITE_FLAGS, 0o700);
  }
}

/** Writes a stage script (mode 0700 when new), over the file the slot's last job had. */
export function writeStageFile(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  const bytes = Buffer.from(content);
  const fd = openStageFile(path);
  try {
    writeSync(fd, bytes, 0, bytes.length, 0);
    // Cut what is left of a longer script; never to nothing (see above), as a script is never empty.
    if (fstatSync(fd).size > bytes.length) ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Overwrites a plain file's whole content with zeros, in place. */
function zeroFill(path: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
  try {
    const size = fstatSync(fd).size;
    const zeros = Buffer.alloc(Math.min(size, 1 << 20));
    for (let at = 0; at < size; at += zeros.length)
      writeSync(fd, zeros, 0, Math.min(zeros.length, size - at), at);
  } finally {
    closeSync(fd);
  }
}

/**
 * Leaves `dir` holding nothing of the job: the stage files in `keep` are overwritten with zeros when
 * they are still plain files, everything else (file variables, whatever the job put there) is removed.
 */
export function emptyTempDir(dir: string, keep: ReadonlySet<string>): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // never made, or removed by the job itself
  }
  for (const name of names) {
    const path = join(dir, name);
    if (keep.has(name) && lstatSync(path, { throwIfNoEntry: false })?.isFile() === true) zeroFill(path);
    else rmSync(path, { recursive: true, force: true });
  }
}
