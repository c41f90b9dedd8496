import type { CiConfig, Rule } from "../config/types.js";
import { expandString } from "./expand-variables.js";

/**
 * The refs `rules:changes:compare_to` names anywhere in a pipeline (workflow, jobs, local child
 * pipelines), expanded with the pipeline's variables, so the caller can diff against each one and
 * hand the planner `PlanContext.changedFilesByRef`. Sorted and without repeats.
 */
export function compareToRefs(config: CiConfig, variables: Readonly<Record<string, string>>): string[] {
  const refs = new Set<string>();
  const visit = (cfg: CiConfig): void => {
    const scope: Record<string, string> = {};
    for (const [name, variable] of Object.entries(cfg.variables)) scope[name] = variable.value;
    Object.assign(scope, variables);
    const add = (rules: readonly Rule[] | undefined): void => {
      for (const rule of rules ?? []) {
        const ref = rule.changes?.compareTo;
        if (ref !== undefined) refs.add(expandString(ref, scope));
      }
    };
    add(cfg.workflow?.rules);
    for (const job of cfg.jobs) {
      add(job.rules);
      if (job.trigger?.kind === "child" && job.trigger.config !== undefined) visit(job.trigger.config);
    }
  };
  visit(config);
  refs.delete("");
  return [...refs].sort();
}
