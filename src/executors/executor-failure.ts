/**
 * An executor's way to say a job failed for a reason other than the runner breaking: the image could
 * not be pulled, a service never came up. The runner reports the reason it carries instead of
 * `runner_system_failure`.
 */
import { type ErrorCode, RunfleetError } from "../errors/index.js";
import type { FailureReason } from "../protocol/index.js";

export class ExecutorFailure extends RunfleetError {
  readonly failureReason: FailureReason;

  constructor(
    failureReason: FailureReason,
    code: ErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.name = "ExecutorFailure";
    this.failureReason = failureReason;
  }
}

/** The failure reason an error thrown by an executor carries, if it carries one. */
export function failureReasonOf(err: unknown): FailureReason | undefined {
  return err instanceof ExecutorFailure ? err.failureReason : undefined;
}
