/**
 * Translates the planner's `PipelinePlan` into the coordinator's `PipelineSubmission`: job options into
 * protocol shapes (artifacts with their report entries, cache, images), variables in GitLab's order,
 * trigger jobs into child pipelines — planned now, or from an artifact once its job has run.
 */
import type { ArtifactsConfig, CacheConfig, ImageConfig, ServiceConfig } from "../config/types.js";
import { environmentVariables } from "../plan/index.js";
import type {
  JobProjectVariable,
  PipelinePlan,
  PlannedJob,
  PlannedTrigger,
  ProjectVariable,
} from "../plan/types.js";
import type { JobArtifact, JobCache, JobImage } from "../protocol/index.js";
import type {
  JobScriptSpec,
  PipelineSubmission,
  ScopedVariable,
  SubmittedJob,
  SubmittedVariable,
  TriggerSpec,
} from "./types.js";

/** GitLab's default job timeout (a project setting there): one hour. */
export const DEFAULT_JOB_TIMEOUT_SECONDS = 3600;

/** Resolves `cache:key:files` to a key; the coordinator does it against the pipeline's commit. */
export type CacheKeyFromFiles = (files: readonly string[], prefix: string | undefined) => string;

export function submissionFromPlan(
  plan: PipelinePlan,
  cacheKeyFromFiles: CacheKeyFromFiles,
): PipelineSubmission {
  const specs: SpecTable = new Map();
  return {
    stages: plan.stages,
    variables: toVariables(plan.predefinedVariables, []),
    jobs: plan.jobs.map((job) => submittedJobFromPlan(job, cacheKeyFromFiles, plan.projectVariables, specs)),
  };
}

/**
 * Per job name, the spec made for its first instance: the instances of a `parallel` job share one
 * spec object when what it is made from is the same, so it is built, stored and serialised once.
 */
type SpecTable = Map<string, { readonly from: PlannedJob; readonly spec: JobScriptSpec }>;

function sameSpecInputs(a: PlannedJob, b: PlannedJob): boolean {
  return (
    a.beforeScript === b.beforeScript &&
    a.script === b.script &&
    a.afterScript === b.afterScript &&
    a.image === b.image &&
    a.services === b.services &&
    a.artifacts === b.artifacts &&
    a.cache === b.cache &&
    a.globalVariables === b.globalVariables &&
    a.rawVariables === b.rawVariables &&
    sameRecord(ownVariables(a), ownVariables(b)) &&
    sameJson(a.environment, b.environment) &&
    sameJson(a.projectVariables, b.projectVariables)
  );
}

/**
 * The job's variables without the planner's copy of its `parallel` place: the coordinator sends
 * CI_NODE_INDEX and CI_NODE_TOTAL with every instance itself, so the instances' specs can be one.
 */
