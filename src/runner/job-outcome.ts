/**
 * How a job ended, and what the runner reports for it: state, failure reason (mapped to the reasons the
 * coordinator says it knows, as GitLab Runner does), exit code, and the closing trace line.
 */
import type { CiJobStatus, FailureReason, JobUpdateRequest } from "../protocol/index.js";

export type JobOutcome =
  | { readonly kind: "success" }
  | { readonly kind: "script_failed"; readonly exitCode: number }
  | { readonly kind: "timed_out"; readonly timeoutSeconds: number }
  /** `canceling` from the coordinator: the script was stopped, after_script still ran. */
  | { readonly kind: "canceled" }
  /** `canceled`/`failed`/403 from the coordinator: everything was killed. */
  | { readonly kind: "aborted" }
  /** The runner itself broke or is shutting down. */
  | {
      readonly kind: "system_failure";
      readonly message: string;
      /** Set when the executor named what went wrong (e.g. `image_pull_failure`). */
      readonly reason?: FailureReason;
    };

/** Reasons a coordinator must accept even when it lists none. */
const ALWAYS_ALLOWED: readonly FailureReason[] = [
  "script_failure",
  "runner_system_failure",
  "job_execution_timeout",
];

export function mapFailureReason(reason: FailureReason, supported: readonly string[]): FailureReason {
  if (supported.length === 0 || supported.includes(reason) || ALWAYS_ALLOWED.includes(reason)) return reason;
  switch (reason) {
    case "image_pull_failure":
    case "runner_external_dependency_failure":
      return "runner_system_failure";
    case "runner_configuration_error":
      return "script_failure";
    default:
      return "unknown_failure";
  }
}

export type OutcomeUpdate = Pick<JobUpdateRequest, "state" | "failure_reason" | "exit_code">;

export function outcomeUpdate(outcome: JobOutcome, supported: readonly string[]): OutcomeUpdate {
  const failed = (reason: FailureReason, exitCode?: number): OutcomeUpdate => ({
    state: "failed",
    failure_reason: mapFailureReason(reason, supported),
    ...(exitCode ? { exit_code: exitCode } : {}),
  });
  switch (outcome.kind) {
    case "success":
      return { state: "success" };
    case "script_failed":
      return failed("script_failure", outcome.exitCode);
    case "timed_out":
      return failed("job_execution_timeout");
    case "canceled":
    case "aborted":
      return failed("job_canceled");
    case "system_failure":
      return failed(outcome.reason ?? "runner_system_failure");
    default: {
      const never: never = outcome;
      return never;
    }
  }
}

/** `CI_JOB_STATUS` as after_script sees it. */
export function ciJobStatus(outcome: JobOutcome): CiJobStatus {
  switch (outcome.kind) {
    case "success":
      return "success";
    case "timed_out":
      return "timedout";
    case "canceled":
    case "aborted":
      return "canceled";
    case "script_failed":
    case "system_failure":
      return "failed";
    default: {
      const never: never = outcome;
      return never;
    }
  }
}

/** The last line of the trace, worded as GitLab Runner words it. */
export function closingLine(outcome: JobOutcome): string {
  switch (outcome.kind) {
    case "success":
      return "\x1b[32;1mJob succeeded\x1b[0;m";
    case "script_failed":
      return `\x1b[31;1mERROR: Job failed: exit code ${outcome.exitCode}\x1b[0;m`;
    case "timed_out":
      return `\x1b[31;1mERROR: Job failed: execution took longer than ${outcome.timeoutSeconds} seconds\x1b[0;m`;
    case "canceled":
    case "aborted":
      return "\x1b[31;1mERROR: Job failed: canceled\x1b[0;m";
    case "system_failure":
      // GitLab Runner says "(system failure)" only for its own failures; a failure the executor named
      // (a pull that failed) reads like any other job failure.
      return outcome.reason === undefined || outcome.reason === "runner_system_failure"
        ? `\x1b[31;1mERROR: Job failed (system failure): ${outcome.message}\x1b[0;m`
        : `\x1b[31;1mERROR: Job failed: ${outcome.message}\x1b[0;m`;
    default: {
      const never: never = outcome;
      return never;
    }
  }
}
