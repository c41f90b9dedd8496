/**
 * `POST /jobs/request`: authenticates the runner, parks the request in the dispatcher (native long
 * polling), and answers 201 with the job payload, 204 with `X-GitLab-Last-Update`, or 409 when raced.
 */
import { Headers } from "../../protocol/index.js";
import type { Hangup } from "../dispatch/hangup.js";
import { buildPayload, repoUrlFor } from "../payload/build-payload.js";
import { payloadJson } from "../payload/payload-json.js";
import { hashToken } from "../tokens.js";
import type { ArtifactRecord, DotenvVariable, JobRecord, PipelineRecord, RunnerRecord } from "../types.js";
import type { ApiContext } from "./api-context.js";
import { FORBIDDEN, message, type Reply } from "./http-io.js";
import { type JsonObject, optionalString, requiredString } from "./validate.js";

/** Runner contact is written at most this often: a busy runner polls many times a second. */
const CONTACT_WRITE_INTERVAL_MS = 10_000;
const lastContactWrite = new WeakMap<ApiContext, Map<number, number>>();

export async function requestJob(ctx: ApiContext, body: JsonObject, hangup: Hangup): Promise<Reply> {
  const runner = await ctx.runners.byTokenHash(hashToken(requiredString(body, "token")));
  if (runner === undefined) return FORBIDDEN;
  await noteContact(ctx, runner);
  const noJob = (lastUpdate: string): Reply => ({
    status: 204,
    headers: { [Headers.lastUpdate]: lastUpdate },
  });
  if (runner.paused) return noJob(ctx.dispatcher.lastUpdate());
  const managerKey = `${runner.id}/${optionalString(body, "system_id") ?? ""}`;
  const outcome = await ctx.dispatcher.request({ runner, managerKey }, ctx.limits.longPollMs, hangup);
  switch (outcome.kind) {
    case "none":
      return noJob(outcome.lastUpdate);
    case "conflict":
      return message(409, "409 Conflict");
    case "job":
      return {
        status: 201,
        headers: { "Content-Type": "application/json" },
        body: payloadJson(await payloadFor(ctx, outcome.job, runner, outcome.token)),
      };
    default: {
      const never: never = outcome;
      throw new Error(`unknown dispatch outcome ${JSON.stringify(never)}`);
    }
  }
}

async function noteContact(ctx: ApiContext, runner: RunnerRecord): Promise<void> {
  let seen = lastContactWrite.get(ctx);
  if (seen === undefined) {
    seen = new Map();
    lastContactWrite.set(ctx, seen);
  }
  const now = ctx.clock();
  if (now - (seen.get(runner.id) ?? 0) < CONTACT_WRITE_INTERVAL_MS) return;
  seen.set(runner.id, now);
  await ctx.store.touchRunner(runner.id, now);
}

async function payloadFor(ctx: ApiContext, job: JobRecord, runner: RunnerRecord, token: string) {
  const pipeline = await ctx.engine.getPipeline(job.pipelineId);
  const project = await ctx.project(job.projectId);
  if (pipeline === undefined || project === undefined) {
    throw new Error(`job ${job.id} lost its pipeline or project`);
  }
  const deps = [...(await ctx.engine.dependenciesOf(job)), ...(await parentDependencies(ctx, job, pipeline))];
  const archives = new Map<number, ArtifactRecord>();
  if (deps.length > 0) {
    for (const a of await ctx.store.listArtifactsOfJobs(
      deps.map((d) => d.id),
      "archive",
    )) {
      archives.set(a.jobId, a);
    }
  }
  const dependencies = deps.map((dep) => ({ job: dep, archive: archives.get(dep.id) }));
  const depIds = new Set(deps.map((d) => d.id));
  const dotenv: DotenvVariable[] = [];
  for (const id of new Set(deps.map((d) => d.pipelineId))) {
    dotenv.push(...(await ctx.store.listDotenv(id)).filter((v) => depIds.has(v.jobId)));
  }
  const serverUrl = ctx.serverUrl();
  return buildPayload({
    job,
    pipeline,
    project,
    runner,
    token,
    serverUrl,
    repoUrl: repoUrlFor(serverUrl, project.path, token),
    startedAt: ctx.clock(),
    dotenv,
    dependencies,
    refExists: await ctx.refExists(pipeline),
  });
}

/** `needs: pipeline: $PARENT_PIPELINE_ID`: the named jobs of the parent pipeline, newest attempts. */
async function parentDependencies(
  ctx: ApiContext,
  job: JobRecord,
  pipeline: PipelineRecord,
): Promise<JobRecord[]> {
  const names = job.parentNeeds ?? [];
  if (names.length === 0 || pipeline.parentPipelineId === null) return [];
  const parentJobs = (await ctx.engine.listJobs(pipeline.parentPipelineId)).filter((j) => !j.retried);
  return names.flatMap((n) => parentJobs.filter((j) => j.name === n));
}
