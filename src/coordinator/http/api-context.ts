/** What the HTTP handlers share: the engine, dispatcher, store, limits, and token look-ups. */
import type { JobDispatcher } from "../dispatch/job-dispatcher.js";
import type { Clock, PipelineEngine } from "../engine/pipeline-engine.js";
import type { Store } from "../store/store.js";
import { hashToken } from "../tokens.js";
import type { JobRecord, PipelineRecord, ProjectRecord } from "../types.js";
import type { RunnerCache } from "./runner-cache.js";

export interface ApiLimits {
  /** How long `POST /jobs/request` is held when no job is there (native long polling). */
  readonly longPollMs: number;
  /** JSON bodies. */
  readonly maxJsonBytes: number;
  readonly maxArtifactBytes: number;
  /** Sent as `X-GitLab-Trace-Update-Interval`. */
  readonly traceUpdateIntervalSeconds: number;
}

export interface ApiContext {
  readonly store: Store;
  readonly engine: PipelineEngine;
  readonly dispatcher: JobDispatcher;
  /** Runner look-ups for polls; forget a token here when revoking it. */
  readonly runners: RunnerCache;
  readonly dataDir: string;
  readonly limits: ApiLimits;
  readonly clock: Clock;
  /** The URL runners reach this coordinator at. */
  serverUrl(): URL;
  project(id: number): Promise<ProjectRecord | undefined>;
  /** Whether the pipeline's branch or tag exists in the repository (for refspecs). */
  refExists(pipeline: PipelineRecord): Promise<boolean>;
}

/** The job a job token belongs to; undefined for unknown tokens and for tokens of another job id. */
export async function jobForToken(
  ctx: ApiContext,
  token: string | undefined,
  jobId?: number,
): Promise<JobRecord | undefined> {
  if (token === undefined || token === "") return undefined;
  const job = await ctx.engine.jobByTokenHash(hashToken(token));
  if (job === undefined || (jobId !== undefined && job.id !== jobId)) return undefined;
  return job;
}

/** What `jobTokenOf` reads of a request. */
export interface TokenSource {
  readonly target: string;
  header(name: string): string | undefined;
  url(): URL;
}

/** `JOB-TOKEN` header, else the `job_token`/`token` query parameter as GitLab accepts (URL parsed only then). */
export function jobTokenOf(req: TokenSource): string | undefined {
  const header = req.header("job-token");
  if (header !== undefined && header !== "") return header;
  if (!req.target.includes("?")) return undefined;
  const params = req.url().searchParams;
  return params.get("job_token") ?? params.get("token") ?? undefined;
}
