import { loadCiConfig } from "../../../src/config/index.js";
import { findProject } from "../../../src/local-run/find-project.js";
import { buildPlanContext } from "../../../src/local-run/plan-context.js";
import { newRunId } from "../../../src/local-run/run-id.js";
import { snapshotProject } from "../../../src/local-run/snapshot.js";
import { planPipeline } from "../../../src/plan/index.js";
import type { PipelinePlan } from "../../../src/plan/types.js";

/** The pipeline of a repository's `.gitlab-ci.yml`, planned for its current work tree. */
export async function planRepo(repo: string): Promise<{ plan: PipelinePlan; sha: string; ref: string }> {
  const project = await findProject(repo);
  const snapshot = await snapshotProject(project, newRunId());
  const context = await buildPlanContext({
    project,
    snapshot,
    ref: undefined,
    source: "push",
    variables: {},
  });
  const { config } = await loadCiConfig({ file: ".gitlab-ci.yml", projectDir: project.root });
  const planned = planPipeline(config, context);
  if (planned.kind !== "pipeline") throw new Error(`no pipeline: ${planned.noPipeline.reason}`);
  return { plan: planned.plan, sha: snapshot.sha, ref: context.ref };
}
