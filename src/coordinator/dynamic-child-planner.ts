/**
 * Dynamic child pipelines: configuration text taken from a parent job's artifact is loaded with the
 * config loader (its local includes read from the project directory) and planned with the planner,
 * as GitLab does when the trigger job starts.
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

/** The project variables a child made at run time is planned with: those its parent was planned with. */
export function childProjectVariables(triggerJob: JobRecord): Pick<PlanContext, "projectVariables"> {
  const trigger = triggerJob.trigger;
  return trigger?.kind === "artifact" && trigger.projectVariables !== undefined
    ? { projectVariables: trigger.projectVariables }
    : {};
}

export const planDynamicChild: ChildPlanner = async ({ yaml, file, project, parent, triggerJob }) => {
  const virtualPath = join(project.repoDir, file);
  const forwarded = Object.fromEntries(triggerJob.spec.variables.map((v) => [v.key, v.value]));
  const { config } = await loadCiConfig({
    file: virtualPath,
    projectDir: project.repoDir,
    variables: forwarded,
    reader: overlayReader(virtualPath, yaml),
  });
  const context: PlanContext = {
    ref: parent.ref,
    refType: parent.refType,
    sha: parent.sha,
    beforeSha: parent.beforeSha,
    source: "parent_pipeline",
    defaultBranch: parent.ref,
    repositoryFiles: await filesAt(project.gitDir, parent.sha),
    variables: forwarded,
    ...childProjectVariables(triggerJob),
    projectPath: project.path,
    projectName: project.name,
  };
  const result = planPipeline(config, context);
  if (result.kind === "none") {
    throw new RunfleetError(
      "PLAN_INVALID",
      `the child configuration ${file} creates no pipeline: ${result.noPipeline.reason}`,
    );
  }
  const keys = new Map<string, string>();
  for (const spec of collectFileCacheKeys(result.plan)) {
    keys.set(spec.id, await cacheKeyForFiles(project.gitDir, parent.sha, spec.files, spec.prefix));
  }
  return {
    submission: submissionFromPlan(
      result.plan,
      (files, prefix) => keys.get(JSON.stringify([files, prefix ?? null])) ?? "default",
    ),
    userVariables: userVariablesFromPlan(result.plan),
  };
};
