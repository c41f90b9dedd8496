import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { type CiConfig, type ConfigWarning, loadCiConfig } from "../config/index.js";
import { formatLocation, type RunfleetError } from "../errors/index.js";
import { loadProjectVariables } from "../local-run/index.js";
import {
  compareToRefs,
  formatPlan,
  PIPELINE_SOURCES,
  type PipelineSource,
  type PlanContext,
  type PlanResult,
  type PlanWarning,
  planPipeline,
  predefinedVariables,
  toPlanJson,
  unscopedValues,
} from "../plan/index.js";
import { parseCommandArgs, parseVariablePairs, usageError } from "./command-args.js";
import type { Command } from "./commands.js";

/**
 * `runfleet plan`: loads the config, reads the ref and files from the working copy, and prints the
 * pipeline GitLab would create. Only the plan goes to stdout; warnings and notes go to stderr.
 */
export const PLAN_USAGE = `Usage: runfleet plan [options]

Shows the pipeline a .gitlab-ci.yml creates for a ref and pipeline source: stages, jobs (parallel
and matrix instances included), needs, when, image, tags. Nothing is run.

Options:
  --file F        config file (default: .gitlab-ci.yml); its folder is the project root
  --ref R         branch the pipeline is for (default: the checked-out branch, or main outside git)
  --tag T         plan a tag pipeline for tag T instead of a branch
  --source S      pipeline source: ${PIPELINE_SOURCES.join(", ")} (default: push)
  --var K=V       pipeline variable (repeatable)
  --variables-file F
                  the project's CI/CD variables, as for runfleet run (default: the project's
                  .gitlab-ci-local-variables.yml when there); rules see the unscoped ones
  --changed-file F
                  a file the push changed, for rules:changes and only:changes (repeatable); replaces
                  the diff read from git, also for every rules:changes:compare_to
  --component-dir D
                  serve \`include: component:\` from D/<project path>/templates/<name>.yml
  --json          print only {"stages": [...], "jobs": [{"name", "stage", "needs", "when", "allowFailure",
                  "image", "tags", "variables"}]}, a trigger job's child plan under "child"; needs is
                  null for a job that follows stage order; allowFailure is a boolean or {"exitCodes": [...]}
  -h, --help      this help

rules:exists looks at the files under the project root. rules:changes looks at what the checked-out
commit changed, as GitLab does for a push of it: its diff against its parent (none for a first
commit, where GitLab too counts changes as true), for a merge_request_event its diff against the
merge base with the target (default) branch, and with compare_to the diff from the merge base with
that ref. Outside a git repository, without --changed-file, and for tags, schedules, web and API
pipelines, rules:changes is true.

Exit codes: 0 planned (also when workflow:rules create no pipeline), 1 invalid config, 2 usage error.
`;

interface PlanOptions {
  readonly file: string;
  readonly ref: string | undefined;
  readonly tag: string | undefined;
  readonly source: PipelineSource;
  readonly variables: Readonly<Record<string, string>>;
  readonly variablesFile: string | undefined;
  /** `--changed-file`, in the order given; undefined when none was given (read the diff from git). */
  readonly changedFiles: readonly string[] | undefined;
  readonly componentDir: string | undefined;
  readonly json: boolean;
  readonly help: boolean;
}

export const planCommand: Command = {
  summary: "show the pipeline a .gitlab-ci.yml creates (stages, jobs, needs)",
  async run(args) {
    const options = parsePlanOptions(args);
    if (options.help) {
      process.stdout.write(PLAN_USAGE);
      return 0;
    }
    const file = resolve(options.file);
    const projectDir = dirname(file);
    const projectVariables = await loadProjectVariables({
      file: options.variablesFile,
      cwd: process.cwd(),
      projectRoot: projectDir,
      notice: (message) => process.stderr.write(`${message}\n`),
    });
    const pushed = {
      ...(await readContext(projectDir, options)),
      ...(projectVariables.length === 0 ? {} : { projectVariables }),
    };
    const { config, warnings } = await loadCiConfig({
      file,
      projectDir,
      variables: { ...predefinedVariables(pushed), ...unscopedValues(projectVariables), ...pushed.variables },
      ...(options.componentDir === undefined ? {} : { componentDir: resolve(options.componentDir) }),
    });
    const context = await withChanges(projectDir, pushed, config, options.changedFiles);
    const result = planPipeline(config, context);
    const planWarnings = collectWarnings(result);
    for (const warning of [...warnings, ...planWarnings]) process.stderr.write(formatWarning(warning));
    if (options.json) {
      if (result.kind === "none")
        process.stderr.write(`runfleet plan: no pipeline: ${result.noPipeline.reason}\n`);
      process.stdout.write(`${JSON.stringify(toPlanJson(result), null, 2)}\n`);
      return 0;
    }
    process.stdout.write(`${options.file} for ${context.refType} ${context.ref}\n${formatPlan(result)}`);
    return 0;
  },
};

