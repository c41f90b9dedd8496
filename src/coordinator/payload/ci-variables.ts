/**
 * The predefined `CI_*` variables GitLab itself sends in a job payload (the runner adds its own), and
 * the precedence of everything else: pipeline-level variables (the planner's predefined ones or
 * configuration globals), the coordinator's own predefined ones, the job's own, dotenv reports of its
 * dependencies, the project's variables for the job's environment, then variables given for the run.
 * The runner applies "last definition wins". What the jobs of a pipeline share is worked out once per
 * pipeline and runner (`sharedVariables`).
 */
import { expandForRunner } from "../../plan/index.js";
import type { JobVariable } from "../../protocol/index.js";
import type {
  DotenvVariable,
  JobRecord,
  PipelineRecord,
  ProjectRecord,
  RunnerRecord,
  SubmittedVariable,
} from "../types.js";
import { rememberJson } from "./payload-json.js";

export interface VariableContext {
  readonly job: JobRecord;
  readonly pipeline: PipelineRecord;
  readonly project: ProjectRecord;
  readonly runner: RunnerRecord;
  readonly token: string;
  readonly serverUrl: URL;
  readonly repoUrl: string;
  readonly startedAt: number;
  readonly dotenv: readonly DotenvVariable[];
}

/** GitLab's slug: lowercased, non-alphanumerics to `-`, at most 63 characters, no leading/trailing `-`. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
}

function pub(key: string, value: string): JobVariable {
  return { key, value, public: true, masked: false };
}

function secret(key: string, value: string): JobVariable {
  return { key, value, public: false, masked: true };
}

/** A submitted variable as the runner receives it: public unless masked. */
export function fromSubmitted(v: SubmittedVariable): JobVariable {
  return {
    key: v.key,
    value: v.value,
    public: !v.masked,
    masked: v.masked === true,
    ...(v.file ? { file: true } : {}),
    ...(v.raw ? { raw: true } : {}),
  };
}

/** Every predefined variable of the job: the pipeline's and runner's (shared by its jobs), then the job's own. */
export function predefinedVariables(ctx: VariableContext): JobVariable[] {
  return [...sharedPredefined(ctx), ...jobPredefined(ctx)];
}

