import type { Check } from "./check.js";
import { child } from "./problems.js";
import type { CiVariable, CiVariables } from "./types.js";
import { get, scalarText, type YNode } from "./yaml-tree.js";

const GLOBAL_VARIABLE_KEYS = new Set(["value", "description", "options", "expand"]);
const JOB_VARIABLE_KEYS = new Set(["value", "expand"]);

/**
 * `variables:` — `NAME: value` or `NAME: { value, description, options, expand }` (description and
 * options only at the top level, where they describe a manually run pipeline's form).
 */
export function buildVariables(
  node: YNode | undefined,
  path: string,
  scope: "global" | "job",
  check: Check,
): CiVariables {
  if (node === undefined || (node.kind === "scalar" && node.value === null)) return {};
  const map = check.map(node, path, "variables");
  if (map === undefined) return {};
  const out: Record<string, CiVariable> = {};
  for (const [name, { value }] of map.entries) {
    const varPath = child(path, name);
    if (!/^[A-Za-z0-9_]+$/.test(name)) {
      check.error(
        `variable name \`${name}\` may contain only letters, digits and underscores`,
        value,
        varPath,
      );
      continue;
    }
    const variable = buildVariable(value, varPath, scope, check);
    if (variable !== undefined) out[name] = variable;
  }
  return out;
}

function buildVariable(
  node: YNode,
  path: string,
  scope: "global" | "job",
  check: Check,
): CiVariable | undefined {
  if (node.kind === "scalar") return { value: scalarText(node.value), expand: true };
  if (node.kind !== "map") {
    check.error("a variable must be a string or a mapping with `value`", node, path);
    return undefined;
  }
  check.keys(node, path, scope === "global" ? GLOBAL_VARIABLE_KEYS : JOB_VARIABLE_KEYS, "variable");
  const valueNode = get(node, "value");
  let value = "";
  if (valueNode !== undefined) {
    if (valueNode.kind === "scalar") value = scalarText(valueNode.value);
    else check.error("`value` must be a string", valueNode, child(path, "value"));
  }
  const expandNode = get(node, "expand");
  const expand = expandNode === undefined ? true : (check.boolean(expandNode, child(path, "expand")) ?? true);
  const descNode = get(node, "description");
  const description = descNode === undefined ? undefined : check.string(descNode, child(path, "description"));
  const optionsNode = get(node, "options");
  const options =
    optionsNode === undefined ? undefined : check.stringList(optionsNode, child(path, "options"));
  if (options !== undefined && valueNode !== undefined && !options.includes(value)) {
    check.error(
      `\`value\` \`${value}\` must be one of the variable's \`options\``,
      valueNode,
      child(path, "value"),
    );
  }
  return {
    value,
    expand,
    ...(description === undefined ? {} : { description }),
    ...(options === undefined ? {} : { options }),
  };
}

/** Plain `NAME: value` maps (rule, service and trigger variables). */
export function buildStringMap(node: YNode | undefined, path: string, check: Check): Record<string, string> {
  if (node === undefined) return {};
  const map = check.map(node, path, "variables");
  if (map === undefined) return {};
  const out: Record<string, string> = {};
  for (const [name, { value }] of map.entries) {
    if (value.kind === "scalar") out[name] = scalarText(value.value);
    else check.error("a variable's value must be a string", value, child(path, name));
  }
  return out;
}
