/**
 * What a runner's final report (or the coordinator's own verdict) does to a job: its end status, and
 * whether `retry` asks for a new attempt. GitLab's retry words are mapped from the failure reason.
 */
import type { AnyFailureReason, RetryPolicy } from "../types.js";
import type { JobNode } from "./job-node.js";

export interface FinishReport {
  readonly state: "success" | "failed";
  readonly exitCode: number | null;
  readonly failureReason: AnyFailureReason | null;
}

export interface FinishDecision {
  readonly status: "success" | "failed" | "canceled";
  readonly failureReason: AnyFailureReason | null;
  readonly exitCode: number | null;
  /** A new attempt (new job id, same name) is to be created; this one is kept as history. */
  readonly retry: boolean;
}

/** GitLab's `retry:when` word for a failure reason. */
export function retryWord(reason: AnyFailureReason): string {
  switch (reason) {
    case "script_failure":
    case "runner_configuration_error":
      return "script_failure";
    case "runner_system_failure":
    case "image_pull_failure":
    case "runner_external_dependency_failure":
    case "runner_interrupted":
      return "runner_system_failure";
    case "job_execution_timeout":
      return "job_execution_timeout";
    case "stuck_or_timeout_failure":
      return "stuck_or_timeout_failure";
    case "api_failure":
      return "api_failure";
    case "unknown_failure":
    case "trace_size_exceeded":
    case "job_canceled":
      return "unknown_failure";
    default: {
      const never: never = reason;
      return String(never);
    }
  }
}

export function shouldRetry(
  policy: RetryPolicy,
  attempt: number,
  reason: AnyFailureReason,
  exitCode: number | null,
): boolean {
  if (attempt > policy.max) return false;
  if (reason === "job_canceled") return false;
  const word = retryWord(reason);
  const whenMatches =
    policy.when.length === 0 || policy.when.includes("always") || policy.when.includes(word);
  if (!whenMatches) return false;
  if (policy.exitCodes.length === 0) return true;
  return exitCode !== null && policy.exitCodes.includes(exitCode);
}

export function finishJob(node: JobNode, report: FinishReport): FinishDecision {
  if (node.status === "canceling") {
    return { status: "canceled", failureReason: "job_canceled", exitCode: report.exitCode, retry: false };
  }
  if (report.state === "success") {
    return { status: "success", failureReason: null, exitCode: report.exitCode ?? 0, retry: false };
  }
  const reason = report.failureReason ?? "unknown_failure";
  return {
    status: "failed",
    failureReason: reason,
    exitCode: report.exitCode,
    retry: shouldRetry(node.retry, node.attempt, reason, report.exitCode),
  };
}
