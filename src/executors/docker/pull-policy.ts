/**
 * Which pull policies a job gets, as GitLab Runner decides: the job's `image: pull_policy`, else the
 * runner's `pull_policy`, else the default (`always` for registered runners, `if-not-present` for
 * `runfleet run`); then only those within `allowed_pull_policies` (which defaults to the runner's
 * `pull_policy`). Several policies are tried in order, each one a fallback for the one before.
 */
import { RunfleetError } from "../../errors/index.js";
import type { PullPolicy } from "../../protocol/index.js";

export const PULL_POLICIES: readonly PullPolicy[] = ["always", "if-not-present", "never"];

export interface PullPolicyInput {
  readonly job: readonly PullPolicy[] | undefined;
  readonly runner: readonly PullPolicy[] | undefined;
  readonly allowed: readonly PullPolicy[] | undefined;
  readonly fallback: PullPolicy;
}

export function resolvePullPolicies(input: PullPolicyInput): readonly PullPolicy[] {
  const runner = input.runner && input.runner.length > 0 ? input.runner : [input.fallback];
  const wanted = input.job && input.job.length > 0 ? input.job : runner;
  const allowed = input.allowed && input.allowed.length > 0 ? input.allowed : runner;
  const granted = wanted.filter((p) => allowed.includes(p));
  if (granted.length === 0) {
    const source = input.job && input.job.length > 0 ? "the job's image" : "the runner";
    throw new RunfleetError(
      "CONFIG_INVALID",
      `pull_policy [${wanted.join(", ")}] of ${source} is not one of the allowed_pull_policies [${allowed.join(", ")}]`,
      { hint: "change the job's image pull_policy, or allow it in [runners.docker] allowed_pull_policies" },
    );
  }
  return granted;
}

export function isPullPolicy(value: unknown): value is PullPolicy {
  return typeof value === "string" && (PULL_POLICIES as readonly string[]).includes(value);
}