function ownVariables(job: PlannedJob): Readonly<Record<string, string>> {
  const node = job.parallel;
  if (node === undefined) return job.variables;
  const { CI_NODE_INDEX: index, CI_NODE_TOTAL: total, ...rest } = job.variables;
  const same =
    (index === undefined || index === String(node.index)) &&
    (total === undefined || total === String(node.total));
  return same ? rest : job.variables;
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Pipeline variables of the plan (`--var`): the run's user variables. */
export function userVariablesFromPlan(plan: PipelinePlan): SubmittedVariable[] {
  return toVariables(plan.pipelineVariables, []);
}

function toVariables(vars: Readonly<Record<string, string>>, raw: readonly string[]): SubmittedVariable[] {
  return Object.entries(vars).map(([key, value]) => ({
    key,
    value,
    ...(raw.includes(key) ? { raw: true } : {}),
  }));
}

function fromProjectVariable(v: JobProjectVariable): SubmittedVariable {
  return {
    key: v.key,
    value: v.value,
    ...(v.masked ? { masked: true } : {}),
    ...(v.file ? { file: true } : {}),
    ...(v.raw ? { raw: true } : {}),
  };
}

function toScopedVariable(v: ProjectVariable): ScopedVariable {
  return { ...fromProjectVariable(v), environmentScope: v.environmentScope };
}

function submittedJobFromPlan(
  job: PlannedJob,
  cacheKeyFromFiles: CacheKeyFromFiles,
  projectVariables: readonly ProjectVariable[] | undefined,
  specs: SpecTable,
): SubmittedJob {
  const allow = job.allowFailure;
  const known = specs.get(job.baseName);
  let spec: JobScriptSpec;
  if (known !== undefined && sameSpecInputs(known.from, job)) {
    spec = known.spec;
  } else {
    spec = specFromPlan(job, cacheKeyFromFiles);
    specs.set(job.baseName, { from: job, spec });
  }
  return {
    name: job.name,
    stage: job.stage,
    needs:
      job.needs === undefined
        ? null
        : job.needs.map((n) => ({ job: n.name, artifacts: n.artifacts, optional: n.optional })),
    dependencies: job.dependencies ?? null,
    parentNeeds: job.pipelineNeeds
      .filter((n) => n.artifacts && /PARENT_PIPELINE_ID/.test(n.pipeline))
      .map((n) => n.job),
    when: job.when,
    startInSeconds: job.startIn ?? 0,
    allowFailure: allow === true,
    allowFailureExitCodes: typeof allow === "object" ? allow.exitCodes : [],
    retry: job.retry,
    timeoutSeconds: job.timeout ?? DEFAULT_JOB_TIMEOUT_SECONDS,
    tags: job.tags,
    parallel: job.parallel ?? null,
    spec,
    trigger: job.trigger === undefined ? null : toTrigger(job.trigger, cacheKeyFromFiles, projectVariables),
  };
}

function specFromPlan(job: PlannedJob, cacheKeyFromFiles: CacheKeyFromFiles): JobScriptSpec {
  return {
    beforeScript: job.beforeScript,
    script: job.script,
    afterScript: job.afterScript,
    image: job.image === undefined ? null : toImage(job.image),
    services: job.services.map(toService),
    artifacts: job.artifacts === undefined ? [] : toArtifacts(job.artifacts),
    cache: job.cache.map((c) => toCache(c, cacheKeyFromFiles)),
    variables: [
      // Predefined, so the job's own variables may still override them, as on GitLab.
      ...(job.environment === undefined ? [] : toVariables(environmentVariables(job.environment), [])),
      ...toVariables(job.globalVariables, job.rawVariables),
      ...toVariables(ownVariables(job), job.rawVariables),
    ],
    ...(job.projectVariables === undefined
      ? {}
      : { projectVariables: job.projectVariables.map(fromProjectVariable) }),
  };
}

function toTrigger(
  trigger: PlannedTrigger,
  cacheKeyFromFiles: CacheKeyFromFiles,
  projectVariables: readonly ProjectVariable[] | undefined,
): TriggerSpec {
  const strategy = trigger.strategy === "depend" ? "depend" : "none";
  switch (trigger.kind) {
    case "project":
      return {
        kind: "unsupported",
        strategy,
        reason: `triggering project ${trigger.project} is not supported here`,
      };
    case "child": {
      if (trigger.child !== undefined) {
        if (trigger.child.kind === "none") {
          return {
            kind: "plan",
            strategy,
            child: { stages: [], variables: [], jobs: [] },
            userVariables: [],
          };
        }
        const plan = trigger.child.plan;
        return {
          kind: "plan",
          strategy,
          child: submissionFromPlan(plan, cacheKeyFromFiles),
          userVariables: userVariablesFromPlan(plan),
        };
      }
      const artifact = trigger.include.find((i) => i.kind === "artifact");
      if (artifact !== undefined && artifact.kind === "artifact") {
        return {
          kind: "artifact",
          strategy,
          job: artifact.job,
          artifact: artifact.artifact,
          variables: toVariables(trigger.variables, []),
          ...(projectVariables === undefined
            ? {}
            : { projectVariables: projectVariables.map(toScopedVariable) }),
        };
      }
      return {
        kind: "unsupported",
        strategy,
        reason: "the child pipeline's configuration could not be loaded",
      };
    }
    default: {
      const never: never = trigger;
      return never;
    }
  }
}

function toImage(image: ImageConfig): JobImage {
  return {
    name: image.name,
    ...(image.entrypoint ? { entrypoint: image.entrypoint } : {}),
    ...(image.pullPolicy ? { pull_policy: image.pullPolicy } : {}),
  };
}

function toService(service: ServiceConfig): JobImage {
  return {
    ...toImage(service),
    ...(service.aliases.length > 0 ? { alias: service.aliases.join(",") } : {}),
    ...(service.command ? { command: service.command } : {}),
    variables: Object.entries(service.variables).map(([key, value]) => ({
      key,
      value,
      public: true,
      masked: false,
    })),
  };
}

function toArtifacts(a: ArtifactsConfig): JobArtifact[] {
  const out: JobArtifact[] = [];
  if (a.paths.length > 0 || a.untracked) {
    out.push({
      name: a.name ?? "artifacts",
      untracked: a.untracked,
      paths: a.paths,
      exclude: a.exclude,
      when: a.when,
      expire_in: a.expireIn ?? null,
      artifact_type: "archive",
      artifact_format: "zip",
    });
  }
  for (const [type, paths] of Object.entries(a.reports)) {
    out.push({
      name: type,
      untracked: false,
      paths,
      exclude: [],
      when: "always",
      expire_in: a.expireIn ?? null,
      artifact_type: type,
      artifact_format: "gzip",
    });
  }
  return out;
}

function toCache(c: CacheConfig, cacheKeyFromFiles: CacheKeyFromFiles): JobCache {
  return {
    key: c.key.kind === "literal" ? c.key.value : cacheKeyFromFiles(c.key.files, c.key.prefix),
    untracked: c.untracked,
    paths: c.paths,
    // A policy given as a variable is expanded by GitLab at creation; without its value, the default.
    policy: c.policy === "pull" || c.policy === "push" ? c.policy : "pull-push",
    when: c.when,
    fallback_keys: c.fallbackKeys,
  };
}
