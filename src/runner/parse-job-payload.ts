/**
 * Validates the job JSON of a 201 from `POST /jobs/request` once, at the edge: required fields must be
 * there, and the lists GitLab may send as null or leave out become empty, so the rest of the runner works
 * with the narrow `JobPayload` type.
 */
import { RunfleetError } from "../errors/index.js";
import type { JobPayload } from "../protocol/index.js";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function bad(field: string): RunfleetError {
  return new RunfleetError("BAD_REQUEST", `job payload from the coordinator lacks a valid \`${field}\``, {
    hint: "the coordinator does not speak the GitLab Runner job format this runner expects",
  });
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function parseJobPayload(raw: unknown): JobPayload {
  if (!isObj(raw)) throw bad("job");
  if (typeof raw.id !== "number") throw bad("id");
  if (typeof raw.token !== "string") throw bad("token");
  const jobInfo = raw.job_info;
  if (!isObj(jobInfo) || typeof jobInfo.name !== "string") throw bad("job_info.name");
  const gitInfo = raw.git_info;
  if (!isObj(gitInfo) || typeof gitInfo.sha !== "string" || typeof gitInfo.repo_url !== "string")
    throw bad("git_info");
  const runnerInfo = isObj(raw.runner_info) ? raw.runner_info : {};
  const variables = list(raw.variables).filter(
    (v): v is Obj => isObj(v) && typeof v.key === "string" && typeof v.value === "string",
  );
  const steps = list(raw.steps).filter(
    (s): s is Obj => isObj(s) && typeof s.name === "string" && Array.isArray(s.script),
  );
  const features = isObj(raw.features) ? raw.features : {};
  return {
    ...(raw as unknown as JobPayload),
    allow_git_fetch: raw.allow_git_fetch !== false,
    job_info: {
      id: typeof jobInfo.id === "number" ? jobInfo.id : raw.id,
      name: jobInfo.name,
      stage: typeof jobInfo.stage === "string" ? jobInfo.stage : "",
      pipeline_id: typeof jobInfo.pipeline_id === "number" ? jobInfo.pipeline_id : 0,
      project_id: typeof jobInfo.project_id === "number" ? jobInfo.project_id : 0,
      project_name: typeof jobInfo.project_name === "string" ? jobInfo.project_name : "project",
      ...(typeof jobInfo.project_full_path === "string"
        ? { project_full_path: jobInfo.project_full_path }
        : {}),
    },
    git_info: {
      ...(gitInfo as unknown as JobPayload["git_info"]),
      refspecs: list(gitInfo.refspecs).filter((r): r is string => typeof r === "string"),
      depth: typeof gitInfo.depth === "number" ? gitInfo.depth : 0,
      ref: typeof gitInfo.ref === "string" ? gitInfo.ref : "",
    },
    runner_info: { timeout: typeof runnerInfo.timeout === "number" ? runnerInfo.timeout : 0 },
    variables: variables as unknown as JobPayload["variables"],
    steps: steps as unknown as JobPayload["steps"],
    image: isObj(raw.image) ? (raw.image as unknown as JobPayload["image"]) : null,
    services: list(raw.services) as JobPayload["services"],
    artifacts: list(raw.artifacts)
      .filter(isObj)
      .map((a) => ({
        name: typeof a.name === "string" ? a.name : "",
        untracked: a.untracked === true,
        paths: list(a.paths).filter((p): p is string => typeof p === "string"),
        exclude: list(a.exclude).filter((p): p is string => typeof p === "string"),
        when: a.when === "on_failure" || a.when === "always" ? a.when : "on_success",
        expire_in: typeof a.expire_in === "string" ? a.expire_in : null,
        artifact_type:
          typeof a.artifact_type === "string" && a.artifact_type !== "" ? a.artifact_type : "archive",
        artifact_format:
          a.artifact_format === "gzip" || a.artifact_format === "raw" ? a.artifact_format : "zip",
      })),
    cache: list(raw.cache)
      .filter(isObj)
      .map((c) => ({
        key: typeof c.key === "string" && c.key !== "" ? c.key : "default",
        untracked: c.untracked === true,
        paths: list(c.paths).filter((p): p is string => typeof p === "string"),
        policy: c.policy === "pull" || c.policy === "push" ? c.policy : "pull-push",
        when: c.when === "on_failure" || c.when === "always" ? c.when : "on_success",
        fallback_keys: list(c.fallback_keys).filter((k): k is string => typeof k === "string"),
      })),
    credentials: list(raw.credentials) as JobPayload["credentials"],
    dependencies: list(raw.dependencies).filter(
      (d): d is Obj => isObj(d) && typeof d.id === "number",
    ) as unknown as JobPayload["dependencies"],
    features: {
      trace_sections: features.trace_sections !== false,
      failure_reasons: list(features.failure_reasons).filter((r): r is string => typeof r === "string"),
      token_mask_prefixes: list(features.token_mask_prefixes).filter(
        (r): r is string => typeof r === "string",
      ),
    },
  };
}
