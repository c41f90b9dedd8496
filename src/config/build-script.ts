import type { Check } from "./check.js";
import { child } from "./problems.js";
import type { YNode } from "./yaml-tree.js";

/** GitLab flattens script lists nested up to this depth (nesting comes from `!reference`). */
export const MAX_SCRIPT_NESTING = 10;

/** `script`, `before_script`, `after_script`: a string or a (nested) list of strings, flattened. */
export function buildScript(node: YNode, path: string, check: Check, owner: string): string[] | undefined {
  const key = path.slice(path.lastIndexOf(".") + 1);
  if (node.kind === "scalar") {
    if (typeof node.value !== "string") {
      check.error(`\`${key}\` must be a string or a list of strings`, node, path);
      return undefined;
    }
    if (node.value.trim() === "") {
      check.error(`${owner} has empty ${key}`, node, path, `give \`${key}\` at least one command`);
      return undefined;
    }
    return [node.value];
  }
  if (node.kind !== "seq") {
    check.error(`\`${key}\` must be a string or a list of strings`, node, path);
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  const walk = (items: readonly YNode[], depth: number, at: string): void => {
    items.forEach((item, i) => {
      const itemPath = child(at, i);
      if (item.kind === "seq") {
        if (depth >= MAX_SCRIPT_NESTING) {
          ok = false;
          check.error(
            `${path} config should be string or a nested array of strings up to ${MAX_SCRIPT_NESTING} level deep`,
            item,
            itemPath,
          );
        } else walk(item.items, depth + 1, itemPath);
        return;
      }
      if (item.kind === "scalar" && (typeof item.value === "string" || typeof item.value === "number")) {
        out.push(String(item.value));
        return;
      }
      ok = false;
      check.error(
        `each \`${key}\` line must be a string`,
        item,
        itemPath,
        "quote the line so YAML reads it as text, e.g. `- 'echo key: value'` or `- \"true\"`",
      );
    });
  };
  walk(node.items, 1, path);
  if (ok && out.length === 0 && key === "script") {
    check.error(`${owner} has empty script`, node, path, "give `script` at least one command");
    return undefined;
  }
  return ok ? out : undefined;
}
