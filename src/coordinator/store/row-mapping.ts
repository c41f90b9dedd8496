/** Row ⇄ record conversion for the SQLite store: JSON columns, 0/1 booleans, nullable numbers. */
import type { JobStatus, PipelineStatus } from "../../protocol/index.js";
import type {
  AnyFailureReason,
  ArtifactRecord,
  JobRecord,
  JobWhen,
  PipelineRecord,
  ProjectRecord,
  RunnerRecord,
} from "../types.js";

export type Row = Record<string, unknown>;

function num(row: Row, key: string): number {
  const v = row[key];
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : 0;
}

function numOrNull(row: Row, key: string): number | null {
  const v = row[key];
  return v === null || v === undefined ? null : num(row, key);
}

function str(row: Row, key: string): string {
  const v = row[key];
  return typeof v === "string" ? v : "";
}

function json<T>(row: Row, key: string): T {
  return JSON.parse(str(row, key)) as T;
}

function jsonOrNull<T>(row: Row, key: string): T | null {
  const v = row[key];
  return typeof v === "string" ? (JSON.parse(v) as T) : null;
}

export function toProject(row: Row): ProjectRecord {
  return {
    id: num(row, "id"),
    path: str(row, "path"),
    name: str(row, "name"),
    repoDir: str(row, "repo_dir"),
    gitDir: str(row, "git_dir"),
    createdAt: num(row, "created_at"),
  };
}

export function toRunner(row: Row): RunnerRecord {
  return {
    id: num(row, "id"),
    description: str(row, "description"),
    tags: json(row, "tags"),
    runUntagged: num(row, "run_untagged") === 1,
    locked: num(row, "locked") === 1,
    paused: num(row, "paused") === 1,
    projectId: numOrNull(row, "project_id"),
    maximumTimeout: numOrNull(row, "maximum_timeout"),
    createdAt: num(row, "created_at"),
    contactedAt: numOrNull(row, "contacted_at"),
  };
}

export function toPipeline(row: Row): PipelineRecord {
  return {
    id: num(row, "id"),
    projectId: num(row, "project_id"),
    iid: num(row, "iid"),
    parentPipelineId: numOrNull(row, "parent_pipeline_id"),
    parentJobId: numOrNull(row, "parent_job_id"),
    status: str(row, "status") as PipelineStatus,
    ref: str(row, "ref"),
    sha: str(row, "sha"),
    beforeSha: str(row, "before_sha"),
    refType: str(row, "ref_type") === "tag" ? "tag" : "branch",
    source: str(row, "source"),
    canceledByUser: num(row, "canceled_by_user") === 1,
    stages: json(row, "stages"),
    variables: json(row, "variables"),
    userVariables: json(row, "user_variables"),
    createdAt: num(row, "created_at"),
    finishedAt: numOrNull(row, "finished_at"),
  };
}

export function toJob(row: Row): JobRecord {
  return {
    id: num(row, "id"),
    pipelineId: num(row, "pipeline_id"),
    projectId: num(row, "project_id"),
    name: str(row, "name"),
    stage: str(row, "stage"),
    stageIndex: num(row, "stage_index"),
    status: str(row, "status") as JobStatus,
    needs: jsonOrNull(row, "needs"),
    dependencies: jsonOrNull(row, "dependencies"),
    parentNeeds: json(row, "parent_needs"),
    when: str(row, "when_") as JobWhen,
    startInSeconds: num(row, "start_in"),
    allowFailure: num(row, "allow_failure") === 1,
    allowFailureExitCodes: json(row, "allow_failure_exit_codes"),
    retry: json(row, "retry"),
    attempt: num(row, "attempt"),
    retried: num(row, "retried") === 1,
    timeoutSeconds: num(row, "timeout"),
    tags: json(row, "tags"),
    parallel: jsonOrNull(row, "parallel"),
    spec: json(row, "spec"),
    trigger: jsonOrNull(row, "trigger_spec"),
    childPipelineId: numOrNull(row, "child_pipeline_id"),
    runnerId: numOrNull(row, "runner_id"),
    acknowledged: num(row, "acknowledged") === 1,
    tokenHash: typeof row.token_hash === "string" ? row.token_hash : null,
    exitCode: numOrNull(row, "exit_code"),
    failureReason: (typeof row.failure_reason === "string"
      ? row.failure_reason
      : null) as AnyFailureReason | null,
    traceSize: num(row, "trace_size"),
    createdAt: num(row, "created_at"),
    queuedAt: numOrNull(row, "queued_at"),
    assignedAt: numOrNull(row, "assigned_at"),
    startedAt: numOrNull(row, "started_at"),
    finishedAt: numOrNull(row, "finished_at"),
    scheduledAt: numOrNull(row, "scheduled_at"),
    heartbeatAt: numOrNull(row, "heartbeat_at"),
  };
}

