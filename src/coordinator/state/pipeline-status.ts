/** A pipeline's status from its current jobs, the way GitLab composes it. */
import type { PipelineStatus } from "../../protocol/index.js";
import { currentJobs, failureAllowed, type JobNode } from "./job-node.js";

export function pipelineStatus(nodes: readonly JobNode[], canceledByUser: boolean): PipelineStatus {
  const current = currentJobs(nodes);
  const has = (pred: (n: JobNode) => boolean) => current.some(pred);
  if (has((n) => n.status === "running" || n.status === "canceling")) return "running";
  const started = has((n) => n.status === "success" || n.status === "failed");
  if (has((n) => n.status === "pending" || n.status === "scheduled")) return started ? "running" : "pending";
  // Nothing can move on its own: what is left waits for a manual job to be played.
  if (has((n) => n.status === "created" || (n.status === "manual" && !n.allowFailure))) {
    return canceledByUser ? "canceled" : "manual";
  }
  if (canceledByUser) return "canceled";
  if (has((n) => n.status === "failed" && !failureAllowed(n))) return "failed";
  if (has((n) => n.status === "canceled")) return "canceled";
  if (has((n) => n.status === "success" || n.status === "failed")) return "success";
  if (has((n) => n.status === "manual")) return "manual";
  return "skipped";
}

export function isPipelineFinished(status: PipelineStatus): boolean {
  return status === "success" || status === "failed" || status === "canceled" || status === "skipped";
}
