/**
 * Cancellation: a running job goes `canceling` so its runner sees it in `Job-Status` and can run
 * after_script; anything not yet running is canceled at once.
 */
import { isFinished } from "../../protocol/index.js";
import { currentJobs, type JobNode, type Transition } from "./job-node.js";

export function cancelJob(node: JobNode): Transition[] {
  if (isFinished(node.status) || node.status === "canceling") return [];
  const to = node.status === "running" ? "canceling" : "canceled";
  return [{ jobId: node.id, from: node.status, to, failureReason: "job_canceled" }];
}

export function cancelPipeline(nodes: readonly JobNode[]): Transition[] {
  return currentJobs(nodes).flatMap(cancelJob);
}

export function playManual(node: JobNode): Transition[] {
  return node.status === "manual" ? [{ jobId: node.id, from: "manual", to: "pending" }] : [];
}
