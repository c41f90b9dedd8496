import { checkExpression } from "./build-rules.js";
import type { Check } from "./check.js";
import { child } from "./problems.js";
import type { OnlyExcept } from "./types.js";
import { get, type YNode } from "./yaml-tree.js";

const KEYS = new Set(["refs", "variables", "changes", "kubernetes"]);

/** `only:` / `except:` — a list of refs, or `{ refs, variables, changes, kubernetes }`. */
export function buildOnlyExcept(node: YNode, path: string, check: Check): OnlyExcept | undefined {
  const location = { ...node.pos, path };
  if (node.kind !== "map") {
    const refs = check.strings(node, path);
    return refs === undefined ? undefined : { refs, variables: [], changes: [], location };
  }
  check.keys(node, path, KEYS, path.endsWith("except") ? "except" : "only");
  const list = (key: string): string[] => {
    const n = get(node, key);
    return n === undefined ? [] : (check.strings(n, child(path, key)) ?? []);
  };
  const variables = list("variables");
  const variablesNode = get(node, "variables");
  if (variablesNode?.kind === "seq") {
    variablesNode.items.forEach((item, i) => {
      if (item.kind === "scalar" && typeof item.value === "string")
        checkExpression(item.value, item, child(path, `variables[${i}]`), check);
    });
  }
  const kubernetesNode = get(node, "kubernetes");
  const kubernetes =
    kubernetesNode === undefined
      ? undefined
      : check.oneOf(kubernetesNode, child(path, "kubernetes"), ["active"] as const);
  return {
    refs: list("refs"),
    variables,
    changes: list("changes"),
    ...(kubernetes === undefined ? {} : { kubernetes }),
    location,
  };
}