/** Predefined variables that are the same for every job of a pipeline on one runner. */
function sharedPredefined(ctx: VariableContext): JobVariable[] {
  const { pipeline, project, runner, serverUrl } = ctx;
  const base = serverUrl.origin;
  const projectUrl = `${base}/${project.path}`;
  const namespace = project.path.includes("/") ? project.path.slice(0, project.path.lastIndexOf("/")) : "";
  const isTag = pipeline.refType === "tag";
  const vars: JobVariable[] = [
    pub("CI", "true"),
    pub("GITLAB_CI", "true"),
    pub("CI_SERVER_URL", base),
    pub("CI_SERVER_HOST", serverUrl.hostname),
    pub("CI_SERVER_PORT", serverUrl.port || (serverUrl.protocol === "https:" ? "443" : "80")),
    pub("CI_SERVER_PROTOCOL", serverUrl.protocol.replace(":", "")),
    pub("CI_SERVER_NAME", "Runfleet"),
    pub("CI_API_V4_URL", `${base}/api/v4`),
    pub("CI_PIPELINE_ID", String(pipeline.id)),
    pub("CI_PIPELINE_IID", String(pipeline.iid)),
    pub("CI_PIPELINE_SOURCE", pipeline.source),
    pub("CI_PIPELINE_URL", `${projectUrl}/-/pipelines/${pipeline.id}`),
    pub("CI_PIPELINE_CREATED_AT", new Date(pipeline.createdAt).toISOString()),
    pub("CI_COMMIT_SHA", pipeline.sha),
    pub("CI_COMMIT_SHORT_SHA", pipeline.sha.slice(0, 8)),
    pub("CI_COMMIT_BEFORE_SHA", pipeline.beforeSha),
    pub("CI_COMMIT_REF_NAME", pipeline.ref),
    pub("CI_COMMIT_REF_SLUG", slugify(pipeline.ref)),
    pub("CI_COMMIT_REF_PROTECTED", "false"),
    pub(isTag ? "CI_COMMIT_TAG" : "CI_COMMIT_BRANCH", pipeline.ref),
    pub("CI_PROJECT_ID", String(project.id)),
    pub("CI_PROJECT_NAME", project.name),
    pub("CI_PROJECT_TITLE", project.name),
    pub("CI_PROJECT_PATH", project.path),
    pub("CI_PROJECT_PATH_SLUG", slugify(project.path)),
    pub("CI_PROJECT_NAMESPACE", namespace),
    pub("CI_PROJECT_ROOT_NAMESPACE", namespace.split("/")[0] ?? ""),
    pub("CI_PROJECT_URL", projectUrl),
    pub("CI_PROJECT_VISIBILITY", "private"),
    pub("CI_CONFIG_PATH", ".gitlab-ci.yml"),
    pub("CI_REGISTRY_USER", "gitlab-ci-token"),
    pub("CI_RUNNER_ID", String(runner.id)),
    pub("CI_RUNNER_DESCRIPTION", runner.description),
    pub("CI_RUNNER_TAGS", JSON.stringify(runner.tags)),
    pub("GITLAB_USER_ID", "1"),
  ];
  // The pipeline's own user (the planner's GITLAB_USER_LOGIN, from whoever started it) wins.
  if (!pipeline.variables.some((v) => v.key === "GITLAB_USER_LOGIN"))
    vars.push(pub("GITLAB_USER_LOGIN", "runfleet"));
  if (pipeline.parentPipelineId !== null) {
    vars.push(pub("CI_PIPELINE_TRIGGERED", "true"));
  }
  return vars;
}

/** Predefined variables of this job alone: its id, name, token and place in a `parallel` job. */
function jobPredefined(ctx: VariableContext): JobVariable[] {
  const { job, project, serverUrl } = ctx;
  const vars: JobVariable[] = [
    pub("CI_JOB_ID", String(job.id)),
    pub("CI_JOB_URL", `${serverUrl.origin}/${project.path}/-/jobs/${job.id}`),
    secret("CI_JOB_TOKEN", ctx.token),
    pub("CI_JOB_STARTED_AT", new Date(ctx.startedAt).toISOString()),
    pub("CI_JOB_NAME", job.name),
    pub("CI_JOB_NAME_SLUG", slugify(job.name)),
    pub("CI_JOB_STAGE", job.stage),
    pub("CI_JOB_TIMEOUT", String(job.timeoutSeconds)),
    pub("CI_NODE_TOTAL", String(job.parallel?.total ?? 1)),
    secret("CI_REPOSITORY_URL", ctx.repoUrl),
    secret("CI_REGISTRY_PASSWORD", ctx.token),
  ];
  if (job.parallel !== null) vars.push(pub("CI_NODE_INDEX", String(job.parallel.index)));
  if (job.when === "manual") vars.push(pub("CI_JOB_MANUAL", "true"));
  return vars;
}

/**
 * What every job of a pipeline sends first — the pipeline's variables, then the shared predefined
 * ones — with earlier definitions already dropped. Built once per pipeline and runner: the instances
 * of a `parallel` job differ only in what comes after it.
 */
interface SharedVariables {
  readonly pipeline: PipelineRecord;
  readonly project: ProjectRecord;
  readonly runner: RunnerRecord;
  readonly serverUrl: string;
  readonly variables: readonly JobVariable[];
  readonly keys: ReadonlySet<string>;
  /** Some value refers to a variable: the job's list is then expanded as a whole. */
  readonly referring: boolean;
}

/** Records are replaced, never changed, so the same objects mean the same variables. */
const SHARED_ENTRIES = 64;
const sharedEntries = new Map<string, SharedVariables>();

