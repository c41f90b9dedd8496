/**
 * Dynamic child pipelines: configuration text taken from a parent job's artifact is loaded with the
 * config loader (its local includes read from a project directory) and planned with the planner, as
 * GitLab does when the trigger job starts.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadCiConfig, nodeFileReader } from "../config/index.js";
import type { FileReader } from "../config/types.js";
import { RunfleetError } from "../errors/index.js";
import { type PlanContext, planPipeline } from "../plan/index.js";
import type { ChildPlanner } from "./coordinator.js";
import { submissionFromPlan, userVariablesFromPlan } from "./from-plan.js";
import { cacheKeyForFiles } from "./git-repo.js";
import { collectFileCacheKeys } from "./plan-cache-keys.js";
import type { JobRecord } from "./types.js";

const run = promisify(execFile);

async function filesAt(gitDir: string, sha: string): Promise<string[]> {
  const { stdout } = await run("git", ["--git-dir", gitDir, "ls-tree", "-r", "--name-only", "-z", sha], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.split("\0").filter((f) => f !== "");
}

/** Serves the artifact's file at its path under the project, everything else from disk. */
function overlayReader(path: string, text: string): FileReader {
  return {
    readFile: async (p) => (p === path ? text : nodeFileReader.readFile(p)),
    size: async (p) => (p === path ? Buffer.byteLength(text) : nodeFileReader.size(p)),
    listFiles: (dir) => nodeFileReader.listFiles(dir),
  };
}

type ChildInput = Parameters<ChildPlanner>[0];

/** What a child made at run time is planned with, recorded on its trigger job when the parent was planned. */
function plannedWith(triggerJob: JobRecord): Pick<PlanContext, "variables" | "projectVariables"> {
  const trigger = triggerJob.trigger;
  if (trigger?.kind !== "artifact") return { variables: {} };
  // A trigger recorded before its forwarded variables were: its job's own variables, as before.
  const variables = trigger.variables ?? triggerJob.spec.variables;
  return {
    variables: Object.fromEntries(variables.map((v) => [v.key, v.value])),
    ...(trigger.projectVariables === undefined ? {} : { projectVariables: trigger.projectVariables }),
  };
}

/**
 * Plans a child pipeline from configuration text found in a parent job's artifact, for the parent's
 * commit, with source `parent_pipeline` and the variables `trigger:forward` gives it. `projectDir` is
 * where its `include: local` files are read; `gitDir` lists the commit's files for `rules:exists`.
 */
export async function planChildPipeline(
  input: ChildInput & { readonly projectDir: string; readonly gitDir: string },
): ReturnType<ChildPlanner> {
  const { yaml, file, project, parent, triggerJob } = input;
  const virtualPath = join(input.projectDir, file);
  const { variables, ...projectVariables } = plannedWith(triggerJob);
  const { config } = await loadCiConfig({
    file: virtualPath,
    projectDir: input.projectDir,
    variables,
    reader: overlayReader(virtualPath, yaml),
  });
  const context: PlanContext = {
    ref: parent.ref,
    refType: parent.refType,
    sha: parent.sha,
    beforeSha: parent.beforeSha,
    source: "parent_pipeline",
    defaultBranch: parent.ref,
    repositoryFiles: await filesAt(input.gitDir, parent.sha),
    variables,
    ...projectVariables,
    projectPath: project.path,
    projectName: project.name,
  };
  const result = planPipeline(config, context);
  if (result.kind === "none") {
    throw new RunfleetError(
      "PLAN_INVALID",
      `the child configuration ${file} of ${triggerJob.name} creates no pipeline: ${result.noPipeline.reason}`,
    );
  }
  const keys = new Map<string, string>();
  for (const spec of collectFileCacheKeys(result.plan)) {
    keys.set(spec.id, await cacheKeyForFiles(input.gitDir, parent.sha, spec.files, spec.prefix));
  }
  return {
    submission: submissionFromPlan(
      result.plan,
      (files, prefix) => keys.get(JSON.stringify([files, prefix ?? null])) ?? "default",
    ),
    userVariables: userVariablesFromPlan(result.plan),
  };
}

/** The coordinator's own: local includes from the directory the project was registered with. */
export const planDynamicChild: ChildPlanner = (input) =>
  planChildPipeline({ ...input, projectDir: input.project.repoDir, gitDir: input.project.gitDir });
