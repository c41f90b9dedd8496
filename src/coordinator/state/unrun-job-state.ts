/** The run-time state of a job nobody has run yet: the one definition new jobs, retries and fixtures share. */
import type { JobRunState } from "../types.js";

export function unrunJobState(createdAt: number): JobRunState {
  return {
    status: "created",
    attempt: 1,
    retried: false,
    childPipelineId: null,
    runnerId: null,
    acknowledged: false,
    tokenHash: null,
    exitCode: null,
    failureReason: null,
    traceSize: 0,
    createdAt,
    queuedAt: null,
    assignedAt: null,
    startedAt: null,
    finishedAt: null,
    scheduledAt: null,
    heartbeatAt: null,
  };
}
