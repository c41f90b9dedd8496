import { buildJob } from "./build-job.js";
import { buildRules } from "./build-rules.js";
import { buildVariables } from "./build-variables.js";
import { Check } from "./check.js";
import { WORKFLOW_KEYWORDS } from "./keywords.js";
import { child, type Problems } from "./problems.js";
import { resolveJobs } from "./resolve-jobs.js";
import type { CiConfig, Workflow } from "./types.js";
import { validateGraph } from "./validate-graph.js";
import { get, type YMap, type YNode } from "./yaml-tree.js";

export const DEFAULT_STAGES: readonly string[] = ["build", "test", "deploy"];

/** The merged, reference-resolved top level → CiConfig (child pipeline configs are attached later). */
export function buildConfig(
  root: YMap,
  file: string,
  files: readonly string[],
  problems: Problems,
): CiConfig {
  const check = new Check(problems);
  const stages = buildStages(get(root, "stages"), check);
  const variables = buildVariables(get(root, "variables"), "variables", "global", check);
  const workflowNode = get(root, "workflow");
  const workflow = workflowNode === undefined ? undefined : buildWorkflow(workflowNode, check);
  const resolved = resolveJobs(root, problems);
  const jobs = resolved.map((j) => buildJob(j, check));
  const written = new Map(resolved.map((j) => [j.name, j.map]));
  validateGraph(jobs, stages, problems, (job, key) => ({
    pos: written.get(job.name)?.entries.get(key)?.value.pos ?? job.location,
    path: `${job.name}.${key}`,
  }));
  if (jobs.length === 0 && problems.errors.length === 0) {
    problems.error(
      "jobs config should contain at least one visible job",
      { pos: root.pos, path: "" },
      {
        hint: "add a job with `script:` (names starting with a dot are hidden templates)",
      },
    );
  }
  return { file, files, stages, variables, jobs, ...(workflow === undefined ? {} : { workflow }) };
}

function buildStages(node: YNode | undefined, check: Check): string[] {
  let stages = [...DEFAULT_STAGES];
  if (node !== undefined) {
    if (node.kind !== "seq")
      check.error("stages: must be an array", node, "stages", "write `stages: [build, test]` or a list");
    else stages = check.stringList(node, "stages") ?? stages;
  }
  const middle = [...new Set(stages)].filter((s) => s !== ".pre" && s !== ".post");
  return [".pre", ...middle, ".post"];
}

function buildWorkflow(node: YNode, check: Check): Workflow | undefined {
  const map = check.map(node, "workflow");
  if (map === undefined) return undefined;
  check.keys(map, "workflow", WORKFLOW_KEYWORDS, "workflow");
  const out: { -readonly [K in keyof Workflow]: Workflow[K] } = {};
  const name = get(map, "name");
  if (name !== undefined) {
    const n = check.string(name, "workflow.name");
    if (n !== undefined) out.name = n;
  }
  const rules = get(map, "rules");
  if (rules !== undefined) {
    const r = buildRules(rules, "workflow.rules", "workflow", check);
    if (r !== undefined) out.rules = r;
  }
  const autoCancel = get(map, "auto_cancel");
  if (autoCancel !== undefined) {
    const a = check.map(autoCancel, "workflow.auto_cancel");
    if (a !== undefined) {
      check.keys(a, "workflow.auto_cancel", new Set(["on_new_commit", "on_job_failure"]), "auto_cancel");
      const onNew = get(a, "on_new_commit");
      const onFail = get(a, "on_job_failure");
      const n =
        onNew === undefined
          ? undefined
          : check.oneOf(onNew, child("workflow.auto_cancel", "on_new_commit"), [
              "conservative",
              "interruptible",
              "none",
            ] as const);
      const f =
        onFail === undefined
          ? undefined
          : check.oneOf(onFail, child("workflow.auto_cancel", "on_job_failure"), ["none", "all"] as const);
      out.autoCancel = {
        ...(n === undefined ? {} : { onNewCommit: n }),
        ...(f === undefined ? {} : { onJobFailure: f }),
      };
    }
  }
  return out;
}
