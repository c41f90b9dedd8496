/**
 * The coordinator's own vocabulary: what a submitted pipeline looks like, and the rows the store keeps.
 * Plans from `src/plan` are translated into `PipelineSubmission` at the edge (`from-plan.ts`), so the
 * state machine and store never depend on the planner's shapes.
 */
import type {
  CoordinatorFailureReason,
  FailureReason,
  JobArtifact,
  JobCache,
  JobImage,
  JobStatus,
  PipelineStatus,
} from "../protocol/index.js";

export type JobWhen = "on_success" | "on_failure" | "always" | "manual" | "delayed";

/** Any reason a job can end failed with: a runner's or the coordinator's own. */
export type AnyFailureReason = FailureReason | CoordinatorFailureReason;

export interface NeedRef {
  readonly job: string;
  /** Download the needed job's artifacts (and receive its dotenv variables). */
  readonly artifacts: boolean;
  readonly optional: boolean;
}

export interface RetryPolicy {
  readonly max: number;
  /** GitLab's retry reason words (`always`, `script_failure`, `runner_system_failure`…). */
  readonly when: readonly string[];
  /** Retry only these exit codes; empty = any. */
  readonly exitCodes: readonly number[];
}

export interface SubmittedVariable {
  readonly key: string;
  readonly value: string;
  readonly masked?: boolean;
  readonly file?: boolean;
  readonly raw?: boolean;
}

/** A project variable with the environments it is for (`*`, a name, or a `*` pattern). */
export interface ScopedVariable extends SubmittedVariable {
  readonly environmentScope: string;
}

/** How a trigger job makes its child pipeline. */
export type TriggerSpec =
  | {
      readonly kind: "plan";
      readonly strategy: "depend" | "none";
      /** The child pipeline, already planned (local includes resolved at plan time). */
      readonly child: PipelineSubmission;
      /** Variables forwarded to the child as its pipeline variables. */
      readonly userVariables: readonly SubmittedVariable[];
    }
  | {
      readonly kind: "artifact";
      readonly strategy: "depend" | "none";
      /** The parent job whose archive holds the child configuration. */
      readonly job: string;
      /** Path of the configuration file inside that archive. */
      readonly artifact: string;
      /** The child's pipeline variables, as `trigger:forward` passes them (absent in older records). */
      readonly variables?: readonly SubmittedVariable[];
      /** The project variables the parent was planned with: the child is planned with them too. */
      readonly projectVariables?: readonly ScopedVariable[];
    }
  | {
      /** A downstream pipeline this coordinator cannot create (another project): the job fails with why. */
      readonly kind: "unsupported";
      readonly strategy: "depend" | "none";
      readonly reason: string;
    };

/** Everything the job payload needs that is not state: scripts, images, artifacts, cache, variables. */
export interface JobScriptSpec {
  readonly beforeScript: readonly string[];
  readonly script: readonly string[];
  readonly afterScript: readonly string[];
  readonly image: JobImage | null;
  readonly services: readonly JobImage[];
  readonly artifacts: readonly JobArtifact[];
  readonly cache: readonly JobCache[];
  readonly variables: readonly SubmittedVariable[];
  /** Project variables scoped to the job's environment: above its own and dotenv, below the run's. */
  readonly projectVariables?: readonly SubmittedVariable[];
}

export interface SubmittedJob {
  readonly name: string;
  readonly stage: string;
  /** null = gated by stage order; [] = starts at once. */
  readonly needs: readonly NeedRef[] | null;
  /** null = every job of earlier stages (or the `needs` with artifacts). */
  readonly dependencies: readonly string[] | null;
  /** Jobs of the parent pipeline whose artifacts this child-pipeline job downloads (`needs:pipeline`). */
  readonly parentNeeds?: readonly string[];
  readonly when: JobWhen;
  /** For `when: delayed`. */
  readonly startInSeconds: number;
  readonly allowFailure: boolean;
  readonly allowFailureExitCodes: readonly number[];
  readonly retry: RetryPolicy;
  readonly timeoutSeconds: number;
  readonly tags: readonly string[];
  /** 1-based index and total for `parallel` jobs; null otherwise. */
  readonly parallel: { readonly index: number; readonly total: number } | null;
  readonly spec: JobScriptSpec;
  readonly trigger: TriggerSpec | null;
}

