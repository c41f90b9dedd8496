/**
 * What the planner takes (a `CiConfig` and a `PlanContext`) and what it gives the coordinator (a
 * `PipelinePlan`): every job instance in the pipeline with everything needed to queue it — resolved
 * names, the DAG edges, scripts, variables, artifacts, cache — so nothing downstream reads the config.
 */
import type {
  AllowFailure,
  ArtifactsConfig,
  CacheConfig,
  ImageConfig,
  ServiceConfig,
  TriggerForward,
  TriggerInclude,
} from "../config/types.js";
import type { SourceLocation } from "../errors/index.js";
import type { PlannedEnvironment } from "./plan-environment.js";

export type PipelineSource =
  | "push"
  | "web"
  | "merge_request_event"
  | "schedule"
  | "trigger"
  | "api"
  | "parent_pipeline";

export const PIPELINE_SOURCES: readonly PipelineSource[] = [
  "push",
  "web",
  "merge_request_event",
  "schedule",
  "trigger",
  "api",
  "parent_pipeline",
];

export interface MergeRequestContext {
  readonly iid: number;
  readonly sourceBranch: string;
  readonly targetBranch: string;
  readonly title?: string;
  readonly labels?: readonly string[];
  /** Merge-request diff base; rules:changes compares against it. */
  readonly diffBaseSha?: string;
}

/** Everything about the pipeline's trigger the planner needs. The planner does no I/O: files come in here. */
export interface PlanContext {
  /** Branch or tag name, without `refs/heads/`. */
  readonly ref: string;
  readonly refType: "branch" | "tag";
  readonly sha: string;
  /** `0000000000000000000000000000000000000000` when unknown, as GitLab sends it. */
  readonly beforeSha: string;
  readonly source: PipelineSource;
  readonly defaultBranch: string;
  /**
   * Files changed by the push (a merge request: against its target branch). Undefined when unknown
   * (a new branch): `rules:changes` is then true. Tag, schedule, web, API and trigger pipelines have
   * no push diff, so there `changes` is true whatever this holds — as in GitLab.
   */
  readonly changedFiles?: readonly string[];
  /** Files changed against another ref, for `rules:changes:compare_to`, keyed by that ref. */
  readonly changedFilesByRef?: Readonly<Record<string, readonly string[]>>;
  /** Every file of the repository at `sha` (relative, `/`-separated), for `rules:exists`. */
  readonly repositoryFiles: readonly string[];
  /** Pipeline variables (`--var`, trigger/API variables); they win over YAML variables. */
  readonly variables: Readonly<Record<string, string>>;
  /**
   * The project's CI/CD variables (GitLab's Settings → CI/CD → Variables): below pipeline variables,
   * above everything in the YAML; each job gets those whose environment scope matches its environment.
   */
  readonly projectVariables?: readonly ProjectVariable[];
  /** `group/project`. */
  readonly projectPath: string;
  readonly projectName?: string;
  readonly commitMessage?: string;
  readonly commitAuthor?: string;
  /** Who starts the pipeline: GitLab's `GITLAB_USER_*` variables. */
  readonly user?: PipelineUser;
  readonly mergeRequest?: MergeRequestContext;
}

/** A project CI/CD variable: one value for the environments its scope matches. */
export interface ProjectVariable {
  readonly key: string;
  readonly value: string;
  /** `*` (every job), an environment name, or a pattern with `*` wildcards (`review/*`). */
  readonly environmentScope: string;
  readonly masked?: boolean;
  /** GitLab's file type: the job gets a path to a file holding the value. */
  readonly file?: boolean;
  /** Not expanded: `$` stays literal. */
  readonly raw?: boolean;
}

/** A project variable chosen for one job (its scope has served its purpose). */
export type JobProjectVariable = Omit<ProjectVariable, "environmentScope">;

export interface PipelineUser {
  readonly login: string;
  readonly name: string;
  readonly email: string;
}

/** A `needs:` edge after parallel/matrix expansion: one entry per needed job instance. */
export interface PlannedNeed {
  /** Instance name, e.g. `build 2/3` or `build: [aws, eu]`. */
  readonly name: string;
  readonly artifacts: boolean;
  readonly optional: boolean;
}

/** `needs: { pipeline: $PARENT_PIPELINE_ID, job }`: artifacts of a parent pipeline's job. */
export interface PlannedPipelineNeed {
  readonly pipeline: string;
  readonly job: string;
  readonly artifacts: boolean;
}

export type PlannedTrigger =
  | {
      readonly kind: "child";
      readonly include: readonly TriggerInclude[];
      readonly strategy?: "depend";
      readonly forward: TriggerForward;
      /** The child's pipeline variables, as `forward` passes them (the trigger job's YAML variables by default). */
      readonly variables: Readonly<Record<string, string>>;
      /** The child pipeline, planned now; undefined when its config is known only at run time. */
      readonly child?: PlanResult;
    }
  | {
      readonly kind: "project";
      readonly project: string;
      readonly branch?: string;
      readonly strategy?: "depend";
    };

