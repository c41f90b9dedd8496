/** A pipeline's status from its current jobs, the way GitLab composes it. One pass over the jobs. */
import type { PipelineStatus } from "../../protocol/index.js";
import { failureAllowed, type JobNode } from "./job-node.js";

export function pipelineStatus(nodes: readonly JobNode[], canceledByUser: boolean): PipelineStatus {
  let active = false;
  let waiting = false;
  let started = false;
  let blocked = false;
  let failed = false;
  let canceled = false;
  let manual = false;
  for (const n of nodes) {
    if (n.retried) continue;
    switch (n.status) {
      case "running":
      case "canceling":
        active = true;
        break;
      case "pending":
      case "scheduled":
        waiting = true;
        break;
      case "success":
        started = true;
        break;
      case "failed":
        started = true;
        if (!failureAllowed(n)) failed = true;
        break;
      case "created":
        blocked = true;
        break;
      case "manual":
        manual = true;
        if (!n.allowFailure) blocked = true;
        break;
      case "canceled":
        canceled = true;
        break;
      case "skipped":
        break;
      default: {
        const never: never = n.status;
        throw new Error(`unknown job status ${String(never)}`);
      }
    }
  }
  if (active) return "running";
  if (waiting) return started ? "running" : "pending";
  // Nothing can move on its own: what is left waits for a manual job to be played.
  if (blocked) return canceledByUser ? "canceled" : "manual";
  if (canceledByUser) return "canceled";
  if (failed) return "failed";
  if (canceled) return "canceled";
  if (started) return "success";
  return manual ? "manual" : "skipped";
}

export function isPipelineFinished(status: PipelineStatus): boolean {
  return status === "success" || status === "failed" || status === "canceled" || status === "skipped";
}
