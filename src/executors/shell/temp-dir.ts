/**
 * A job's temporary directory (`<project>.tmp`: stage scripts and file variables). Both may hold
 * secrets, so nothing of a job's is left in it after the job; but the directory and the stage scripts'
 * files themselves are kept, emptied, for the slot's next job. Making and deleting a directory and a
 * file per job is what costs here: on ext4, allocating inodes among many just-deleted ones is slow.
 */
import { closeSync, constants, lstatSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Opened for writing from the start, never through a symlink a job may have left in its place. */
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/** Writes a stage script (mode 0700 when new), reusing the file the slot's last job had. */
export function writeStageFile(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  let fd: number;
  try {
    fd = openSync(path, WRITE_FLAGS, 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ELOOP") throw err;
    // The job put a symlink there: it goes, its target stays untouched.
    rmSync(path, { force: true });
    fd = openSync(path, WRITE_FLAGS, 0o700);
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return path;
}

/**
 * Leaves `dir` holding nothing of the job: the stage files in `keep` are truncated to nothing when they
 * are still plain files, everything else (file variables, whatever the job put there) is removed.
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
    if (keep.has(name) && lstatSync(path, { throwIfNoEntry: false })?.isFile() === true) {
      closeSync(openSync(path, WRITE_FLAGS));
    } else {
      rmSync(path, { recursive: true, force: true });
    }
  }
}