export function parsePlanOptions(args: readonly string[]): PlanOptions {
  const parsed = parse(args);
  const v = parsed.values;
  if (parsed.positionals.length > 0) throw usage(`unexpected argument "${parsed.positionals[0]}"`);
  if (v.ref !== undefined && v.tag !== undefined) throw usage("--ref and --tag cannot be used together");
  if (v.file === "") throw usage("--file needs a file name");
  const source = v.source ?? "push";
  if (!isSource(source))
    throw usage(`--source must be one of ${PIPELINE_SOURCES.join(", ")}; got "${source}"`);
  return {
    file: v.file ?? ".gitlab-ci.yml",
    ref: v.ref,
    tag: v.tag,
    source,
    variables: parseVariablePairs("plan", v.var ?? []),
    variablesFile: v["variables-file"],
    changedFiles: v["changed-file"],
    componentDir: v["component-dir"],
    json: v.json ?? false,
    help: v.help ?? false,
  };
}

function parse(args: readonly string[]) {
  return parseCommandArgs("plan", {
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      file: { type: "string", short: "f" },
      ref: { type: "string" },
      tag: { type: "string" },
      source: { type: "string" },
      var: { type: "string", multiple: true },
      "changed-file": { type: "string", multiple: true },
      "variables-file": { type: "string" },
      "component-dir": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function isSource(value: string): value is PipelineSource {
  return (PIPELINE_SOURCES as readonly string[]).includes(value);
}

function usage(message: string): RunfleetError {
  return usageError("plan", message);
}

/** Reads what GitLab would know from the push: ref, sha, default branch, project path, file list. */
async function readContext(projectDir: string, options: PlanOptions): Promise<PlanContext> {
  const [branch, sha, before, defaultHead, remote, message, author] = await Promise.all([
    gitOutput(projectDir, ["symbolic-ref", "--short", "HEAD"]),
    gitOutput(projectDir, ["rev-parse", "HEAD"]),
    gitOutput(projectDir, ["rev-parse", "HEAD~1"]),
    gitOutput(projectDir, ["symbolic-ref", "--short", "refs/remotes/origin/HEAD"]),
    gitOutput(projectDir, ["remote", "get-url", "origin"]),
    gitOutput(projectDir, ["log", "-1", "--format=%B"]),
    gitOutput(projectDir, ["log", "-1", "--format=%an <%ae>"]),
  ]);
  const currentBranch = branch === undefined || branch === "HEAD" ? "main" : branch;
  const ref = options.tag ?? options.ref ?? currentBranch;
  const defaultBranch = defaultHead?.replace(/^origin\//, "") ?? (await localDefaultBranch(projectDir));
  const context: PlanContext = {
    ref,
    refType: options.tag === undefined ? "branch" : "tag",
    sha: sha ?? "0".repeat(40),
    beforeSha: before ?? "0".repeat(40),
    source: options.source,
    defaultBranch,
    repositoryFiles: await listProjectFiles(projectDir),
    variables: options.variables,
    projectPath: projectPathFrom(remote) ?? `local/${basename(projectDir)}`,
    ...(message === undefined ? {} : { commitMessage: message }),
    ...(author === undefined ? {} : { commitAuthor: author }),
  };
  if (options.source !== "merge_request_event") return context;
  return { ...context, mergeRequest: { iid: 1, sourceBranch: ref, targetBranch: defaultBranch } };
}

/**
 * The files the pipeline's diff holds, as GitLab computes them: the pushed commit against its parent
 * (a merge request: against the merge base with its target branch), and for each
 * `rules:changes:compare_to` ref the commit against the merge base with that ref. `--changed-file`
 * replaces every one of these. Left unknown (so `changes` is true) where git cannot tell.
 */
async function withChanges(
  projectDir: string,
  context: PlanContext,
  config: CiConfig,
  override: readonly string[] | undefined,
): Promise<PlanContext> {
  const refs = compareToRefs(config, { ...predefinedVariables(context), ...context.variables });
  if (override !== undefined) {
    const files = override.map((f) => f.replace(/\\/g, "/").replace(/^(\.\/)+/, ""));
    return {
      ...context,
      changedFiles: files,
      changedFilesByRef: Object.fromEntries(refs.map((ref) => [ref, files])),
    };
  }
  const byRef: Record<string, readonly string[]> = {};
  for (const ref of refs) {
    const files = await filesChangedSinceMergeBase(projectDir, ref);
    if (files !== undefined) byRef[ref] = files;
  }
  let changed: readonly string[] | undefined;
  let mergeRequest = context.mergeRequest;
  if (mergeRequest !== undefined) {
    const base = await mergeBase(projectDir, mergeRequest.targetBranch);
    if (base !== undefined) {
      changed = await changedFiles(projectDir, base);
      mergeRequest = { ...mergeRequest, diffBaseSha: base };
    }
  } else if (await gitOutput(projectDir, ["rev-parse", "--verify", "--quiet", "HEAD~1^{commit}"])) {
    changed = await changedFiles(projectDir, "HEAD~1");
  }
  return {
    ...context,
    ...(changed === undefined ? {} : { changedFiles: changed }),
    ...(refs.length === 0 ? {} : { changedFilesByRef: byRef }),
    ...(mergeRequest === undefined ? {} : { mergeRequest }),
  };
}

/** A branch, tag or commit name as GitLab would resolve it, falling back to the remote's branches. */
async function mergeBase(projectDir: string, ref: string): Promise<string | undefined> {
  for (const candidate of [`refs/heads/${ref}`, `refs/tags/${ref}`, `refs/remotes/origin/${ref}`, ref]) {
    const sha = await gitOutput(projectDir, ["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`]);
    if (sha !== undefined) return gitOutput(projectDir, ["merge-base", sha, "HEAD"]);
  }
  return undefined;
}

async function filesChangedSinceMergeBase(projectDir: string, ref: string): Promise<string[] | undefined> {
  const base = await mergeBase(projectDir, ref);
  return base === undefined ? undefined : changedFiles(projectDir, base);
}

/** Paths added, modified or deleted between `from` and HEAD; a rename counts as both of its paths. */
function changedFiles(cwd: string, from: string): Promise<string[] | undefined> {
  return new Promise((done) => {
    execFile(
      "git",
      ["diff", "--name-only", "--no-renames", "-z", from, "HEAD", "--"],
      { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => done(error === null ? stdout.split("\0").filter((f) => f !== "") : undefined),
    );
  });
}

/** Without `origin/HEAD`: `master` when the repository has it and no `main`; otherwise GitLab's `main`. */
async function localDefaultBranch(projectDir: string): Promise<string> {
  const has = async (name: string): Promise<boolean> =>
    (await gitOutput(projectDir, ["rev-parse", "--verify", "--quiet", `refs/heads/${name}`])) !== undefined;
  return !(await has("main")) && (await has("master")) ? "master" : "main";
}

/** `git@host:group/project.git` or `https://host/group/project.git` → `group/project`. */
export function projectPathFrom(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const match = /^(?:[a-z+]+:\/\/[^/]+\/|[^@]+@[^:]+:)(.+?)(?:\.git)?\/?$/.exec(url.trim());
  return match?.[1];
}

function gitOutput(cwd: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((done) => {
    execFile(
      "git",
      [...args],
      { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } },
      (error, stdout) => {
        const out = stdout.trim();
        done(error === null && out !== "" ? out : undefined);
      },
    );
  });
}

const SKIPPED = new Set([".git", "node_modules", ".runfleet"]);
const MAX_FILES = 200_000;

/** For `rules:exists`: every file under the project root, relative, `/`-separated. */
async function listProjectFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(rel === "" ? root : `${root}/${rel}`, { withFileTypes: true }).catch(
      () => [],
    );
    for (const entry of entries) {
      if (files.length >= MAX_FILES) return;
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name)) await walk(path);
      } else {
        files.push(path);
      }
    }
  };
  await walk("");
  return files;
}

/** The plan's warnings and those of every child pipeline planned under it. */
function collectWarnings(result: PlanResult): PlanWarning[] {
  if (result.kind === "none") return [];
  const nested = result.plan.jobs.flatMap((job) =>
    job.trigger?.kind === "child" && job.trigger.child !== undefined
      ? collectWarnings(job.trigger.child)
      : [],
  );
  return [...result.plan.warnings, ...nested];
}

function formatWarning(warning: ConfigWarning | PlanWarning): string {
  const where = warning.location === undefined ? "" : `${formatLocation(warning.location)}: `;
  return `warning: ${where}${warning.message}\n`;
}
