import type { AllowFailure } from "../config/types.js";
import type { PlannedJob, PlanResult } from "./types.js";

/**
 * The stable, documented JSON of `runfleet plan --json` (and of the fixtures' expected plans): only
 * the facts a reader checks against GitLab. `needs` is null for a job that follows stage order and a
 * list (possibly empty) when it has `needs:`; a trigger job's child pipeline nests under `child`.
 */
export interface PlanJson {
  readonly stages: readonly string[];
  readonly jobs: readonly PlanJsonJob[];
}

export interface PlanJsonJob {
  readonly name: string;
  readonly stage: string;
  readonly needs: readonly string[] | null;
  readonly when: PlannedJob["when"];
  readonly allowFailure: AllowFailure;
  readonly image: string | null;
  readonly tags: readonly string[];
  readonly variables: Readonly<Record<string, string>>;
  /** Only on trigger jobs: null when the child is known only at run time. */
  readonly child?: PlanJson | null;
}

export function toPlanJson(result: PlanResult): PlanJson {
  if (result.kind === "none") return { stages: [], jobs: [] };
  return { stages: result.plan.stages, jobs: result.plan.jobs.map(jobJson) };
}

function jobJson(job: PlannedJob): PlanJsonJob {
  const json: PlanJsonJob = {
    name: job.name,
    stage: job.stage,
    needs: job.needs === undefined ? null : job.needs.map((n) => n.name),
    when: job.when,
    allowFailure: job.allowFailure,
    image: job.image?.name ?? null,
    tags: job.tags,
    variables: job.variables,
  };
  if (job.trigger === undefined) return json;
  if (job.trigger.kind === "project") return { ...json, child: null };
  return { ...json, child: job.trigger.child === undefined ? null : toPlanJson(job.trigger.child) };
}