export interface PipelineSubmission {
  readonly stages: readonly string[];
  readonly variables: readonly SubmittedVariable[];
  readonly jobs: readonly SubmittedJob[];
}

export interface CommitInfo {
  readonly ref: string;
  readonly sha: string;
  readonly beforeSha?: string;
  readonly refType?: "branch" | "tag";
  readonly source?: string;
  readonly message?: string;
}

export interface ProjectRecord {
  readonly id: number;
  readonly path: string;
  readonly name: string;
  readonly repoDir: string;
  readonly gitDir: string;
  readonly createdAt: number;
}

export interface PipelineRecord {
  readonly id: number;
  readonly projectId: number;
  readonly iid: number;
  readonly parentPipelineId: number | null;
  readonly parentJobId: number | null;
  readonly status: PipelineStatus;
  readonly ref: string;
  readonly sha: string;
  readonly beforeSha: string;
  readonly refType: "branch" | "tag";
  readonly source: string;
  readonly canceledByUser: boolean;
  readonly stages: readonly string[];
  /** The configuration's global variables. */
  readonly variables: readonly SubmittedVariable[];
  /** Variables given for this run (`--var`, trigger variables): above every job's own. */
  readonly userVariables: readonly SubmittedVariable[];
  readonly createdAt: number;
  readonly finishedAt: number | null;
}

/** A stored job: what was submitted, plus its place in the pipeline and its run-time state. */
export interface JobRecord extends SubmittedJob {
  readonly id: number;
  readonly pipelineId: number;
  readonly projectId: number;
  readonly stageIndex: number;
  readonly status: JobStatus;
  readonly attempt: number;
  readonly retried: boolean;
  readonly childPipelineId: number | null;
  readonly runnerId: number | null;
  /** Set on the runner's `running` PUT: the second phase of the hand-out. */
  readonly acknowledged: boolean;
  readonly tokenHash: string | null;
  readonly exitCode: number | null;
  readonly failureReason: AnyFailureReason | null;
  readonly traceSize: number;
  readonly createdAt: number;
  readonly queuedAt: number | null;
  readonly assignedAt: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly scheduledAt: number | null;
  readonly heartbeatAt: number | null;
}

/** The fields of a job that change as it runs: everything its submission does not say. */
export type JobRunState = Pick<
  JobRecord,
  | "status"
  | "attempt"
  | "retried"
  | "childPipelineId"
  | "runnerId"
  | "acknowledged"
  | "tokenHash"
  | "exitCode"
  | "failureReason"
  | "traceSize"
  | "createdAt"
  | "queuedAt"
  | "assignedAt"
  | "startedAt"
  | "finishedAt"
  | "scheduledAt"
  | "heartbeatAt"
>;

export interface RunnerRecord {
  readonly id: number;
  readonly description: string;
  readonly tags: readonly string[];
  readonly runUntagged: boolean;
  readonly locked: boolean;
  readonly paused: boolean;
  /** Project runners serve one project; null = instance runner. */
  readonly projectId: number | null;
  readonly maximumTimeout: number | null;
  readonly createdAt: number;
  readonly contactedAt: number | null;
}

export interface ArtifactRecord {
  readonly id: number;
  readonly jobId: number;
  readonly type: string;
  readonly format: string;
  readonly filename: string;
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly expireAt: number | null;
  readonly createdAt: number;
}

export interface DotenvVariable {
  readonly jobId: number;
  readonly key: string;
  readonly value: string;
}
