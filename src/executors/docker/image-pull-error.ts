/**
 * The job's image (or a service's) cannot be had: the runner reports `image_pull_failure`, not a
 * runner failure, because the fix is in the job's `image:` or the registry, not in the runner.
 */
import { ExecutorFailure } from "../executor-failure.js";

export class ImagePullError extends ExecutorFailure {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super("image_pull_failure", "UNAVAILABLE", message, options);
    this.name = "ImagePullError";
  }
}
