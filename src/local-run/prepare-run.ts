import { loadCiConfig } from "../config/index.js";
import { planPipeline } from "../plan/index.js";
import type { PipelinePlan, PlanContext } from "../plan/types.js";
import { findConfigFile } from "./find-config-file.js";
import { findProject, type Project, STATE_DIR_NAME } from "./find-project.js";
import { git } from "./git-command.js";
import { buildPlanContext } from "./plan-context.js";
import type { RunOptions } from "./run-options.js";
import { selectJobs } from "./select-jobs.js";
import { type Snapshot, snapshotProject } from "./snapshot.js";

export type Prepared =
  | {
      readonly kind: "pipeline";
      readonly project: Project;
      readonly snapshot: Snapshot;
      readonly context: PlanContext;
      readonly plan: PipelinePlan;
    }
  | { readonly kind: "none"; readonly reason: string };

/**
 * Everything before any job runs: find the project and its config, snapshot the work tree, load and
 * plan the pipeline, pick the named jobs. Config errors surface here, before a coordinator starts.
 */
export async function prepareRun(
  options: RunOptions,
  runId: string,
  notice: (message: string) => void,
): Promise<Prepared> {
  const project = await findProject(options.cwd);
  if (project.kind === "directory") {
    notice(
      `notice: ${project.root} is not a git repository; running the directory as the project ` +
        `(snapshots are kept in ${STATE_DIR_NAME}/repo.git)`,
    );
  } else if (!(await stateDirIgnored(project))) {
    notice(
      `notice: add ${STATE_DIR_NAME}/ to ${project.root}/.gitignore — Runfleet keeps its database and logs there`,
    );
  }
  const configFile = await findConfigFile(options.cwd, project.root, options.file);
  const snapshot = await snapshotProject(project, runId);
  const context = await buildPlanContext({
    project,
    snapshot,
    ref: options.ref,
    source: options.source,
    variables: options.variables,
  });
  const { config, warnings } = await loadCiConfig({
    file: configFile,
    projectDir: project.root,
    variables: includeVariables(context),
  });
  for (const w of warnings) notice(`warning: ${w.message}`);
  const result = planPipeline(config, context);
  if (result.kind === "none") return { kind: "none", reason: result.noPipeline.reason };
  for (const w of result.plan.warnings) notice(`warning: ${w.message}`);
  return { kind: "pipeline", project, snapshot, context, plan: selectJobs(result.plan, options.jobs) };
}

/** The variables `include:rules` may test: the predefined ones known before planning, and `--var`s. */
function includeVariables(context: PlanContext): Record<string, string> {
  return {
    CI: "true",
    GITLAB_CI: "true",
    CI_COMMIT_SHA: context.sha,
    CI_COMMIT_REF_NAME: context.ref,
    CI_COMMIT_BRANCH: context.ref,
    CI_DEFAULT_BRANCH: context.defaultBranch,
    CI_PIPELINE_SOURCE: context.source,
    CI_PROJECT_PATH: context.projectPath,
    ...context.variables,
  };
}

async function stateDirIgnored(project: Project): Promise<boolean> {
  const r = await git(
    [
      "--git-dir",
      project.gitDir,
      "--work-tree",
      project.root,
      "check-ignore",
      "-q",
      "--no-index",
      `${STATE_DIR_NAME}/`,
    ],
    {
      cwd: project.root,
      allowExitCodes: [1],
    },
  );
  return r.exitCode === 0;
}

/** One line per image the shell executor will not use, naming the jobs that asked for it. */
export function ignoredImageNotices(plan: PipelinePlan, executor: string): string[] {
  const byImage = new Map<string, string[]>();
  for (const job of plan.jobs) {
    if (job.image === undefined) continue;
    const list = byImage.get(job.image.name) ?? [];
    list.push(job.baseName);
    byImage.set(job.image.name, list);
  }
  return [...byImage].map(([image, jobs]) => {
    const names = [...new Set(jobs)];
    const shown =
      names.length > 3 ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more` : names.join(", ");
    return `notice: image "${image}" ignored: the ${executor} executor runs jobs on this machine (${shown})`;
  });
}
