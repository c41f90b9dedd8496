import type { CiConfig } from "../config/types.js";
import { RunfleetError } from "../errors/index.js";
import type { RuleEnvironment } from "./evaluate-rules.js";
import { evaluateWorkflow } from "./evaluate-workflow.js";
import { expandAll, expandString } from "./expand-variables.js";
import { planTrigger } from "./plan-trigger.js";
import { predefinedVariables } from "./predefined-variables.js";
import {
  findNeedsCycle,
  type IncludedInstance,
  type NeedsIndex,
  resolveDependencies,
  resolveNeeds,
} from "./resolve-needs.js";
import { type SelectedInstance, selectJobs, valuesOf } from "./select-jobs.js";
import type { PlanContext, PlannedJob, PlanResult, PlanWarning } from "./types.js";

/**
 * (config, context) → the pipeline GitLab would create: workflow rules, job rules and only/except,
 * parallel and matrix expansion, needs resolved to instances and checked, child pipelines nested.
 * Pure: everything it needs (changed files, the repository's file list) comes in the context.
 */
export function planPipeline(config: CiConfig, context: PlanContext): PlanResult {
  return planAtDepth(config, context, 0);
}

const MAX_CHILD_DEPTH = 2;

function planAtDepth(config: CiConfig, context: PlanContext, depth: number): PlanResult {
  const warnings: PlanWarning[] = [];
  const warn = (warning: PlanWarning): void => {
    if (!warnings.some((w) => w.code === warning.code && w.message === warning.message))
      warnings.push(warning);
  };
  const predefined = predefinedVariables(context);
  const yamlGlobals = valuesOf(config.variables);
  const workflowEnv: RuleEnvironment = {
    context,
    warn,
    variables: expandAll({ ...predefined, ...yamlGlobals, ...context.variables }, rawNames(config)),
  };
  const workflow = evaluateWorkflow(config.workflow, workflowEnv);
  if (workflow.kind === "none") return { kind: "none", noPipeline: workflow.noPipeline };

  const globals = { ...yamlGlobals, ...workflow.variables };
  const stageIndex = (stage: string): number => config.stages.indexOf(stage);
  const selection = selectJobs({ config, context, predefined, globals, stageIndex, warn });
  const included = [...selection.included].sort((a, b) => a.stageIndex - b.stageIndex);

  if (included.length === 0) {
    return { kind: "none", noPipeline: { reason: noJobsReason(selection.excluded.length) } };
  }
  if (included.every((i) => i.job.stage === ".pre" || i.job.stage === ".post")) {
    return {
      kind: "none",
      noPipeline: {
        reason: "only jobs in `.pre`/`.post` would run, and GitLab creates no pipeline for those",
      },
    };
  }

  const index = buildIndex(config, included, stageIndex);
  const stages = config.stages.filter((stage) => included.some((i) => i.job.stage === stage));
  const jobs = included.map((instance) => plannedJob(instance, index, stages, context, depth, warn));
  checkCycles(jobs);

  const pipelineVariables = { ...context.variables };
  const name = config.workflow?.name;
  return {
    kind: "pipeline",
    plan: {
      ...(name === undefined
        ? {}
        : { name: expandString(name, { ...predefined, ...globals, ...pipelineVariables }) }),
      stages,
      jobs,
      predefinedVariables: predefined,
      pipelineVariables,
      source: context.source,
      warnings,
    },
  };
}

function noJobsReason(excludedCount: number): string {
  return excludedCount === 0
    ? "the config defines no jobs"
    : `rules, only or except exclude all ${excludedCount} jobs for this ref and source`;
}

function rawNames(config: CiConfig): Set<string> {
  return new Set(
    Object.entries(config.variables)
      .filter(([, v]) => !v.expand)
      .map(([name]) => name),
  );
}

function buildIndex(
  config: CiConfig,
  included: readonly IncludedInstance[],
  stageIndex: (stage: string) => number,
): NeedsIndex {
  const instancesByJob = new Map<string, IncludedInstance[]>();
  for (const instance of included) {
    const list = instancesByJob.get(instance.job.name);
    if (list === undefined) instancesByJob.set(instance.job.name, [instance]);
    else list.push(instance);
  }
  return { instancesByJob, configJobs: new Map(config.jobs.map((j) => [j.name, j])), stageIndex };
}

function plannedJob(
  instance: SelectedInstance,
  index: NeedsIndex,
  stages: readonly string[],
  context: PlanContext,
  depth: number,
  warn: (warning: PlanWarning) => void,
): PlannedJob {
  const job = instance.job;
  const resolved = instance.needs === undefined ? undefined : resolveNeeds(instance, instance.needs, index);
  const neededNames = resolved === undefined ? undefined : new Set(resolved.needs.map((n) => n.name));
  const dependencies =
    job.dependencies === undefined
      ? undefined
      : resolveDependencies(instance, job.dependencies, neededNames, index);
  const raw = [...Object.entries(job.variables)].filter(([, v]) => !v.expand).map(([n]) => n);
  const planned: PlannedJob = {
    name: instance.name,
    baseName: job.name,
    stage: job.stage,
    stageIndex: stages.indexOf(job.stage),
    when: instance.when,
    ...(instance.when === "delayed" && instance.startIn !== undefined ? { startIn: instance.startIn } : {}),
    allowFailure: instance.allowFailure,
    ...(resolved === undefined ? {} : { needs: resolved.needs }),
    pipelineNeeds: resolved?.pipelineNeeds ?? [],
    ...(dependencies === undefined ? {} : { dependencies }),
    ...(job.image === undefined ? {} : { image: job.image }),
    services: job.services,
    tags: job.tags,
    globalVariables: instance.globalVariables,
    variables: instance.variables,
    rawVariables: raw,
    beforeScript: job.beforeScript,
    script: job.script,
    afterScript: job.afterScript,
    ...(job.artifacts === undefined ? {} : { artifacts: job.artifacts }),
    cache: job.cache,
    retry: job.retry ?? { max: 0, when: [], exitCodes: [] },
    ...(job.timeout === undefined ? {} : { timeout: job.timeout }),
    ...(job.environment === undefined ? {} : { environment: job.environment }),
    ...(job.coverage === undefined ? {} : { coverage: job.coverage }),
    interruptible: instance.interruptible,
    ...(job.resourceGroup === undefined ? {} : { resourceGroup: job.resourceGroup }),
    ...(instance.parallel === undefined ? {} : { parallel: instance.parallel }),
    ...(instance.matrix === undefined ? {} : { matrix: instance.matrix }),
    location: job.location,
  };
  if (job.trigger === undefined) return planned;
  const trigger = planTrigger(job.trigger, planned, context, depth, MAX_CHILD_DEPTH, warn, planAtDepth);
  return { ...planned, trigger };
}

function checkCycles(jobs: readonly PlannedJob[]): void {
  const edges = new Map<string, string[]>();
  for (const job of jobs)
    edges.set(
      job.name,
      (job.needs ?? []).map((n) => n.name),
    );
  const cycle = findNeedsCycle(edges);
  if (cycle === undefined) return;
  const first = jobs.find((j) => j.name === cycle[0]);
  throw new RunfleetError(
    "CONFIG_INVALID",
    `needs form a cycle: ${cycle.map((n) => `\`${n}\``).join(" → ")}`,
    {
      ...(first === undefined ? {} : { location: { ...first.location, path: `${first.baseName}.needs` } }),
      hint: "a job cannot wait, directly or through others, for itself",
    },
  );
}
