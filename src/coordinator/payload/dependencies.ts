/**
 * Which earlier jobs a job receives artifacts and dotenv variables from, as GitLab decides it:
 * `dependencies:` when given, else the `needs` that ask for artifacts, else every job of earlier stages.
 */
import type { JobRecord } from "../types.js";

export function dependencyJobs(job: JobRecord, pipelineJobs: readonly JobRecord[]): JobRecord[] {
  if (job.dependencies?.length === 0) return [];
  if (job.dependencies === null && job.needs !== null && !job.needs.some((n) => n.artifacts)) return [];
  const current = pipelineJobs.filter((j) => !j.retried && j.id !== job.id);
  const byName = new Map(current.map((j) => [j.name, j]));
  const pick = (names: readonly string[]) =>
    names.flatMap((n) => {
      const j = byName.get(n);
      return j === undefined ? [] : [j];
    });
  if (job.dependencies !== null) return pick(job.dependencies);
  if (job.needs !== null) return pick(job.needs.filter((n) => n.artifacts).map((n) => n.job));
  return current.filter((j) => j.stageIndex < job.stageIndex && j.trigger === null);
}
