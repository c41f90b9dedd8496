/**
 * Native long polling and fair hand-out of queued jobs. Every `POST /jobs/request` parks as a waiter;
 * after each change a dispatch round gives each queued job, oldest first, to the eligible waiting
 * manager that was served least recently. A manager that comes straight back for more therefore
 * queues behind managers that have been waiting, and the instances of a `parallel` job spread
 * round-robin over all polling managers. Jobs nobody can take stay queued; they never fail for it.
 */
import type { CoordinatorEvent, PipelineEngine } from "../engine/pipeline-engine.js";
import { isQueued } from "../engine/pipeline-engine.js";
import { hashToken, newJobToken } from "../tokens.js";
import type { JobRecord, RunnerRecord } from "../types.js";
import type { Hangup } from "./hangup.js";
import { runnerCanTake } from "./runner-matching.js";

export type DispatchOutcome =
  | { readonly kind: "job"; readonly job: JobRecord; readonly token: string }
  | { readonly kind: "none"; readonly lastUpdate: string }
  /** The job chosen was taken by someone else sharing the store: GitLab's 409, the runner asks again. */
  | { readonly kind: "conflict" };

export interface Poller {
  readonly runner: RunnerRecord;
  /** One runner manager: the runner token plus the manager's `system_id`. */
  readonly managerKey: string;
}

interface Waiter extends Poller {
  readonly resolve: (outcome: DispatchOutcome) => void;
  timer: NodeJS.Timeout | undefined;
}

export class JobDispatcher {
  private readonly queue = new Map<number, JobRecord>();
  private waiters: Waiter[] = [];
  private readonly lastServed = new Map<string, number>();
  private served = 0;
  private version = 1;
  private dispatching = false;
  private again = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly engine: PipelineEngine) {
    for (const job of engine.queuedJobs()) this.queue.set(job.id, job);
    this.unsubscribe = engine.subscribe((e) => this.onEvent(e));
  }

  /** The value runners echo as `last_update`; it moves whenever a job is queued. */
  lastUpdate(): string {
    return String(this.version);
  }

  queuedCount(): number {
    return this.queue.size;
  }

  /**
   * Waits up to `waitMs` for a job this poller may take. A `hangup` (the client went away) withdraws
   * the waiter so no job is handed to a closed connection.
   */
  request(poller: Poller, waitMs: number, hangup?: Hangup): Promise<DispatchOutcome> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        ...poller,
        timer: undefined,
        resolve: (outcome) => {
          if (waiter.timer !== undefined) clearTimeout(waiter.timer);
          hangup?.clear();
          resolve(outcome);
        },
      };
      const giveUp = () => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        waiter.resolve({ kind: "none", lastUpdate: this.lastUpdate() });
      };
      this.waiters.push(waiter);
      waiter.timer = setTimeout(giveUp, waitMs);
      hangup?.onHangup(giveUp);
      this.schedule();
    });
  }

  /** Answers every parked request with 204 (shutdown). */
  close(): void {
    this.unsubscribe();
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.resolve({ kind: "none", lastUpdate: this.lastUpdate() });
  }

  private onEvent(event: CoordinatorEvent): void {
    if (event.type !== "job") return;
    const job = event.job;
    if (isQueued(job)) {
      if (!this.queue.has(job.id)) this.version++;
      this.queue.set(job.id, job);
      this.schedule();
    } else {
      this.queue.delete(job.id);
    }
  }

  private schedule(): void {
    if (this.dispatching) {
      this.again = true;
      return;
    }
    this.dispatching = true;
    setImmediate(() => {
      void this.dispatch();
    });
  }

  private async dispatch(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.round();
      } while (this.again);
    } finally {
      this.dispatching = false;
    }
  }

  private async round(): Promise<void> {
    for (const job of this.queue.values()) {
      if (this.waiters.length === 0) return;
      const waiter = this.pickWaiter(job);
      if (waiter === undefined) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      this.queue.delete(job.id);
      const token = newJobToken(job.id);
      const claimed = await this.engine.claim(job.id, waiter.runner.id, hashToken(token));
      if (claimed === undefined) {
        waiter.resolve({ kind: "conflict" });
        continue;
      }
      this.lastServed.set(waiter.managerKey, ++this.served);
      waiter.resolve({ kind: "job", job: claimed, token });
    }
  }

  /** The eligible waiter served least recently; among equals, the one waiting longest. */
  private pickWaiter(job: JobRecord): Waiter | undefined {
    let best: Waiter | undefined;
    let bestServed = Number.POSITIVE_INFINITY;
    for (const w of this.waiters) {
      if (!runnerCanTake(w.runner, job)) continue;
      const served = this.lastServed.get(w.managerKey) ?? 0;
      if (served < bestServed) {
        best = w;
        bestServed = served;
      }
    }
    return best;
  }
}
