import type { CiConfig, Trigger } from "../config/types.js";
import type { PlanContext, PlannedJob, PlannedTrigger, PlanResult, PlanWarning } from "./types.js";

type PlanAtDepth = (config: CiConfig, context: PlanContext, depth: number) => PlanResult;

/**
 * A trigger job's downstream pipeline. A local child is planned now, nested under the job, with
 * source `parent_pipeline` and the trigger job's variables forwarded (GitLab's `forward:` defaults:
 * YAML variables yes, pipeline variables no). Other kinds are kept, with a warning, for what cannot run.
 */
export function planTrigger(
  trigger: Trigger,
  job: PlannedJob,
  context: PlanContext,
  depth: number,
  maxDepth: number,
  warn: (warning: PlanWarning) => void,
  plan: PlanAtDepth,
): PlannedTrigger {
  switch (trigger.kind) {
    case "project":
      // The loader reports cross-project triggers; the job stays in the plan as GitLab shows it.
      return {
        kind: "project",
        project: trigger.project,
        ...(trigger.branch === undefined ? {} : { branch: trigger.branch }),
        ...(trigger.strategy === undefined ? {} : { strategy: trigger.strategy }),
      };
    case "child": {
      const forwarded: Record<string, string> = {
        ...(trigger.forward.pipelineVariables ? context.variables : {}),
        ...(trigger.forward.yamlVariables ? { ...job.globalVariables, ...job.variables } : {}),
      };
      const base = {
        kind: "child" as const,
        include: trigger.include,
        forward: trigger.forward,
        variables: forwarded,
        ...(trigger.strategy === undefined ? {} : { strategy: trigger.strategy }),
      };
      if (trigger.config === undefined) {
        const artifact = trigger.include.find((i) => i.kind === "artifact");
        warn({
          code: "UNSUPPORTED_TRIGGER_ARTIFACT",
          message:
            artifact === undefined
              ? `the child pipeline of \`${job.name}\` cannot be loaded here, so it is not planned`
              : `the child pipeline of \`${job.name}\` comes from artifact ${artifact.artifact} of \`${artifact.job}\` and is planned when that job has run`,
          location: job.location,
        });
        return base;
      }
      if (depth >= maxDepth) {
        warn({
          code: "UNSUPPORTED_TRIGGER_ARTIFACT",
          message: `\`${job.name}\` nests child pipelines deeper than GitLab's limit of ${maxDepth + 1} levels`,
          location: job.location,
        });
        return base;
      }
      const childContext: PlanContext = { ...context, source: "parent_pipeline", variables: forwarded };
      return { ...base, child: plan(trigger.config, childContext, depth + 1) };
    }
    default: {
      const unreachable: never = trigger;
      return unreachable;
    }
  }
}
