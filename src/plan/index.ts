// The planner: a pure function from a loaded CiConfig and a PlanContext (ref, source, variables, files)
// to the PipelinePlan GitLab would create — rules evaluated, parallel jobs expanded, the DAG resolved.

export { compareToRefs } from "./compare-to-refs.js";
export { expandForRunner } from "./expand-variables.js";
export { formatPlan } from "./format-plan.js";
export { environmentVariables, type PlannedEnvironment } from "./plan-environment.js";
export { type PlanJson, type PlanJsonJob, toPlanJson } from "./plan-json.js";
export { planPipeline } from "./plan-pipeline.js";
export { predefinedVariables, slugify } from "./predefined-variables.js";
export { projectVariablesFor, scopeMatches, unscopedValues } from "./project-variables.js";
export type * from "./types.js";
export { PIPELINE_SOURCES } from "./types.js";
