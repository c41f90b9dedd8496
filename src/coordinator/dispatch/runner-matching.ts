/** Whether a runner may take a job: project scope, pause, and tags (`run_untagged` for untagged jobs). */
import type { JobRecord, RunnerRecord } from "../types.js";

export function runnerCanTake(runner: RunnerRecord, job: JobRecord): boolean {
  if (runner.paused) return false;
  if (runner.projectId !== null && runner.projectId !== job.projectId) return false;
  if (job.tags.length === 0) return runner.runUntagged;
  return job.tags.every((t) => runner.tags.includes(t));
}
