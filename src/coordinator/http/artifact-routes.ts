/**
 * `POST /jobs/:id/artifacts` (multipart `file`, zip or gzip, traversal refused, size-limited, dotenv
 * reports read into pipeline variables) and `GET /jobs/:id/artifacts` for jobs that depend on it.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { Headers } from "../../protocol/index.js";
import { checkArchive } from "../artifacts/archive-check.js";
import { dotenvReport } from "../artifacts/dotenv.js";
import { parseDurationSeconds } from "../artifacts/expire-in.js";
import { boundaryOf, findFilePart } from "../artifacts/multipart.js";
import type { JobRecord } from "../types.js";
import { type ApiContext, jobForToken } from "./api-context.js";
import { FORBIDDEN, message, type Reply, readBody, send } from "./http-io.js";

const FORMATS = new Set(["zip", "gzip", "raw"]);

export async function uploadArtifact(
  ctx: ApiContext,
  jobId: number,
  req: IncomingMessage,
  url: URL,
  token: string | undefined,
): Promise<Reply> {
  const job = await jobForToken(ctx, token, jobId);
  if (job === undefined || (job.status !== "running" && job.status !== "canceling")) {
    req.resume();
    return job === undefined
      ? FORBIDDEN
      : message(403, "403 Forbidden - Job is not running", { [Headers.jobStatus]: job.status });
  }
  const boundary = boundaryOf(req.headers["content-type"]);
  const body = await readBody(req, ctx.limits.maxArtifactBytes);
  if (body.kind === "too_large") return message(413, "413 Request Entity Too Large");
  const part = findFilePart(body.body, boundary, "file");
  if (part === undefined) return message(400, "400 Bad request - file is missing");
  const format = url.searchParams.get("artifact_format") || "zip";
  const type = url.searchParams.get("artifact_type") || "archive";
  if (!FORMATS.has(format)) return message(400, `400 Bad request - unsupported artifact_format ${format}`);
  checkArchive(format, part.data);
  const dir = join(ctx.dataDir, "artifacts", String(job.id));
  await mkdir(dir, { recursive: true });
  const ext = format === "zip" ? "zip" : format === "gzip" ? "gz" : "bin";
  const path = join(dir, `${type}.${ext}`);
  await writeFile(path, part.data);
  const now = ctx.clock();
  const expireIn = url.searchParams.get("expire_in");
  const seconds = expireIn ? parseDurationSeconds(expireIn) : undefined;
  await ctx.store.addArtifact({
    jobId: job.id,
    type,
    format,
    filename: part.filename,
    path,
    size: part.data.length,
    sha256: createHash("sha256").update(part.data).digest("hex"),
    expireAt: seconds === undefined ? null : now + seconds * 1000,
    createdAt: now,
  });
  if (type === "dotenv") {
    const vars = dotenvReport(part.data, format === "gzip" ? "gzip" : "raw").map((v) => ({
      ...v,
      jobId: job.id,
    }));
    await ctx.store.addDotenv(job.pipelineId, vars);
  }
  return message(201, "201 Created");
}

/** Streams the archive when the token's job may read it; otherwise a reply to send. */
export async function downloadArtifact(
  ctx: ApiContext,
  targetId: number,
  token: string | undefined,
  res: ServerResponse,
): Promise<Reply | undefined> {
  const requester = await jobForToken(ctx, token);
  const target = await ctx.engine.getJob(targetId);
  if (requester === undefined || target === undefined) return FORBIDDEN;
  const allowed =
    requester.id === target.id ||
    (requester.pipelineId === target.pipelineId &&
      (await ctx.engine.dependenciesOf(requester)).some((d) => d.id === target.id)) ||
    (await isParentNeed(ctx, requester, target));
  if (!allowed) return FORBIDDEN;
  const archive = (await ctx.store.listArtifacts(target.id)).find((a) => a.type === "archive");
  if (archive === undefined) return message(404, "404 Not Found");
  res.writeHead(200, {
    "Content-Type": "application/zip",
    "Content-Length": String(archive.size),
    "Content-Disposition": `attachment; filename="${archive.filename.replace(/"/g, "")}"`,
  });
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(archive.path);
    stream.on("error", reject);
    stream.on("end", resolve);
    stream.pipe(res);
  }).catch(() => {
    if (!res.headersSent) send(res, message(500, "500 artifact file unreadable"));
    res.destroy();
  });
  return undefined;
}

/** A child-pipeline job reading a parent job it names in `needs: pipeline: $PARENT_PIPELINE_ID`. */
async function isParentNeed(ctx: ApiContext, requester: JobRecord, target: JobRecord): Promise<boolean> {
  if (!(requester.parentNeeds ?? []).includes(target.name)) return false;
  const pipeline = await ctx.engine.getPipeline(requester.pipelineId);
  return pipeline?.parentPipelineId === target.pipelineId;
}
