import { readMatrix } from "./build-parallel.js";
import type { Check } from "./check.js";
import { child } from "./problems.js";
import type { Need } from "./types.js";
import { get, type YNode } from "./yaml-tree.js";

const NEED_KEYS = new Set(["job", "artifacts", "optional", "parallel", "pipeline", "project", "ref"]);

/** `needs:` — job names, `{job, artifacts, optional, parallel: matrix}`, `{pipeline, job}`, `{project, job, ref}`. */
export function buildNeeds(node: YNode, path: string, check: Check): Need[] | undefined {
  if (node.kind === "scalar" && node.value === null) return [];
  const list = check.list(node, path, "needs");
  if (list === undefined) return undefined;
  const out: Need[] = [];
  flatten(list.items).forEach((item, i) => {
    const need = buildNeed(item, child(path, i), check);
    if (need !== undefined) out.push(need);
  });
  return out;
}

function flatten(items: readonly YNode[]): YNode[] {
  return items.flatMap((item) => (item.kind === "seq" ? flatten(item.items) : [item]));
}

function buildNeed(node: YNode, path: string, check: Check): Need | undefined {
  if (node.kind === "scalar") {
    const job = check.nonEmpty(node, path, "needs");
    return job === undefined ? undefined : { kind: "job", job, optional: false, artifacts: true };
  }
  const map = check.map(node, path, "needs");
  if (map === undefined) return undefined;
  check.keys(map, path, NEED_KEYS, "needs");
  const field = (key: string): YNode | undefined => get(map, key);
  const jobNode = field("job");
  if (jobNode === undefined) {
    check.error("a need must name its `job`", node, path);
    return undefined;
  }
  const job = check.nonEmpty(jobNode, child(path, "job"));
  const artifactsNode = field("artifacts");
  const artifacts =
    artifactsNode === undefined ? true : (check.boolean(artifactsNode, child(path, "artifacts")) ?? true);
  if (job === undefined) return undefined;
  const pipelineNode = field("pipeline");
  if (pipelineNode !== undefined) {
    const pipeline = check.string(pipelineNode, child(path, "pipeline"));
    return pipeline === undefined ? undefined : { kind: "pipeline", pipeline, job, artifacts };
  }
  const projectNode = field("project");
  if (projectNode !== undefined) {
    const project = check.string(projectNode, child(path, "project"));
    const refNode = field("ref");
    const ref = refNode === undefined ? undefined : check.string(refNode, child(path, "ref"));
    if (refNode === undefined) check.error("a cross-project need must name its `ref`", node, path);
    return project === undefined || ref === undefined
      ? undefined
      : { kind: "project", project, job, ref, artifacts };
  }
  const optionalNode = field("optional");
  const optional =
    optionalNode === undefined ? false : (check.boolean(optionalNode, child(path, "optional")) ?? false);
  const parallelNode = field("parallel");
  let matrix: ReturnType<typeof readMatrix>;
  if (parallelNode !== undefined) {
    const p = check.map(parallelNode, child(path, "parallel"));
    const m = p === undefined ? undefined : get(p, "matrix");
    if (p !== undefined) check.keys(p, child(path, "parallel"), new Set(["matrix"]), "needs:parallel");
    if (p !== undefined && m === undefined)
      check.error("`needs: parallel` takes `matrix`", parallelNode, child(path, "parallel"));
    if (m !== undefined) matrix = readMatrix(m, child(path, "parallel.matrix"), check);
  }
  return { kind: "job", job, optional, artifacts, ...(matrix === undefined ? {} : { matrix }) };
}
