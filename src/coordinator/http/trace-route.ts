/**
 * `PATCH /jobs/:id/trace`: appends a chunk at `Content-Range` start, which must equal what is stored
 * (else 416 with `Range: 0-<size>` so the runner resyncs). 202 carries `Range`, `Job-Status` and
 * `X-GitLab-Trace-Update-Interval`; a job that is not running answers 403.
 */
import { Headers } from "../../protocol/index.js";
import { type ApiContext, jobForToken } from "./api-context.js";
import { FORBIDDEN, message, type Reply } from "./http-io.js";

const RANGE = /^(\d+)-(\d+)$/;

/** `body` is undefined when it was over MAX_TRACE_PATCH_BYTES (then 413 once the token checks pass). */
export async function patchTrace(
  ctx: ApiContext,
  jobId: number,
  contentRange: string | undefined,
  body: Buffer | undefined,
  token: string | undefined,
): Promise<Reply> {
  const job = await jobForToken(ctx, token, jobId);
  if (job === undefined) return FORBIDDEN;
  if (job.status !== "running" && job.status !== "canceling") {
    return message(403, "403 Forbidden - Job is not running", { [Headers.jobStatus]: job.status });
  }
  const range = RANGE.exec((contentRange ?? "").trim());
  if (range === null) return message(400, "400 Bad request - Content-Range must be <start>-<end>");
  if (body === undefined) return message(413, "413 Request Entity Too Large");
  const appended = await ctx.store.appendTrace(job.id, Number(range[1]), body);
  ctx.engine.heartbeat(job.id);
  const current = (await ctx.engine.getJob(job.id)) ?? job;
  const headers = {
    [Headers.range]: `0-${appended.size}`,
    [Headers.jobStatus]: current.status,
    [Headers.traceUpdateInterval]: String(ctx.limits.traceUpdateIntervalSeconds),
  };
  return appended.ok ? { status: 202, headers } : message(416, "416 Range Not Satisfiable", headers);
}
