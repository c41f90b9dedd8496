/**
 * Whether a step could release any `created` job, answered without looking at every job, so that
 * `settle` — which builds maps of the whole pipeline — runs only when it can change something.
 * Without it, every finished job of a wide fan-out settled the whole pipeline again while a later
 * stage waited: quadratic in the fan-out.
 */
import { isFinished } from "../../protocol/index.js";
import type { JobNode } from "./job-node.js";

/** A job that holds back the stages after it (see `settle`): unfinished, or a manual job that must not fail. */
function blocks(job: JobNode): boolean {
  return !job.retried && (job.status === "manual" ? !job.allowFailure : !isFinished(job.status));
}

/**
 * Built from a pipeline's jobs once: a job leaves `created` for good, so the lists made then only
 * shrink, and every answer checks them against the jobs as they are.
 */
export class ReleaseIndex {
  /** Stage-gated `created` jobs, earliest stage first; those before `start` have left `created`. */
  private readonly gated: number[];
  private start = 0;
  /** By job name, the `created` jobs whose `needs` name it. */
  private readonly neededBy = new Map<string, number[]>();
  /** A job last seen blocking a stage before the earliest gated one: usually still blocking. */
  private witness: number | undefined;

  constructor(jobs: ReadonlyMap<number, JobNode>) {
    const gated: JobNode[] = [];
    for (const job of jobs.values()) {
      if (job.status !== "created" || job.retried) continue;
      if (job.needs === null) {
        gated.push(job);
        continue;
      }
      for (const need of job.needs) {
        const ids = this.neededBy.get(need.job);
        if (ids === undefined) this.neededBy.set(need.job, [job.id]);
        else ids.push(job.id);
      }
    }
    this.gated = gated.sort((a, b) => a.stageIndex - b.stageIndex).map((j) => j.id);
  }

  /**
   * False when no `created` job can move after the jobs in `overlay` (the step's changes over `jobs`)
   * changed: none gated by `needs` names a changed job, and every stage-gated one has a blocking job
   * in an earlier stage.
   */
  couldRelease(jobs: ReadonlyMap<number, JobNode>, overlay: ReadonlyMap<number, JobNode>): boolean {
    const current = (id: number) => overlay.get(id) ?? jobs.get(id);
    for (const changed of overlay.values()) {
      for (const id of this.neededBy.get(changed.name) ?? []) {
        if (current(id)?.status === "created") return true;
      }
    }
    // Skip for good what has left `created` in the stored state; the step's own changes only for now.
    while (this.start < this.gated.length && jobs.get(this.gated[this.start] ?? 0)?.status !== "created") {
      this.start++;
    }
    let first: JobNode | undefined;
    for (let i = this.start; i < this.gated.length && first === undefined; i++) {
      const job = current(this.gated[i] ?? 0);
      if (job?.status === "created") first = job;
    }
    if (first === undefined) return false;
    const earliest = first.stageIndex;
    const seen = this.witness === undefined ? undefined : current(this.witness);
    if (seen !== undefined && seen.stageIndex < earliest && blocks(seen)) return false;
    // A new witness: the last blocking job in id order, the one handed out last and so likely to finish last.
    this.witness = undefined;
    for (const base of jobs.values()) {
      const job = overlay.get(base.id) ?? base;
      if (job.stageIndex < earliest && blocks(job)) this.witness = job.id;
    }
    return this.witness === undefined;
  }
}