export function toArtifact(row: Row): ArtifactRecord {
  return {
    id: num(row, "id"),
    jobId: num(row, "job_id"),
    type: str(row, "type"),
    format: str(row, "format"),
    filename: str(row, "filename"),
    path: str(row, "path"),
    size: num(row, "size"),
    sha256: str(row, "sha256"),
    expireAt: numOrNull(row, "expire_at"),
    createdAt: num(row, "created_at"),
  };
}

/** Column values for an INSERT of a job; JSON and booleans encoded. */
export function jobColumns(pipelineId: number, job: Omit<JobRecord, "id" | "pipelineId">): Row {
  return {
    pipeline_id: pipelineId,
    project_id: job.projectId,
    name: job.name,
    stage: job.stage,
    stage_index: job.stageIndex,
    status: job.status,
    needs: job.needs === null ? null : JSON.stringify(job.needs),
    dependencies: job.dependencies === null ? null : JSON.stringify(job.dependencies),
    parent_needs: JSON.stringify(job.parentNeeds ?? []),
    when_: job.when,
    start_in: job.startInSeconds,
    allow_failure: job.allowFailure ? 1 : 0,
    allow_failure_exit_codes: JSON.stringify(job.allowFailureExitCodes),
    retry: JSON.stringify(job.retry),
    attempt: job.attempt,
    retried: job.retried ? 1 : 0,
    timeout: job.timeoutSeconds,
    tags: JSON.stringify(job.tags),
    parallel: job.parallel === null ? null : JSON.stringify(job.parallel),
    spec: JSON.stringify(job.spec),
    trigger_spec: job.trigger === null ? null : JSON.stringify(job.trigger),
    child_pipeline_id: job.childPipelineId,
    runner_id: job.runnerId,
    acknowledged: job.acknowledged ? 1 : 0,
    token_hash: job.tokenHash,
    exit_code: job.exitCode,
    failure_reason: job.failureReason,
    trace_size: job.traceSize,
    created_at: job.createdAt,
    queued_at: job.queuedAt,
    assigned_at: job.assignedAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    scheduled_at: job.scheduledAt,
    heartbeat_at: job.heartbeatAt,
  };
}

/** JobPatch field → column. Typed so a new patch field fails to compile until mapped. */
export const JOB_PATCH_COLUMNS = {
  status: "status",
  runnerId: "runner_id",
  acknowledged: "acknowledged",
  tokenHash: "token_hash",
  exitCode: "exit_code",
  failureReason: "failure_reason",
  retried: "retried",
  childPipelineId: "child_pipeline_id",
  queuedAt: "queued_at",
  assignedAt: "assigned_at",
  startedAt: "started_at",
  finishedAt: "finished_at",
  scheduledAt: "scheduled_at",
  heartbeatAt: "heartbeat_at",
} as const;

export function sqlValue(v: unknown): unknown {
  return typeof v === "boolean" ? (v ? 1 : 0) : v;
}
