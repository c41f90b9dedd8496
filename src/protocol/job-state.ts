/** Job and pipeline status words, and failure reasons, as GitLab names them. */
export const JOB_STATUSES = [
  "created",
  "pending",
  "running",
  "success",
  "failed",
  "canceling",
  "canceled",
  "skipped",
  "manual",
  "scheduled",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export type PipelineStatus =
  | "created"
  | "pending"
  | "running"
  | "success"
  | "failed"
  | "canceled"
  | "skipped"
  /** Waiting for someone to play a manual job that blocks the rest (GitLab's "blocked"). */
  | "manual";

/** States a runner may send in `PUT /jobs/:id`. */
export type RunnerReportedState = "pending" | "running" | "success" | "failed";

/** Failure reasons a runner reports; the closed list from GitLab Runner. */
export const FAILURE_REASONS = [
  "script_failure",
  "runner_system_failure",
  "job_execution_timeout",
  "image_pull_failure",
  "unknown_failure",
  "runner_configuration_error",
  "runner_external_dependency_failure",
  "runner_interrupted",
  "job_canceled",
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Failure reasons the coordinator itself sets, beyond those a runner reports. */
export type CoordinatorFailureReason = "stuck_or_timeout_failure" | "trace_size_exceeded" | "api_failure";

/** `CI_JOB_STATUS` as after_script sees it. */
export type CiJobStatus = "success" | "failed" | "canceled" | "timedout";

export function isFinished(status: JobStatus): boolean {
  return status === "success" || status === "failed" || status === "canceled" || status === "skipped";
}
