/**
 * The job's image (or a service's) cannot be had: the runner reports `image_pull_failure`, not a
 * runner failure, because the fix is in the job's `image:` or the registry, not in the runner.
 */
import { RunfleetError } from "../../errors/index.js";
import type { FailureReason } from "../../protocol/index.js";

export class ImagePullError extends RunfleetError {
  readonly failureReason: FailureReason = "image_pull_failure";

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super("UNAVAILABLE", message, options);
    this.name = "ImagePullError";
  }
}

/** The failure reason an error from `prepare` carries, when it is not the runner's own fault. */
export function failureReasonOf(err: unknown): FailureReason | undefined {
  return err instanceof ImagePullError ? err.failureReason : undefined;
}
