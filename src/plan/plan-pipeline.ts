import type { CiConfig, CiJob, Need, Trigger } from "../config/types.js";
import { RunfleetError } from "../errors/index.js";
import type { RuleEnvironment } from "./evaluate-rules.js";
import { evaluateWorkflow } from "./evaluate-workflow.js";
import { expandAll, expandString } from "./expand-variables.js";
import { planEnvironment } from "./plan-environment.js";
import { planTrigger } from "./plan-trigger.js";
import { predefinedVariables } from "./predefined-variables.js";
import { projectVariablesFor, unscopedValues } from "./project-variables.js";
import {
  findNeedsCycle,
  type IncludedInstance,
  type NeedsIndex,
  type ResolvedNeeds,
  resolveDependencies,
  resolveNeeds,
} from "./resolve-needs.js";
import { type SelectedInstance, selectJobs, valuesOf } from "./select-jobs.js";
import type {
  JobProjectVariable,
  PlanContext,
  PlannedJob,
  PlannedTrigger,
  PlanResult,
  PlanWarning,
  ProjectVariable,
} from "./types.js";

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
  const projectVariables = context.projectVariables ?? [];
  // What rules and names see above the YAML: unscoped project variables, then pipeline variables.
  const aboveYaml = { ...unscopedValues(projectVariables), ...context.variables };
  const workflowEnv: RuleEnvironment = {
    context,
    warn,
    variables: expandAll({ ...predefined, ...yamlGlobals, ...aboveYaml }, rawNames(config)),
  };
  const workflow = evaluateWorkflow(config.workflow, workflowEnv);
  if (workflow.kind === "none") return { kind: "none", noPipeline: workflow.noPipeline };

  const globals = { ...yamlGlobals, ...workflow.variables };
  const stageIndex = (stage: string): number => config.stages.indexOf(stage);
  const selection = selectJobs({ config, context, predefined, globals, aboveYaml, stageIndex, warn });
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
  const shared: SharedByJob = {
    globalRaw: [...rawNames(config)],
    rawVariables: new Map(),
    needs: new Map(),
    predefined,
    aboveYaml,
    projectVariables,
    projectVariablesByEnvironment: new Map(),
  };
  const child = (trigger: Trigger, job: PlannedJob): PlannedTrigger =>
    planTrigger(trigger, job, context, depth, MAX_CHILD_DEPTH, warn, planAtDepth);
  const jobs = included.map((instance) => plannedJob(instance, index, stages, shared, child));
  checkCycles(jobs);

  const pipelineVariables = { ...context.variables };
  const name = config.workflow?.name;
  return {
    kind: "pipeline",
    plan: {
      ...(name === undefined
        ? {}
        : { name: expandString(name, { ...predefined, ...globals, ...aboveYaml }) }),
      stages,
      jobs,
      predefinedVariables: predefined,
      pipelineVariables,
      ...(projectVariables.length === 0 ? {} : { projectVariables }),
      source: context.source,
      warnings,
      excluded: selection.excluded,
    },
  };
}

