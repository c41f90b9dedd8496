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
import type { JobPatch } from "./store.js";

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

type NewJobRow = Omit<JobRecord, "id" | "pipelineId">;

/**
 * JSON of objects the jobs of one submission share (a `parallel` job's instances share their spec,
 * retry policy and tags): serialised once per object, not once per row. Records are never changed.
 */
const jsonOfShared = new WeakMap<object, string>();

function sharedJson(value: object): string {
  let json = jsonOfShared.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    jsonOfShared.set(value, json);
  }
  return json;
}

/** Each column of a job INSERT with its value; JSON and booleans encoded. One list, so order cannot drift. */
const JOB_INSERT: readonly (readonly [string, (job: NewJobRow) => unknown])[] = [
  ["project_id", (j) => j.projectId],
  ["name", (j) => j.name],
  ["stage", (j) => j.stage],
  ["stage_index", (j) => j.stageIndex],
  ["status", (j) => j.status],
  ["needs", (j) => (j.needs === null ? null : JSON.stringify(j.needs))],
  ["dependencies", (j) => (j.dependencies === null ? null : JSON.stringify(j.dependencies))],
  ["parent_needs", (j) => JSON.stringify(j.parentNeeds ?? [])],
  ["when_", (j) => j.when],
  ["start_in", (j) => j.startInSeconds],
  ["allow_failure", (j) => (j.allowFailure ? 1 : 0)],
  ["allow_failure_exit_codes", (j) => JSON.stringify(j.allowFailureExitCodes)],
  ["retry", (j) => sharedJson(j.retry)],
  ["attempt", (j) => j.attempt],
  ["retried", (j) => (j.retried ? 1 : 0)],
  ["timeout", (j) => j.timeoutSeconds],
  ["tags", (j) => sharedJson(j.tags)],
  ["parallel", (j) => (j.parallel === null ? null : JSON.stringify(j.parallel))],
  ["spec", (j) => sharedJson(j.spec)],
  ["trigger_spec", (j) => (j.trigger === null ? null : JSON.stringify(j.trigger))],
  ["child_pipeline_id", (j) => j.childPipelineId],
  ["runner_id", (j) => j.runnerId],
  ["acknowledged", (j) => (j.acknowledged ? 1 : 0)],
  ["token_hash", (j) => j.tokenHash],
  ["exit_code", (j) => j.exitCode],
  ["failure_reason", (j) => j.failureReason],
  ["created_at", (j) => j.createdAt],
  ["queued_at", (j) => j.queuedAt],
  ["assigned_at", (j) => j.assignedAt],
  ["started_at", (j) => j.startedAt],
  ["finished_at", (j) => j.finishedAt],
  ["scheduled_at", (j) => j.scheduledAt],
  ["heartbeat_at", (j) => j.heartbeatAt],
];

export const JOB_INSERT_SQL = `INSERT INTO jobs (pipeline_id, ${JOB_INSERT.map(([c]) => c).join(", ")})
  VALUES (?, ${JOB_INSERT.map(() => "?").join(", ")})`;

/** Parameters of `JOB_INSERT_SQL`, in its column order. */
export function jobInsertValues(pipelineId: number, job: NewJobRow): unknown[] {
  const values: unknown[] = [pipelineId];
  for (const [, value] of JOB_INSERT) values.push(value(job));
  return values;
}

/**
 * A job's trace size is where its last chunk ends: derived from the chunks, so one INSERT appends and
 * no second write keeps a copy in step.
 */
export const TRACE_SIZE_OF = (jobId: string) =>
  `COALESCE((SELECT t.offset + length(t.data) FROM trace_chunks t WHERE t.job_id = ${jobId}
     ORDER BY t.offset DESC LIMIT 1), 0)`;

/** Job rows with their derived `trace_size`, as `toJob` reads them. */
export const SELECT_JOBS = `SELECT jobs.*, ${TRACE_SIZE_OF("jobs.id")} AS trace_size FROM jobs`;

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

type PatchField = keyof typeof JOB_PATCH_COLUMNS;
const PATCH_FIELDS = Object.keys(JOB_PATCH_COLUMNS) as PatchField[];

/** An UPDATE for one set of patched fields: built once per set, a handful of sets recur. */
export interface PatchStatement {
  readonly sql: string;
  readonly fields: readonly PatchField[];
}

const patchStatements = new Map<number, PatchStatement>();

/** The statement for the fields `patch` sets, or undefined when it sets none. */
export function patchStatementFor(patch: JobPatch): PatchStatement | undefined {
  let mask = 0;
  for (let i = 0; i < PATCH_FIELDS.length; i++) {
    const field = PATCH_FIELDS[i];
    if (field !== undefined && patch[field] !== undefined) mask |= 1 << i;
  }
  if (mask === 0) return undefined;
  let statement = patchStatements.get(mask);
  if (statement === undefined) {
    const fields = PATCH_FIELDS.filter((_, i) => (mask & (1 << i)) !== 0);
    statement = {
      sql: `UPDATE jobs SET ${fields.map((f) => `${JOB_PATCH_COLUMNS[f]} = ?`).join(", ")} WHERE id = ?`,
      fields,
    };
    patchStatements.set(mask, statement);
  }
  return statement;
}

/** Parameters of a patch statement: the fields' values (booleans as 0/1), then the job id. */
export function patchValues(statement: PatchStatement, patch: JobPatch): unknown[] {
  const values: unknown[] = [];
  for (const f of statement.fields) {
    const v = patch[f];
    values.push(typeof v === "boolean" ? (v ? 1 : 0) : v);
  }
  values.push(patch.id);
  return values;
}
