/** The slice of a job the pure state machine reads, and graph helpers over a pipeline's jobs. */
import type { JobRecord } from "../types.js";

export type JobNode = Pick<
  JobRecord,
  | "id"
  | "name"
  | "stageIndex"
  | "status"
  | "needs"
  | "when"
  | "startInSeconds"
  | "allowFailure"
  | "allowFailureExitCodes"
  | "exitCode"
  | "failureReason"
  | "retry"
  | "attempt"
  | "retried"
  | "timeoutSeconds"
  | "runnerId"
  | "acknowledged"
  | "assignedAt"
  | "startedAt"
  | "scheduledAt"
  | "heartbeatAt"
>;

/** A status change the caller persists. */
export interface Transition {
  readonly jobId: number;
  readonly from: JobNode["status"];
  readonly to: JobNode["status"];
  readonly scheduledAt?: number;
  readonly failureReason?: JobNode["failureReason"];
}

/** Retried attempts are history: only the newest attempt of each name takes part in gating. */
export function currentJobs<T extends JobNode>(nodes: readonly T[]): T[] {
  return nodes.filter((n) => !n.retried);
}

/** A failure that does not fail the pipeline: `allow_failure: true`, or an exit code listed in `exit_codes`. */
export function failureAllowed(node: JobNode): boolean {
  if (node.allowFailure) return true;
  return node.exitCode !== null && node.allowFailureExitCodes.includes(node.exitCode);
}
