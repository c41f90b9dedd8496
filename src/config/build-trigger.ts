import type { Check } from "./check.js";
import { child } from "./problems.js";
import type { Trigger, TriggerForward, TriggerInclude } from "./types.js";
import { get, toPlain, type YMap, type YNode } from "./yaml-tree.js";

const TRIGGER_KEYS = new Set(["include", "project", "branch", "strategy", "forward"]);
const INCLUDE_KEYS = new Set([
  "local",
  "artifact",
  "job",
  "project",
  "file",
  "ref",
  "template",
  "remote",
  "component",
  "inputs",
]);

/**
 * `trigger:` — a child pipeline (`include:`) or a downstream project (`project:`, or the string form).
 * The child's config itself is loaded by the loader, which knows the files.
 */
export function buildTrigger(node: YNode, path: string, check: Check): Trigger | undefined {
  const forward: TriggerForward = { yamlVariables: true, pipelineVariables: false };
  if (node.kind === "scalar") {
    const project = check.nonEmpty(node, path, "trigger");
    return project === undefined ? undefined : { kind: "project", project, forward };
  }
  const map = check.map(node, path, "trigger");
  if (map === undefined) return undefined;
  check.keys(map, path, TRIGGER_KEYS, "trigger");
  const strategyNode = get(map, "strategy");
  const strategy =
    strategyNode === undefined
      ? undefined
      : check.oneOf(strategyNode, child(path, "strategy"), ["depend"] as const);
  const forwardNode = get(map, "forward");
  const fwd = forwardNode === undefined ? forward : buildForward(forwardNode, child(path, "forward"), check);
  const extra = strategy === undefined ? {} : { strategy };
  const includeNode = get(map, "include");
  const projectNode = get(map, "project");
  if (includeNode !== undefined && projectNode !== undefined) {
    check.error(
      "`trigger` takes either `include` (child pipeline) or `project` (downstream project), not both",
      node,
      path,
    );
    return undefined;
  }
  if (projectNode !== undefined) {
    const project = check.nonEmpty(projectNode, child(path, "project"));
    const branchNode = get(map, "branch");
    const branch = branchNode === undefined ? undefined : check.string(branchNode, child(path, "branch"));
    return project === undefined
      ? undefined
      : { kind: "project", project, forward: fwd, ...extra, ...(branch === undefined ? {} : { branch }) };
  }
  if (includeNode === undefined) {
    check.error("`trigger` needs `include` or `project`", node, path);
    return undefined;
  }
  const include = buildTriggerIncludes(includeNode, child(path, "include"), check);
  return include === undefined ? undefined : { kind: "child", include, forward: fwd, ...extra };
}

function buildForward(node: YNode, path: string, check: Check): TriggerForward {
  const map = check.map(node, path, "forward");
  const out = { yamlVariables: true, pipelineVariables: false };
  if (map === undefined) return out;
  check.keys(map, path, new Set(["yaml_variables", "pipeline_variables"]), "trigger:forward");
  const yaml = get(map, "yaml_variables");
  const pipeline = get(map, "pipeline_variables");
  if (yaml !== undefined) out.yamlVariables = check.boolean(yaml, child(path, "yaml_variables")) ?? true;
  if (pipeline !== undefined)
    out.pipelineVariables = check.boolean(pipeline, child(path, "pipeline_variables")) ?? false;
  return out;
}

function buildTriggerIncludes(node: YNode, path: string, check: Check): TriggerInclude[] | undefined {
  const items = node.kind === "seq" ? node.items : [node];
  const out: TriggerInclude[] = [];
  items.forEach((item, i) => {
    const itemPath = node.kind === "seq" ? child(path, i) : path;
    if (item.kind === "scalar") {
      const file = check.nonEmpty(item, itemPath, "include");
      if (file !== undefined)
        out.push(/^https?:\/\//.test(file) ? { kind: "remote", url: file } : { kind: "local", path: file });
      return;
    }
    const map = check.map(item, itemPath, "include");
    if (map === undefined) return;
    check.keys(map, itemPath, INCLUDE_KEYS, "trigger:include");
    const one = buildTriggerInclude(map, itemPath, check);
    if (one !== undefined) out.push(one);
  });
  if (out.length === 0 && items.length === 0)
    check.error("`trigger: include` needs at least one file", node, path);
  return out;
}

function buildTriggerInclude(map: YMap, path: string, check: Check): TriggerInclude | undefined {
  const text = (key: string): string | undefined => {
    const n = get(map, key);
    return n === undefined ? undefined : check.nonEmpty(n, child(path, key));
  };
  if (map.entries.has("local")) {
    const p = text("local");
    const inputs = get(map, "inputs");
    const plain = inputs === undefined ? undefined : check.map(inputs, child(path, "inputs"));
    if (p === undefined) return undefined;
    return plain === undefined
      ? { kind: "local", path: p }
      : { kind: "local", path: p, inputs: toPlain(plain) as Record<string, unknown> };
  }
  if (map.entries.has("artifact")) {
    const artifact = text("artifact");
    const job = text("job");
    if (job === undefined)
      check.error("`trigger: include: artifact` needs the `job` that makes it", map, path);
    return artifact === undefined || job === undefined ? undefined : { kind: "artifact", artifact, job };
  }
  if (map.entries.has("project")) {
    const project = text("project");
    const file = text("file");
    const ref = text("ref");
    if (file === undefined) check.error("`trigger: include: project` needs `file`", map, path);
    return project === undefined || file === undefined
      ? undefined
      : { kind: "project", project, file, ...(ref === undefined ? {} : { ref }) };
  }
  if (map.entries.has("template")) {
    const template = text("template");
    return template === undefined ? undefined : { kind: "template", template };
  }
  if (map.entries.has("remote")) {
    const url = text("remote");
    return url === undefined ? undefined : { kind: "remote", url };
  }
  if (map.entries.has("component")) {
    const component = text("component");
    return component === undefined ? undefined : { kind: "component", component };
  }
  check.error("a trigger include needs local, artifact, project, template, remote or component", map, path);
  return undefined;
}
