/** Turns a submitted pipeline into the job rows the store keeps: stage indexes, defaults, timestamps. */
import { RunfleetError } from "../../errors/index.js";
import { unrunJobState } from "../state/unrun-job-state.js";
import type { NewJob } from "../store/store.js";
import type { PipelineSubmission } from "../types.js";

/** `.pre` always first and `.post` always last, whatever order the stage list has. */
export function orderedStages(stages: readonly string[]): string[] {
  const middle = stages.filter((s) => s !== ".pre" && s !== ".post");
  return [".pre", ...middle, ".post"];
}

export function newJobsFor(submission: PipelineSubmission, projectId: number, now: number): NewJob[] {
  const stages = orderedStages(submission.stages);
  const names = new Set<string>();
  return submission.jobs.map((job) => {
    if (names.has(job.name)) {
      throw new RunfleetError("PLAN_INVALID", `two jobs are named "${job.name}" in one pipeline`);
    }
    names.add(job.name);
    const stageIndex = stages.indexOf(job.stage);
    if (stageIndex < 0) {
      throw new RunfleetError(
        "PLAN_INVALID",
        `job "${job.name}" uses stage "${job.stage}", which is not in stages`,
        {
          hint: `declare it under stages: (${submission.stages.join(", ")})`,
        },
      );
    }
    return {
      projectId,
      name: job.name,
      stage: job.stage,
      stageIndex,
      needs: job.needs,
      dependencies: job.dependencies,
      parentNeeds: job.parentNeeds ?? [],
      when: job.when,
      startInSeconds: job.startInSeconds,
      allowFailure: job.allowFailure,
      allowFailureExitCodes: job.allowFailureExitCodes,
      retry: job.retry,
      timeoutSeconds: job.timeoutSeconds,
      tags: job.tags,
      parallel: job.parallel,
      spec: job.spec,
      trigger: job.trigger,
      ...unrunJobState(now),
    };
  });
}
