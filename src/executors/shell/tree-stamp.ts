/**
 * A proof that a directory tree has not changed since a moment: every entry's inode, mode, size and
 * change time (ctime), recorded right after a checkout and clean. No process can set a ctime back —
 * any write, chmod, rename, link, or an entry added or removed inside a directory moves it forward —
 * so when every recorded entry still has its stamp, the tree (work tree and `.git` alike) is still
 * exactly the clean checkout, and the next job of the slot needs no git process at all.
 *
 * A stamp only counts when every ctime is older than the moment the walk began by more than the
 * kernel's timestamp granularity (a change in the same clock tick would keep the same ctime — git
 * calls this a "racy" entry). Filesystems with coarse timestamps (whole seconds) get no stamp.
 */
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface TreeStamp {
  readonly root: string;
  readonly paths: readonly string[];
  /** Four numbers per path: inode, mode, size, ctime (ms, with sub-millisecond fraction). */
  readonly stamps: Float64Array;
}

/** More than the coarsest kernel clock tick (10 ms at HZ=100), with room to spare. */
export const RACY_WINDOW_MS = 50;
/** Beyond this many entries a walk costs about what git's own checkout would: no stamp then. */
export const MAX_STAMPED_ENTRIES = 20_000;

export type StampResult =
  | { readonly kind: "stamped"; readonly stamp: TreeStamp }
  /** Some entry changed too recently: try again once `retryAt` (epoch ms) has passed. */
  | { readonly kind: "racy"; readonly retryAt: number }
  | { readonly kind: "unsupported"; readonly why: "too_many_entries" | "coarse_timestamps" | "missing" };

/** Walks `root` (not following symlinks) and stamps every entry, the root included. */
export function stampTree(
  root: string,
  now: () => number = Date.now,
  maxEntries = MAX_STAMPED_ENTRIES,
): StampResult {
  const began = now();
  const paths: string[] = [];
  const values: number[] = [];
  let newest = 0;
  let fineGrained = false;
  const pending = [root];
  while (pending.length > 0) {
    const path = pending.pop() ?? root;
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return { kind: "unsupported", why: "missing" };
    if (paths.length >= maxEntries) return { kind: "unsupported", why: "too_many_entries" };
    paths.push(path);
    values.push(st.ino, st.mode, st.size, st.ctimeMs);
    if (st.ctimeMs > newest) newest = st.ctimeMs;
    if (!fineGrained && st.ctimeMs % 1000 !== 0) fineGrained = true;
    if (st.isDirectory()) for (const name of readdirSync(path)) pending.push(join(path, name));
  }
  if (!fineGrained) return { kind: "unsupported", why: "coarse_timestamps" };
  if (newest > began - RACY_WINDOW_MS) return { kind: "racy", retryAt: newest + RACY_WINDOW_MS + 1 };
  return { kind: "stamped", stamp: { root, paths, stamps: Float64Array.from(values) } };
}

/** Whether every entry still has its stamp — and, through the directories' ctimes, none was added. */
export function treeUnchanged(stamp: TreeStamp): boolean {
  const { paths, stamps } = stamp;
  for (let i = 0; i < paths.length; i++) {
    const st = lstatSync(paths[i] ?? "", { throwIfNoEntry: false });
    if (st === undefined) return false;
    const at = i * 4;
    if (st.ino !== stamps[at] || st.mode !== stamps[at + 1] || st.size !== stamps[at + 2]) return false;
    if (st.ctimeMs !== stamps[at + 3]) return false;
  }
  return true;
}
