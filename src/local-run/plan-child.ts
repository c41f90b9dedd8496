import { join } from "node:path";
import { loadCiConfig, nodeFileReader } from "../config/index.js";
import type { FileReader } from "../config/types.js";
import type { ChildPlanner } from "../coordinator/coordinator.js";
import { childProjectVariables } from "../coordinator/dynamic-child-planner.js";
import { submissionFromPlan, userVariablesFromPlan } from "../coordinator/from-plan.js";
import { cacheKeyForFiles } from "../coordinator/git-repo.js";
import { collectFileCacheKeys } from "../coordinator/plan-cache-keys.js";
import { RunfleetError } from "../errors/index.js";
import { planPipeline } from "../plan/index.js";
import type { Project } from "./find-project.js";
import { git } from "./git-command.js";

type ChildInput = Parameters<ChildPlanner>[0];

/**
 * A dynamic child pipeline (`trigger: include: artifact:`): the configuration a parent job generated is
 * loaded as if it were a file of the repository (its own `include: local` still read from the
 * project), planned for the parent's commit with source `parent_pipeline`, and handed back.
 */
export async function planChildFromArtifact(project: Project, input: ChildInput): ReturnType<ChildPlanner> {
  const path = join(project.root, input.file);
  const reader: FileReader = {
    readFile: async (p) => (p === path ? input.yaml : nodeFileReader.readFile(p)),
    size: async (p) => (p === path ? Buffer.byteLength(input.yaml) : nodeFileReader.size(p)),
    listFiles: (dir) => nodeFileReader.listFiles(dir),
  };
  const { config } = await loadCiConfig({ file: path, projectDir: project.root, reader });
  const parent = input.parent;
  const files = (
    await git(["--git-dir", project.gitDir, "ls-tree", "-r", "-z", "--name-only", parent.sha], {
      cwd: project.root,
    })
  ).stdout
    .split("\0")
    .filter((f) => f !== "");
  const variables = Object.fromEntries(parent.userVariables.map((v) => [v.key, v.value]));
  const result = planPipeline(config, {
    ref: parent.ref,
    refType: parent.refType,
    sha: parent.sha,
    beforeSha: parent.beforeSha,
    source: "parent_pipeline",
    defaultBranch: parent.ref,
    repositoryFiles: files,
    variables,
    ...childProjectVariables(input.triggerJob),
    projectPath: input.project.path,
    projectName: input.project.name,
  });
  if (result.kind === "none") {
    throw new RunfleetError(
      "PLAN_INVALID",
      `the child pipeline of ${input.triggerJob.name} has no jobs: ${result.noPipeline.reason}`,
    );
  }
  const keys = new Map<string, string>();
  for (const spec of collectFileCacheKeys(result.plan)) {
    keys.set(spec.id, await cacheKeyForFiles(project.gitDir, parent.sha, spec.files, spec.prefix));
  }
  return {
    submission: submissionFromPlan(
      result.plan,
      (f, prefix) => keys.get(JSON.stringify([f, prefix ?? null])) ?? "default",
    ),
    userVariables: userVariablesFromPlan(result.plan),
  };
}
