/**
 * The job JSON answered to `POST /jobs/request` (201): every field a GitLab Runner reads, built from
 * the job's record, its pipeline and project, the runner that takes it, and its dependencies.
 */
import {
  FAILURE_REASONS,
  type JobDependency,
  type JobPayload,
  type JobStep,
  type JobVariable,
} from "../../protocol/index.js";
import { TOKEN_MASK_PREFIXES } from "../tokens.js";
import type { ArtifactRecord, JobRecord } from "../types.js";
import { jobVariables, type VariableContext } from "./ci-variables.js";

export const DEFAULT_GIT_DEPTH = 20;

export interface PayloadContext extends VariableContext {
  readonly dependencies: readonly { readonly job: JobRecord; readonly archive: ArtifactRecord | undefined }[];
  /** Whether `refs/heads/<ref>` (or the tag) exists in the served repository. */
  readonly refExists: boolean;
}

const TOKEN_SLOT = "TOKEN";
/** Tokens needing no escape in a URL's userinfo: the generated ones always, so splicing is exact. */
const URL_SAFE_TOKEN = /^[A-Za-z0-9_-]+$/;
/** Per server URL and project, the clone URL around its password, parsed and serialised once. */
const repoUrlParts = new Map<string, readonly [string, string]>();

/** The clone URL with `gitlab-ci-token:<token>@` inserted, as GitLab sends it. */
export function repoUrlFor(serverUrl: URL, projectPath: string, token: string): string {
  if (!URL_SAFE_TOKEN.test(token)) return repoUrlParsed(serverUrl, projectPath, token);
  const key = `${serverUrl.href}\n${projectPath}`;
  let parts = repoUrlParts.get(key);
  if (parts === undefined) {
    const whole = repoUrlParsed(serverUrl, projectPath, TOKEN_SLOT);
    const at = whole.indexOf(`:${TOKEN_SLOT}@`) + 1;
    parts = [whole.slice(0, at), whole.slice(at + TOKEN_SLOT.length)];
    if (repoUrlParts.size >= 1024) repoUrlParts.clear();
    repoUrlParts.set(key, parts);
  }
  return `${parts[0]}${token}${parts[1]}`;
}

function repoUrlParsed(serverUrl: URL, projectPath: string, token: string): string {
  const url = new URL(`/${projectPath}.git`, serverUrl);
  url.username = "gitlab-ci-token";
  url.password = token;
  return url.toString();
}

export function gitDepth(variables: readonly JobVariable[]): number {
  let depth = DEFAULT_GIT_DEPTH;
  for (const v of variables) {
    if (v.key !== "GIT_DEPTH") continue;
    const n = Number.parseInt(v.value, 10);
    if (Number.isInteger(n) && n >= 0) depth = n;
  }
  return depth;
}

export function refspecs(
  pipelineId: number,
  ref: string,
  refType: "branch" | "tag",
  depth: number,
  refExists: boolean,
): string[] {
  const specs = [`+refs/pipelines/${pipelineId}:refs/pipelines/${pipelineId}`];
  if (depth === 0) {
    specs.push("+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*");
  } else if (refExists) {
    specs.push(
      refType === "tag"
        ? `+refs/tags/${ref}:refs/tags/${ref}`
        : `+refs/heads/${ref}:refs/remotes/origin/${ref}`,
    );
  }
  return specs;
}

function steps(job: JobRecord, timeout: number): JobStep[] {
  const out: JobStep[] = [
    {
      name: "script",
      script: [...job.spec.beforeScript, ...job.spec.script],
      timeout,
      when: "on_success",
      allow_failure: false,
    },
  ];
  if (job.spec.afterScript.length > 0) {
    out.push({
      name: "after_script",
      script: job.spec.afterScript,
      timeout,
      when: "always",
      allow_failure: true,
    });
  }
  return out;
}

export function buildPayload(ctx: PayloadContext): JobPayload {
  const { job, pipeline, project, runner, token } = ctx;
  const timeout =
    runner.maximumTimeout !== null ? Math.min(job.timeoutSeconds, runner.maximumTimeout) : job.timeoutSeconds;
  const variables = jobVariables(ctx);
  const depth = gitDepth(variables);
  const dependencies: JobDependency[] = ctx.dependencies.map(({ job: dep, archive }) => ({
    id: dep.id,
    name: dep.name,
    token,
    ...(archive ? { artifacts_file: { filename: archive.filename, size: archive.size } } : {}),
  }));
  return {
    id: job.id,
    token,
    allow_git_fetch: true,
    job_info: {
      id: job.id,
      name: job.name,
      stage: job.stage,
      pipeline_id: pipeline.id,
      project_id: project.id,
      project_name: project.name,
      project_full_path: project.path,
    },
    git_info: {
      repo_url: ctx.repoUrl,
      ref: pipeline.ref,
      sha: pipeline.sha,
      before_sha: pipeline.beforeSha,
      ref_type: pipeline.refType,
      refspecs: refspecs(pipeline.id, pipeline.ref, pipeline.refType, depth, ctx.refExists),
      depth,
      protected: false,
    },
    runner_info: { timeout },
    variables,
    steps: steps(job, timeout),
    image: job.spec.image,
    services: job.spec.services,
    artifacts: job.spec.artifacts,
    cache: job.spec.cache,
    credentials: [],
    dependencies,
    features: {
      trace_sections: true,
      failure_reasons: [...FAILURE_REASONS],
      token_mask_prefixes: TOKEN_MASK_PREFIXES,
    },
  };
}
