/**
 * Time-driven transitions the coordinator enforces itself: delayed jobs whose time came, jobs past
 * their timeout, jobs whose runner went silent, and hand-outs never acknowledged.
 */
import type { AnyFailureReason } from "../types.js";
import { currentJobs, type JobNode } from "./job-node.js";

export interface WatchdogLimits {
  /** A running job with no PUT or PATCH for this long lost its runner. */
  readonly heartbeatTimeoutMs: number;
  /** A handed-out job not acknowledged with `running` this long goes back to the queue. */
  readonly ackTimeoutMs: number;
  /** Slack on top of the job timeout before the coordinator fails it (the runner should do it first). */
  readonly timeoutGraceMs: number;
  /** A canceling job whose runner never reports is canceled after this long. */
  readonly cancelGraceMs: number;
}

export type WatchdogAction =
  | { readonly kind: "start"; readonly jobId: number }
  | { readonly kind: "fail"; readonly jobId: number; readonly reason: AnyFailureReason }
  | { readonly kind: "requeue"; readonly jobId: number }
  | { readonly kind: "canceled"; readonly jobId: number };

export function watchdog(nodes: readonly JobNode[], now: number, limits: WatchdogLimits): WatchdogAction[] {
  const actions: WatchdogAction[] = [];
  for (const n of currentJobs(nodes)) {
    const silentFor = now - (n.heartbeatAt ?? n.assignedAt ?? now);
    switch (n.status) {
      case "scheduled":
        if (n.scheduledAt !== null && n.scheduledAt <= now) actions.push({ kind: "start", jobId: n.id });
        break;
      case "pending":
        if (n.runnerId !== null && !n.acknowledged && silentFor > limits.ackTimeoutMs) {
          actions.push({ kind: "requeue", jobId: n.id });
        }
        break;
      case "running":
        // Trigger jobs run no script: their child pipeline decides, no runner heartbeat to watch.
        if (n.runnerId === null) break;
        if (n.startedAt !== null && now - n.startedAt > n.timeoutSeconds * 1000 + limits.timeoutGraceMs) {
          actions.push({ kind: "fail", jobId: n.id, reason: "job_execution_timeout" });
        } else if (silentFor > limits.heartbeatTimeoutMs) {
          actions.push({ kind: "fail", jobId: n.id, reason: "runner_system_failure" });
        }
        break;
      case "canceling":
        if (n.runnerId === null) break;
        if (silentFor > limits.cancelGraceMs) actions.push({ kind: "canceled", jobId: n.id });
        break;
      default:
        break;
    }
  }
  return actions;
}
