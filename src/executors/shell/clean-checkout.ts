/**
 * What a slot remembers of its last clean checkout: the project directory, the commit and clean flags
 * it was made for, and a stamp of the tree taken right after. A job of the same commit whose tree still
 * matches the stamp starts from exactly that clean checkout, so its git work can be skipped.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { SourcesSpec } from "../../jobscript/index.js";
import { stampTree, type TreeStamp, treeUnchanged } from "./tree-stamp.js";

/** How often a stamp is retried while entries are too fresh (each wait is about 50 ms). */
const STAMP_ATTEMPTS = 3;

function checkoutKey(spec: SourcesSpec): string {
  return `${spec.git.sha}\0${spec.cleanFlags.join("\0")}`;
}

export class CleanCheckout {
  private last: { readonly projectDir: string; readonly key: string; readonly stamp: TreeStamp } | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** True when `projectDir` is still the clean checkout `spec` asks for (and forgets it otherwise). */
  reusable(projectDir: string, spec: SourcesSpec): boolean {
    const last = this.last;
    if (last === undefined) return false;
    if (last.projectDir === projectDir && last.key === checkoutKey(spec) && treeUnchanged(last.stamp))
      return true;
    this.last = undefined;
    return false;
  }

  forget(): void {
    this.last = undefined;
  }

  /**
   * Stamps `projectDir` right after a checkout and clean for `spec`, before the job touches it. Entries
   * the checkout has just written are too fresh to stamp: waiting out the window costs this one job a
   * few tens of milliseconds and saves every later job of the slot its git processes.
   */
  async remember(projectDir: string, spec: SourcesSpec): Promise<void> {
    this.last = undefined;
    for (let attempt = 0; attempt < STAMP_ATTEMPTS; attempt++) {
      const result = stampTree(projectDir, this.now);
      switch (result.kind) {
        case "stamped":
          this.last = { projectDir, key: checkoutKey(spec), stamp: result.stamp };
          return;
        case "racy":
          await sleep(Math.max(1, result.retryAt - this.now()));
          break;
        case "unsupported":
          return;
        default: {
          const never: never = result;
          return never;
        }
      }
    }
  }
}
