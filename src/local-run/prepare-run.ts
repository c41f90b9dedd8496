import { loadCiConfig } from "../config/index.js";
import { RunfleetError } from "../errors/index.js";
import { chooseLocalExecutor, type EngineProbe, probeEngine } from "../executors/docker/index.js";
import { expandVariables } from "../jobscript/index.js";
import { expandForRunner, planPipeline, unscopedValues } from "../plan/index.js";
import type { PipelinePlan, PlanContext, PlannedJob } from "../plan/types.js";
import { findConfigFile } from "./find-config-file.js";
import { findProject, type Project, STATE_DIR_NAME } from "./find-project.js";
import { git } from "./git-command.js";
import type { StackExecutor } from "./local-stack.js";
import { buildPlanContext } from "./plan-context.js";
import type { RunOptions } from "./run-options.js";
import { playManualJobs, selectJobs } from "./select-jobs.js";
import { type Snapshot, snapshotProject } from "./snapshot.js";
import { loadProjectVariables } from "./variables-file.js";

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
  const projectVariables = await loadProjectVariables({
    file: options.variablesFile,
    cwd: options.cwd,
    projectRoot: project.root,
    notice,
  });
  const snapshot = await snapshotProject(project, runId);
  const context = await buildPlanContext({
    project,
    snapshot,
    ref: options.ref,
    source: options.source,
    variables: options.variables,
    projectVariables,
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
  const plan = selectJobs(playManualJobs(result.plan, options.manual), options.jobs);
  return { kind: "pipeline", project, snapshot, context, plan };
}

/**
 * The variables `include:rules` may test: the predefined ones known before planning, unscoped project
 * variables, and `--var`s.
 */
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
    ...unscopedValues(context.projectVariables ?? []),
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

export interface RunExecutor {
  readonly executor: StackExecutor;
  /** Lines to show before the run starts. */
  readonly notices: readonly string[];
}

/**
 * Where the jobs go (`--executor`, else whether a Docker Engine API answers), decided before anything
 * starts so that `--executor docker` without an engine, or with jobs it cannot place, fails at once.
 */
export async function chooseRunExecutor(
  plan: PipelinePlan,
  options: Pick<RunOptions, "executor" | "image">,
  probe: (dockerHost: string | undefined) => Promise<EngineProbe> = probeEngine,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunExecutor> {
  const chosen = await chooseExecutor(plan, options, probe, env);
  const onHost = plan.jobs.filter(
    (j) =>
      j.trigger === undefined &&
      j.services.length > 0 &&
      (chosen.executor.kind === "shell" || (chosen.executor.kind === "image-routed" && !j.image)),
  );
  if (onHost.length === 0) return chosen;
  const names = [...new Set(onHost.map((j) => j.baseName))];
  const shown =
    names.length > 3 ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more` : names.join(", ");
  return {
    ...chosen,
    notices: [
      ...chosen.notices,
      `notice: services ignored for jobs that run on this machine (${shown}): services run only beside a job in its container`,
    ],
  };
}

/**
 * An image name as the job will ask for it: the job's variables in GitLab's order (predefined, global,
 * job, pipeline) expanded as the coordinator expands them for the payload, then the name expanded once
 * as the runner does. Notices name what will (not) be pulled.
 */
export function imageNameOf(plan: PipelinePlan, job: PlannedJob, name: string): string {
  const raw = new Set(job.rawVariables.filter((key) => !Object.hasOwn(plan.pipelineVariables, key)));
  const values = expandForRunner(
    { ...plan.predefinedVariables, ...job.globalVariables, ...job.variables, ...plan.pipelineVariables },
    raw,
  );
  return expandVariables(name, (key) => values[key]);
}

async function chooseExecutor(
  plan: PipelinePlan,
  options: Pick<RunOptions, "executor" | "image">,
  probe: (dockerHost: string | undefined) => Promise<EngineProbe>,
  env: NodeJS.ProcessEnv,
): Promise<RunExecutor> {
  // Trigger jobs run on no runner, whatever their image.
  const runnable = plan.jobs.filter((j) => j.trigger === undefined);
  const imageJobs = runnable.flatMap((j) =>
    j.image ? [{ job: j.baseName, image: imageNameOf(plan, j, j.image.name) }] : [],
  );
  switch (options.executor) {
    case "shell":
      return {
        executor: { kind: "shell" },
        notices: chooseLocalExecutor({ requested: "shell", imageJobs }).notices,
      };
    case "docker": {
      chooseLocalExecutor({ requested: "docker", engine: await probe(env.DOCKER_HOST), imageJobs });
      const bare = runnable.filter((j) => j.image === undefined);
      const first = bare[0];
      if (options.image === undefined && first !== undefined) {
        const names = [...new Set(bare.map((j) => j.baseName))];
        throw new RunfleetError(
          "CONFIG_INVALID",
          `--executor docker runs every job in a container, but ${names.length === 1 ? "this job names" : "these jobs name"} no image: ${names.join(", ")}`,
          {
            hint: "add image: to them (or default: image:), pass --image IMAGE for them, or leave out --executor docker to run them on this machine",
            location: first.location,
          },
        );
      }
      return { executor: { kind: "docker", defaultImage: options.image }, notices: [] };
    }
    case undefined: {
      // Child pipelines are planned while the run goes on: their jobs may have images of their own.
      if (imageJobs.length === 0 && !plan.jobs.some((j) => j.trigger !== undefined))
        return { executor: { kind: "shell" }, notices: [] };
      const engine = await probe(env.DOCKER_HOST);
      const choice = chooseLocalExecutor({ requested: undefined, engine, imageJobs });
      if (choice.imageJobs === "shell") return { executor: { kind: "shell" }, notices: choice.notices };
      return {
        executor: { kind: "image-routed" },
        notices:
          imageJobs.length === 0
            ? []
            : [
                `notice: jobs with image: run in their image on the Docker Engine API at ${engine.address} (--executor shell runs them on this machine)`,
              ],
      };
    }
    default: {
      const never: never = options.executor;
      return never;
    }
  }
}
