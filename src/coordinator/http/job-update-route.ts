/**
 * `PUT /jobs/:id`: the runner's acknowledgement (`running`, the second phase of a hand-out),
 * keep-alives, and its final state. Every answer carries `Job-Status`, which is how a runner learns
 * of a cancel. A final state repeated after a lost reply is answered 200 again.
 */

import { RunfleetError } from "../../errors/index.js";
import { FAILURE_REASONS, type FailureReason, Headers, isFinished } from "../../protocol/index.js";
import type { JobRecord } from "../types.js";
import { type ApiContext, jobForToken } from "./api-context.js";
import { FORBIDDEN, message, type Reply } from "./http-io.js";
import { type JsonObject, optionalInteger, optionalString } from "./validate.js";

const STATES = ["pending", "running", "success", "failed"] as const;
type State = (typeof STATES)[number];

function parseState(body: JsonObject): State {
  const s = optionalString(body, "state");
  const state = STATES.find((x) => x === s);
  if (state === undefined)
    throw new RunfleetError("BAD_REQUEST", `state must be one of ${STATES.join(", ")}`);
  return state;
}

function parseReason(body: JsonObject): FailureReason | null {
  const r = optionalString(body, "failure_reason");
  if (r === undefined) return null;
  return FAILURE_REASONS.find((x) => x === r) ?? "unknown_failure";
}

function withStatus(status: number, job: JobRecord): Reply {
  return message(status, status === 200 ? "200 OK" : "403 Forbidden - Job is not running", {
    [Headers.jobStatus]: job.status,
  });
}

export async function updateJob(
  ctx: ApiContext,
  jobId: number,
  body: JsonObject,
  headerToken: string | undefined,
): Promise<Reply> {
  const job = await jobForToken(ctx, optionalString(body, "token") ?? headerToken, jobId);
  if (job === undefined) return FORBIDDEN;
  const state = parseState(body);
  switch (state) {
    case "pending":
    case "running":
      return keepAlive(ctx, job, state);
    case "success":
    case "failed":
      return finish(ctx, job, state, optionalInteger(body, "exit_code") ?? null, parseReason(body));
    default: {
      const never: never = state;
      throw new Error(`unknown state ${String(never)}`);
    }
  }
}

async function keepAlive(ctx: ApiContext, job: JobRecord, state: "pending" | "running"): Promise<Reply> {
  if (job.status === "pending" && state === "running") {
    const acked = await ctx.engine.acknowledge(job.id);
    return withStatus(acked?.status === "running" ? 200 : 403, acked ?? job);
  }
  if (job.status === "pending" || job.status === "running" || job.status === "canceling") {
    ctx.engine.heartbeat(job.id);
    return withStatus(200, job);
  }
  return withStatus(403, job);
}

async function finish(
  ctx: ApiContext,
  job: JobRecord,
  state: "success" | "failed",
  exitCode: number | null,
  reason: FailureReason | null,
): Promise<Reply> {
  if (isFinished(job.status)) {
    // The same final state again (a retried final update whose reply was lost) is fine.
    const same = job.status === state || job.status === "canceled";
    return withStatus(same ? 200 : 403, job);
  }
  const finished = await ctx.engine.finish(job.id, {
    state,
    exitCode: state === "failed" ? exitCode : (exitCode ?? 0),
    failureReason: state === "failed" ? (reason ?? "unknown_failure") : null,
  });
  return withStatus(200, finished ?? job);
}
