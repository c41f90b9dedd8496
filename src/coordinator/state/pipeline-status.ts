/**
 * A pipeline's status from its current jobs, the way GitLab composes it. Jobs are counted into a
 * small tally, so a pipeline of thousands of jobs can keep its tally up to date per change instead
 * of rescanning every job.
 */
import type { PipelineStatus } from "../../protocol/index.js";
import { failureAllowed, type JobNode } from "./job-node.js";

export type TallyKey =
  | "active"
  | "waiting"
  | "success"
  | "failed"
  | "failed_allowed"
  | "created"
  | "manual_blocking"
  | "manual"
  | "canceled"
  | "skipped";

export type Tally = Map<TallyKey, number>;

/** What a job counts as; retried attempts do not count. */
export function tallyKey(n: JobNode): TallyKey | null {
  if (n.retried) return null;
  switch (n.status) {
    case "running":
    case "canceling":
      return "active";
    case "pending":
    case "scheduled":
      return "waiting";
    case "success":
      return "success";
    case "failed":
      return failureAllowed(n) ? "failed_allowed" : "failed";
    case "created":
      return "created";
    case "manual":
      return n.allowFailure ? "manual" : "manual_blocking";
    case "canceled":
      return "canceled";
    case "skipped":
      return "skipped";
    default: {
      const never: never = n.status;
      throw new Error(`unknown job status ${String(never)}`);
    }
  }
}

export function addToTally(t: Tally, n: JobNode, delta: 1 | -1): void {
  const key = tallyKey(n);
  if (key !== null) t.set(key, (t.get(key) ?? 0) + delta);
}

export function tally(nodes: readonly JobNode[]): Tally {
  const t: Tally = new Map();
  for (const n of nodes) addToTally(t, n, 1);
  return t;
}

export function statusFromTally(t: Tally, canceledByUser: boolean): PipelineStatus {
  const has = (k: TallyKey) => (t.get(k) ?? 0) > 0;
  const started = has("success") || has("failed") || has("failed_allowed");
  if (has("active")) return "running";
  if (has("waiting")) return started ? "running" : "pending";
  // Nothing can move on its own: what is left waits for a manual job to be played.
  if (has("created") || has("manual_blocking")) return canceledByUser ? "canceled" : "manual";
  if (canceledByUser) return "canceled";
  if (has("failed")) return "failed";
  if (has("canceled")) return "canceled";
  if (started) return "success";
  return has("manual") ? "manual" : "skipped";
}

export function pipelineStatus(nodes: readonly JobNode[], canceledByUser: boolean): PipelineStatus {
  return statusFromTally(tally(nodes), canceledByUser);
}

export function isPipelineFinished(status: PipelineStatus): boolean {
  return status === "success" || status === "failed" || status === "canceled" || status === "skipped";
}