export interface PlannedJob {
  /** Unique instance name: `test`, `test 1/3`, `test: [aws, eu]`. */
  readonly name: string;
  /** The job's name in the config (the same for every instance of a parallel job). */
  readonly baseName: string;
  readonly stage: string;
  /** Index of `stage` in `PipelinePlan.stages`. */
  readonly stageIndex: number;
  /** Never `never`: jobs that evaluate to `never` are not in the plan. */
  readonly when: "on_success" | "on_failure" | "always" | "manual" | "delayed";
  /** Seconds, for `when: delayed`. */
  readonly startIn?: number;
  readonly allowFailure: AllowFailure;
  /**
   * Undefined: the job waits for every job of earlier stages (stage order). Otherwise the exact
   * instances it waits for; `[]` starts at once.
   */
  readonly needs?: readonly PlannedNeed[];
  readonly pipelineNeeds: readonly PlannedPipelineNeed[];
  /** Instance names whose artifacts the job downloads; undefined: every earlier-stage / needed job. */
  readonly dependencies?: readonly string[];
  readonly image?: ImageConfig;
  readonly services: readonly ServiceConfig[];
  readonly tags: readonly string[];
  /** Global YAML and `workflow:rules:variables` this job takes (as `inherit:variables` allows). */
  readonly globalVariables: Readonly<Record<string, string>>;
  /**
   * The job's own variables, lowest precedence first: job, `rules:variables`, matrix, `CI_NODE_*`.
   * Values are as written: expansion happens when the job runs.
   */
  readonly variables: Readonly<Record<string, string>>;
  /**
   * Names (in `globalVariables` or `variables`) written with `expand: false`: their `$` stays literal.
   * `workflow:rules:variables` and matrix values are always expanded.
   */
  readonly rawVariables: readonly string[];
  readonly beforeScript: readonly string[];
  readonly script: readonly string[];
  readonly afterScript: readonly string[];
  readonly artifacts?: ArtifactsConfig;
  readonly cache: readonly CacheConfig[];
  readonly retry: {
    readonly max: number;
    readonly when: readonly string[];
    readonly exitCodes: readonly number[];
  };
  /** Seconds; undefined means the project/runner default. */
  readonly timeout?: number;
  /** Name and url expanded, tier and slug resolved. */
  readonly environment?: PlannedEnvironment;
  /** Project variables whose scope matches this job's environment (or `*`), one per key. */
  readonly projectVariables?: readonly JobProjectVariable[];
  readonly coverage?: string;
  readonly interruptible: boolean;
  readonly resourceGroup?: string;
  /** 1-based index and total for `parallel`; undefined for a single job. */
  readonly parallel?: { readonly index: number; readonly total: number };
  /** The `parallel:matrix` values of this instance. */
  readonly matrix?: Readonly<Record<string, string>>;
  readonly trigger?: PlannedTrigger;
  readonly location: SourceLocation;
}

export type PlanWarningCode =
  | "UNSUPPORTED_TRIGGER_PROJECT"
  | "UNSUPPORTED_TRIGGER_ARTIFACT"
  | "UNSUPPORTED_NEEDS_PROJECT"
  | "UNSUPPORTED_SECRETS"
  | "UNSUPPORTED_ID_TOKENS"
  | "UNSUPPORTED_EXISTS_PROJECT"
  | "PRIVILEGED_SERVICE";

export interface PlanWarning {
  readonly code: PlanWarningCode;
  readonly message: string;
  readonly location?: SourceLocation;
}

export interface PipelinePlan {
  /** `workflow:name` with variables expanded. */
  readonly name?: string;
  /** Stages that hold at least one job, in the config's order (as GitLab shows a pipeline). */
  readonly stages: readonly string[];
  /** In stage order, then definition order; parallel instances in index order. */
  readonly jobs: readonly PlannedJob[];
  /** Predefined `CI_*` variables known at creation (the coordinator adds ids, URLs, tokens). */
  readonly predefinedVariables: Readonly<Record<string, string>>;
  /**
   * Pipeline variables (`--var`, trigger, schedule): they win over every YAML variable. Full order,
   * lowest first: predefined, job `globalVariables`, job `variables`, pipeline variables.
   */
  readonly pipelineVariables: Readonly<Record<string, string>>;
  /** The project variables the pipeline was planned with (child pipelines planned later use them). */
  readonly projectVariables?: readonly ProjectVariable[];
  readonly source: PipelineSource;
  readonly warnings: readonly PlanWarning[];
  /** Job instances of the config that are not in this pipeline, and why (rules, only/except). */
  readonly excluded?: readonly ExcludedJob[];
}

export interface ExcludedJob {
  readonly name: string;
  readonly reason: string;
}

/** No pipeline: `workflow:rules` said `never` or none matched. */
export interface NoPipeline {
  readonly reason: string;
  /** The rule that stopped it, when one did. */
  readonly rule?: SourceLocation;
}

export type PlanResult =
  | { readonly kind: "pipeline"; readonly plan: PipelinePlan }
  | { readonly kind: "none"; readonly noPipeline: NoPipeline };
