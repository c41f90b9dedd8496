/**
 * Per pipeline and stage, the ids of earlier-stage jobs — what a job without `needs` or `dependencies`
 * takes artifacts from — valid while the pipeline's job set is unchanged: at a wide fan-out, working
 * them out per hand-out is quadratic.
 */
import { dependencyJobs } from "../payload/dependencies.js";
import type { JobRecord } from "../types.js";
import type { ActivePipeline } from "./plan-step.js";

export class EarlierStageJobs {
  private readonly byPipeline = new Map<number, { version: number; byStage: Map<number, number[]> }>();
  private readonly versions = new Map<number, number>();

  /** The pipeline's job set changed (a job added, or one became a retried attempt). */
  changed(pipelineId: number): void {
    this.versions.set(pipelineId, (this.versions.get(pipelineId) ?? 0) + 1);
  }

  forget(pipelineId: number): void {
    this.byPipeline.delete(pipelineId);
    this.versions.delete(pipelineId);
  }

  /** The jobs of stages before `job`'s, as `dependencyJobs` picks them, without `job` itself. */
  of(p: ActivePipeline, job: JobRecord): JobRecord[] {
    const version = this.versions.get(p.record.id) ?? 0;
    let cached = this.byPipeline.get(p.record.id);
    if (cached === undefined || cached.version !== version) {
      cached = { version, byStage: new Map() };
      this.byPipeline.set(p.record.id, cached);
    }
    let ids = cached.byStage.get(job.stageIndex);
    if (ids === undefined) {
      ids = dependencyJobs(job, [...p.jobs.values()]).map((j) => j.id);
      cached.byStage.set(job.stageIndex, ids);
    }
    return ids.flatMap((id) => (id === job.id ? [] : (p.jobs.get(id) ?? [])));
  }
}
