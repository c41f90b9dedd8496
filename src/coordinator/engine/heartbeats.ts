/**
 * The latest sign of life per active job, kept beside the job records rather than in a new copy of
 * one: a runner sends one with every trace patch and keep-alive. In memory only — a restarted
 * coordinator grants every live job a fresh window.
 */
import type { JobRecord } from "../types.js";

export class Heartbeats {
  private readonly beats = new Map<number, number>();

  beat(jobId: number, at: number): void {
    this.beats.set(jobId, at);
  }

  forget(jobId: number): void {
    this.beats.delete(jobId);
  }

  /** The jobs as the watchdog must see them: each with its latest sign of life. */
  applied(jobs: Iterable<JobRecord>): JobRecord[] {
    const out: JobRecord[] = [];
    for (const job of jobs) {
      const beat = this.beats.get(job.id);
      out.push(beat !== undefined && beat > (job.heartbeatAt ?? -1) ? { ...job, heartbeatAt: beat } : job);
    }
    return out;
  }
}
