/**
 * Which earlier jobs a job receives artifacts and dotenv variables from, as GitLab decides it:
 * `dependencies:` when given, else the `needs` that ask for artifacts, else every job of earlier stages.
 */
import type { JobRecord } from "../types.js";

/**
 * False when the job can have no dependencies whatever its pipeline holds, so callers skip listing
 * the pipeline's jobs: at a wide fan-out that listing, once per hand-out, is quadratic.
 */
export function mayHaveDependencies(job: JobRecord): boolean {
  if (job.dependencies !== null)
    return job.dependencies.length > 0 && (job.needs === null || job.needs.some((n) => n.artifacts));
  if (job.needs !== null) return job.needs.some((n) => n.artifacts);
  return job.stageIndex > 0;
}

export function dependencyJobs(job: JobRecord, pipelineJobs: readonly JobRecord[]): JobRecord[] {
  if (!mayHaveDependencies(job)) return [];
  if (job.dependencies === null && job.needs === null) {
    return pipelineJobs.filter(
      (j) => !j.retried && j.id !== job.id && j.stageIndex < job.stageIndex && j.trigger === null,
    );
  }
  const byName = new Map<string, JobRecord>();
  for (const j of pipelineJobs) if (!j.retried && j.id !== job.id) byName.set(j.name, j);
  // GitLab: the needs that ask for artifacts, narrowed by `dependencies:` when it is given.
  const fromNeeds =
    job.needs === null ? null : new Set(job.needs.filter((n) => n.artifacts).map((n) => n.job));
  const names =
    job.dependencies !== null
      ? job.dependencies.filter((d) => fromNeeds === null || fromNeeds.has(d))
      : [...(fromNeeds ?? [])];
  return names.flatMap((n) => {
    const j = byName.get(n);
    return j === undefined ? [] : [j];
  });
}