function noJobsReason(excludedCount: number): string {
  return excludedCount === 0
    ? "the config defines no jobs"
    : `rules, only or except exclude every job for this ref and source (${excludedCount} checked)`;
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

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const NO_RETRY: PlannedJob["retry"] = { max: 0, when: [], exitCodes: [] };

/**
 * What instances of one job share, computed once: in a 200-way fan-out every instance has the same
 * needs and raw variable names, so they share those objects instead of rebuilding them.
 */
interface SharedByJob {
  /** Global variables written with `expand: false`. */
  readonly globalRaw: readonly string[];
  readonly rawVariables: Map<CiJob, readonly string[]>;
  /** Per job, since the loader may hand two jobs the same `needs` array (anchors, extends). */
  readonly needs: Map<CiJob, Map<readonly Need[], { resolved: ResolvedNeeds; names: ReadonlySet<string> }>>;
  /** What `environment` names expand with, besides the job's own variables. */
  readonly predefined: Readonly<Record<string, string>>;
  /** Unscoped project variables under pipeline variables: above every YAML variable. */
  readonly aboveYaml: Readonly<Record<string, string>>;
  readonly projectVariables: readonly ProjectVariable[];
  /** Instances deploying to the same environment (or none) share one list. */
  readonly projectVariablesByEnvironment: Map<string | undefined, readonly JobProjectVariable[]>;
}

function projectVariablesOf(shared: SharedByJob, environment: string | undefined) {
  let chosen = shared.projectVariablesByEnvironment.get(environment);
  if (chosen === undefined) {
    chosen = projectVariablesFor(shared.projectVariables, environment);
    shared.projectVariablesByEnvironment.set(environment, chosen);
  }
  return chosen;
}

function resolveNeedsShared(
  instance: SelectedInstance,
  needs: readonly Need[],
  index: NeedsIndex,
  shared: SharedByJob,
) {
  // Needs that use `$[[ matrix.X ]]` differ per instance; everything else is the same for all.
  const perInstance = needs.some((n) => n.kind === "job" && n.matrix !== undefined);
  let byNeeds = shared.needs.get(instance.job);
  if (byNeeds === undefined) {
    byNeeds = new Map();
    shared.needs.set(instance.job, byNeeds);
  }
  const cached = perInstance ? undefined : byNeeds.get(needs);
  if (cached !== undefined) return cached;
  const resolved = resolveNeeds(instance, needs, index);
  const entry = { resolved, names: new Set(resolved.needs.map((n) => n.name)) };
  if (!perInstance) byNeeds.set(needs, entry);
  return entry;
}

function plannedJob(
  instance: SelectedInstance,
  index: NeedsIndex,
  stages: readonly string[],
  shared: SharedByJob,
  child: (trigger: Trigger, job: PlannedJob) => PlannedTrigger,
): PlannedJob {
  const job = instance.job;
  const needs =
    instance.needs === undefined ? undefined : resolveNeedsShared(instance, instance.needs, index, shared);
  let rawVariables = shared.rawVariables.get(job);
  if (rawVariables === undefined) {
    // Global `expand: false` variables stay raw unless the job redefines them.
    const inherited = shared.globalRaw.filter(
      (name) => Object.hasOwn(instance.globalVariables, name) && !Object.hasOwn(job.variables, name),
    );
    const own = Object.entries(job.variables)
      .filter(([, v]) => !v.expand)
      .map(([name]) => name);
    rawVariables = [...inherited, ...own];
    shared.rawVariables.set(job, rawVariables);
  }
  const planned: Mutable<PlannedJob> = {
    name: instance.name,
    baseName: job.name,
    stage: job.stage,
    stageIndex: stages.indexOf(job.stage),
    when: instance.when,
    allowFailure: instance.allowFailure,
    pipelineNeeds: needs?.resolved.pipelineNeeds ?? [],
    services: job.services,
    tags: job.tags,
    globalVariables: instance.globalVariables,
    variables: instance.variables,
    rawVariables,
    beforeScript: job.beforeScript,
    script: job.script,
    afterScript: job.afterScript,
    cache: job.cache,
    retry: job.retry ?? NO_RETRY,
    interruptible: instance.interruptible,
    location: job.location,
  };
  if (instance.when === "delayed" && instance.startIn !== undefined) planned.startIn = instance.startIn;
  if (needs !== undefined) planned.needs = needs.resolved.needs;
  if (job.dependencies !== undefined) {
    planned.dependencies = resolveDependencies(instance, job.dependencies, needs?.names, index);
  }
  if (job.image !== undefined) planned.image = job.image;
  if (job.artifacts !== undefined) planned.artifacts = job.artifacts;
  if (job.timeout !== undefined) planned.timeout = job.timeout;
  if (job.environment !== undefined) {
    // GitLab expands the name and url once, when it creates the job, with the job's own variables.
    const variables = expandAll(
      {
        ...shared.predefined,
        CI_JOB_NAME: instance.name,
        CI_JOB_STAGE: job.stage,
        ...instance.globalVariables,
        ...instance.variables,
        ...shared.aboveYaml,
      },
      new Set(rawVariables),
    );
    planned.environment = planEnvironment(job.environment, variables);
  }
  if (shared.projectVariables.length > 0)
    planned.projectVariables = projectVariablesOf(shared, planned.environment?.name);
  if (job.coverage !== undefined) planned.coverage = job.coverage;
  if (job.resourceGroup !== undefined) planned.resourceGroup = job.resourceGroup;
  if (instance.parallel !== undefined) planned.parallel = instance.parallel;
  if (instance.matrix !== undefined) planned.matrix = instance.matrix;
  if (job.trigger !== undefined) planned.trigger = child(job.trigger, planned);
  return planned;
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
