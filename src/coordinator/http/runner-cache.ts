/**
 * Runners by token hash, remembered between polls: a busy manager asks for jobs many times a second
 * and its record rarely changes. Revocation through this coordinator forgets the entry at once; the
 * time limit bounds how stale a change made elsewhere in the store can be.
 */
import type { Store } from "../store/store.js";
import type { RunnerRecord } from "../types.js";

const TTL_MS = 5000;

export class RunnerCache {
  private readonly entries = new Map<string, { runner: RunnerRecord; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly clock: () => number,
  ) {}

  async byTokenHash(hash: string): Promise<RunnerRecord | undefined> {
    const now = this.clock();
    const hit = this.entries.get(hash);
    if (hit !== undefined && now - hit.at < TTL_MS) return hit.runner;
    const runner = await this.store.findRunnerByTokenHash(hash);
    if (runner === undefined) this.entries.delete(hash);
    else this.entries.set(hash, { runner, at: now });
    return runner;
  }

  forget(hash: string): void {
    this.entries.delete(hash);
  }
}