function sharedVariables(ctx: VariableContext): SharedVariables {
  const key = `${ctx.pipeline.id}/${ctx.runner.id}`;
  const hit = sharedEntries.get(key);
  if (
    hit !== undefined &&
    hit.pipeline === ctx.pipeline &&
    hit.project === ctx.project &&
    hit.runner === ctx.runner &&
    hit.serverUrl === ctx.serverUrl.href
  ) {
    return hit;
  }
  const variables = lastDefinitions([...ctx.pipeline.variables.map(fromSubmitted), ...sharedPredefined(ctx)]);
  const entry: SharedVariables = {
    pipeline: ctx.pipeline,
    project: ctx.project,
    runner: ctx.runner,
    serverUrl: ctx.serverUrl.href,
    variables,
    keys: new Set(variables.map((v) => v.key)),
    referring: variables.some(refers),
  };
  rememberJson(variables);
  if (!sharedEntries.has(key) && sharedEntries.size >= SHARED_ENTRIES) {
    const oldest = sharedEntries.keys().next();
    if (oldest.done !== true) sharedEntries.delete(oldest.value);
  }
  sharedEntries.set(key, entry);
  return entry;
}

function refers(v: JobVariable): boolean {
  return v.value.includes("$");
}

/**
 * The job's variables in GitLab's precedence: pipeline-level variables (the planner's predefined ones
 * or configuration globals), the coordinator's predefined ones, the job's own, dotenv reports of its
 * dependencies, the project's variables for its environment, then variables given for the run — one
 * definition per key (masked ones kept).
 */
export function jobVariables(ctx: VariableContext): JobVariable[] {
  const shared = sharedVariables(ctx);
  const own = [
    ...jobPredefined(ctx),
    ...ctx.job.spec.variables.map(fromSubmitted),
    ...ctx.dotenv.map((d) => pub(d.key, d.value)),
    ...(ctx.job.spec.projectVariables ?? []).map(fromSubmitted),
    ...ctx.pipeline.userVariables.map(fromSubmitted),
  ];
  if (shared.referring || own.some(refers)) {
    return lastDefinitions(expandedForRunner([...shared.variables, ...own]));
  }
  const ownLast = lastDefinitions(own);
  if (!own.some((v) => shared.keys.has(v.key))) return [...shared.variables, ...ownLast];
  const overridden = new Set(own.map((v) => v.key));
  return [...shared.variables.filter((v) => v.masked || !overridden.has(v.key)), ...ownLast];
}

/**
 * The runner takes the last definition of a key, so earlier ones are dead weight in every payload —
 * except masked ones, whose values must still be masked in the trace.
 */
export function lastDefinitions(variables: readonly JobVariable[]): JobVariable[] {
  const last = new Map<string, number>();
  for (const [i, v] of variables.entries()) last.set(v.key, i);
  return variables.filter((v, i) => last.get(v.key) === i || v.masked);
}

/**
 * GitLab expands variables inside variables before a job leaves the server (the runner then expands
 * once more): the winning definition of each key gets its expanded value; raw and file variables are
 * neither expanded nor substituted, so the runner sees them as written.
 */
export function expandedForRunner(variables: readonly JobVariable[]): JobVariable[] {
  if (!variables.some((v) => v.value.includes("$"))) return [...variables];
  const winning = new Map<string, JobVariable>();
  for (const v of variables) winning.set(v.key, v);
  const values: Record<string, string> = {};
  const opaque = new Set<string>();
  for (const [key, v] of winning) {
    values[key] = v.value;
    if (v.raw === true || v.file === true) opaque.add(key);
  }
  const expanded = expandForRunner(values, opaque);
  return variables.map((v) =>
    winning.get(v.key) === v && expanded[v.key] !== v.value ? { ...v, value: expanded[v.key] ?? v.value } : v,
  );
}
