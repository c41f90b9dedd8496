import picomatch from "picomatch";
import { RunfleetError } from "../errors/index.js";
import { evaluateExpression } from "../expression/index.js";
import { type At, child, type Problems } from "./problems.js";
import { get, scalarText, type YNode } from "./yaml-tree.js";

const RULE_KEYS = new Set(["if", "exists", "changes", "when"]);

/**
 * `include: rules:` — the first rule whose conditions all hold decides; `when: never` drops the
 * include, and no matching rule drops it too. `changes` cannot be known while loading, so it counts
 * as matched (with a warning).
 */
export async function includeRulesAllow(
  rules: YNode,
  path: string,
  variables: Readonly<Record<string, string>>,
  listFiles: () => Promise<readonly string[]>,
  problems: Problems,
): Promise<boolean> {
  if (rules.kind !== "seq") {
    problems.error("`rules` must be a list", { pos: rules.pos, path });
    return false;
  }
  for (const [i, rule] of rules.items.entries()) {
    const rulePath = child(path, i);
    if (rule.kind !== "map") {
      problems.error("each rule must be a mapping (if, exists, changes, when)", {
        pos: rule.pos,
        path: rulePath,
      });
      return false;
    }
    for (const [key, e] of rule.entries) {
      if (!RULE_KEYS.has(key))
        problems.error(
          `unknown include rule keyword \`${key}\``,
          { pos: e.keyPos, path: child(rulePath, key) },
          { hint: "include rules take if, exists, changes and when" },
        );
    }
    let matched = true;
    const cond = get(rule, "if");
    if (cond !== undefined)
      matched &&= evaluateIf(cond, { pos: cond.pos, path: child(rulePath, "if") }, variables, problems);
    const exists = get(rule, "exists");
    if (matched && exists !== undefined)
      matched = await anyExists(exists, child(rulePath, "exists"), listFiles, problems);
    const changes = get(rule, "changes");
    if (changes !== undefined) {
      problems.warn(
        "RULE_NOT_EVALUATED",
        "`include: rules: changes` is not known while loading; the include is kept",
        { pos: changes.pos, path: child(rulePath, "changes") },
      );
    }
    if (!matched) continue;
    const when = get(rule, "when");
    const whenText = when?.kind === "scalar" ? scalarText(when.value) : "always";
    if (whenText !== "never" && whenText !== "always") {
      problems.error(`include rule \`when\` must be never or always, not \`${whenText}\``, {
        pos: when?.pos ?? rule.pos,
        path: child(rulePath, "when"),
      });
    }
    return whenText !== "never";
  }
  return false;
}

function evaluateIf(
  node: YNode,
  at: At,
  variables: Readonly<Record<string, string>>,
  problems: Problems,
): boolean {
  if (node.kind !== "scalar" || typeof node.value !== "string") {
    problems.error("`if` must be an expression string", at);
    return false;
  }
  try {
    return evaluateExpression(node.value, variables);
  } catch (err) {
    const message = err instanceof RunfleetError ? err.message : String(err);
    problems.error(`invalid expression \`${node.value}\`: ${message}`, at, { cause: err });
    return false;
  }
}

async function anyExists(
  node: YNode,
  path: string,
  listFiles: () => Promise<readonly string[]>,
  problems: Problems,
): Promise<boolean> {
  const list = node.kind === "map" ? get(node, "paths") : node;
  const items = list?.kind === "seq" ? list.items : list === undefined ? [] : [list];
  const patterns: string[] = [];
  for (const item of items) {
    if (item.kind !== "scalar" || typeof item.value !== "string")
      problems.error("`exists` takes file paths or glob patterns", { pos: item.pos, path });
    else patterns.push(item.value.replace(/^\/+/, ""));
  }
  if (patterns.length === 0) return false;
  const isMatch = picomatch(patterns, { dot: true });
  return (await listFiles()).some((f) => isMatch(f));
}
