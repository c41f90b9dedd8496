/**
 * `PATCH /jobs/:id/trace`: appends a chunk at `Content-Range` start, which must equal what is stored
 * (else 416 with `Range: 0-<size>` so the runner resyncs). 202 carries `Range`, `Job-Status` and
 * `X-GitLab-Trace-Update-Interval`; a job that is not running answers 403.
 */
import type { IncomingMessage } from "node:http";
import { Headers, MAX_TRACE_PATCH_BYTES } from "../../protocol/index.js";
import { type ApiContext, jobForToken } from "./api-context.js";
import { FORBIDDEN, message, type Reply, readBody } from "./http-io.js";

export async function patchTrace(
  ctx: ApiContext,
  jobId: number,
  req: IncomingMessage,
  token: string | undefined,
): Promise<Reply> {
  const job = await jobForToken(ctx, token, jobId);
  if (job === undefined) {
    req.resume();
    return FORBIDDEN;
  }
  if (job.status !== "running" && job.status !== "canceling") {
    req.resume();
    return message(403, "403 Forbidden - Job is not running", { [Headers.jobStatus]: job.status });
  }
  const range = /^(\d+)-(\d+)$/.exec(String(req.headers["content-range"] ?? "").trim());
  if (range === null) {
    req.resume();
    return message(400, "400 Bad request - Content-Range must be <start>-<end>");
  }
  const body = await readBody(req, MAX_TRACE_PATCH_BYTES);
  if (body.kind === "too_large") return message(413, "413 Request Entity Too Large");
  const appended = await ctx.store.appendTrace(job.id, Number(range[1]), body.body);
  ctx.engine.heartbeat(job.id);
  const current = (await ctx.engine.getJob(job.id)) ?? job;
  const headers = {
    [Headers.range]: `0-${appended.size}`,
    [Headers.jobStatus]: current.status,
    [Headers.traceUpdateInterval]: String(ctx.limits.traceUpdateIntervalSeconds),
  };
  return appended.ok ? { status: 202, headers } : message(416, "416 Range Not Satisfiable", headers);
}
