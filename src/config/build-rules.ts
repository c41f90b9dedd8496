import { RunfleetError } from "../errors/index.js";
import { parseExpression } from "../expression/index.js";
import { buildAllowFailure, WHEN_VALUES } from "./build-execution.js";
import { buildNeeds } from "./build-needs.js";
import { buildStringMap } from "./build-variables.js";
import type { Check } from "./check.js";
import { child } from "./problems.js";
import type { Rule, RuleChanges, RuleExists, When } from "./types.js";
import { get, type YMap, type YNode } from "./yaml-tree.js";

export type RuleScope = "job" | "workflow";

const JOB_RULE_KEYS = new Set([
  "if",
  "changes",
  "exists",
  "when",
  "start_in",
  "allow_failure",
  "variables",
  "needs",
  "interruptible",
]);
const WORKFLOW_RULE_KEYS = new Set(["if", "changes", "exists", "when", "variables", "auto_cancel"]);
const WORKFLOW_WHEN: readonly When[] = ["always", "never"];

/** `rules:` of a job or of `workflow:`; nested lists (from `!reference`) are flattened. */
export function buildRules(node: YNode, path: string, scope: RuleScope, check: Check): Rule[] | undefined {
  const list = check.list(node, path, "rules");
  if (list === undefined) return undefined;
  const out: Rule[] = [];
  const items = list.items.flatMap((item) => (item.kind === "seq" ? item.items : [item]));
  items.forEach((item, i) => {
    const rulePath = child(path, i);
    const map = check.map(item, rulePath, "rule");
    if (map !== undefined) out.push(buildRule(map, rulePath, scope, check));
  });
  return out;
}

function buildRule(map: YMap, path: string, scope: RuleScope, check: Check): Rule {
  check.keys(
    map,
    path,
    scope === "job" ? JOB_RULE_KEYS : WORKFLOW_RULE_KEYS,
    scope === "job" ? "rule" : "workflow rule",
  );
  const at = (key: string): string => child(path, key);
  const rule: { -readonly [K in keyof Rule]: Rule[K] } = { location: { ...map.pos, path } };
  const ifNode = get(map, "if");
  if (ifNode !== undefined) {
    const source = check.string(ifNode, at("if"));
    if (source !== undefined && checkExpression(source, ifNode, at("if"), check)) rule.if = source;
  }
  const changes = get(map, "changes");
  if (changes !== undefined) {
    const c = buildChanges(changes, at("changes"), check);
    if (c !== undefined) rule.changes = c;
  }
  const exists = get(map, "exists");
  if (exists !== undefined) {
    const e = buildExists(exists, at("exists"), check);
    if (e !== undefined) rule.exists = e;
  }
  const when = get(map, "when");
  if (when !== undefined) {
    const w = check.oneOf(when, at("when"), scope === "job" ? WHEN_VALUES : WORKFLOW_WHEN, "when");
    if (w !== undefined) rule.when = w;
  }
  const startIn = get(map, "start_in");
  if (startIn !== undefined) {
    const s = check.duration(startIn, at("start_in"));
    if (s !== undefined) rule.startIn = s;
    if (rule.when !== "delayed") check.error("`start_in` needs `when: delayed`", startIn, at("start_in"));
  } else if (rule.when === "delayed") {
    check.error("`when: delayed` needs `start_in`", map, path);
  }
  const allowFailure = get(map, "allow_failure");
  if (allowFailure !== undefined) {
    const a = buildAllowFailure(allowFailure, at("allow_failure"), check);
    if (a !== undefined) rule.allowFailure = a;
  }
  const variables = get(map, "variables");
  if (variables !== undefined) rule.variables = buildStringMap(variables, at("variables"), check);
  const needs = get(map, "needs");
  if (needs !== undefined) {
    const n = buildNeeds(needs, at("needs"), check);
    if (n !== undefined) rule.needs = n;
  }
  const interruptible = get(map, "interruptible");
  if (interruptible !== undefined) {
    const b = check.boolean(interruptible, at("interruptible"));
    if (b !== undefined) rule.interruptible = b;
  }
  return rule;
}

/** Syntax errors in `if:` are config errors, reported at load time rather than when planning. */
export function checkExpression(source: string, node: YNode, path: string, check: Check): boolean {
  try {
    parseExpression(source);
    return true;
  } catch (err) {
    // The parser's errors already read "invalid expression `…`: …"; only foreign errors need that prefix.
    if (err instanceof RunfleetError) check.error(err.message, node, path, err.hint);
    else check.error(`invalid expression \`${source}\`: ${String(err)}`, node, path);
    return false;
  }
}

function buildChanges(node: YNode, path: string, check: Check): RuleChanges | undefined {
  if (node.kind !== "map") {
    const paths = check.strings(node, path, "changes");
    return paths === undefined ? undefined : { paths };
  }
  check.keys(node, path, new Set(["paths", "compare_to"]), "changes");
  const pathsNode = get(node, "paths");
  if (pathsNode === undefined) {
    check.error("`changes` needs `paths`", node, path);
    return undefined;
  }
  const paths = check.strings(pathsNode, child(path, "paths"));
  const compareNode = get(node, "compare_to");
  const compareTo =
    compareNode === undefined ? undefined : check.string(compareNode, child(path, "compare_to"));
  return paths === undefined ? undefined : { paths, ...(compareTo === undefined ? {} : { compareTo }) };
}

function buildExists(node: YNode, path: string, check: Check): RuleExists | undefined {
  if (node.kind !== "map") {
    const paths = check.strings(node, path, "exists");
    return paths === undefined ? undefined : { paths };
  }
  check.keys(node, path, new Set(["paths", "project", "ref"]), "exists");
  const pathsNode = get(node, "paths");
  if (pathsNode === undefined) {
    check.error("`exists` needs `paths`", node, path);
    return undefined;
  }
  const paths = check.strings(pathsNode, child(path, "paths"));
  const project = get(node, "project");
  const ref = get(node, "ref");
  const projectText = project === undefined ? undefined : check.string(project, child(path, "project"));
  const refText = ref === undefined ? undefined : check.string(ref, child(path, "ref"));
  return paths === undefined
    ? undefined
    : {
        paths,
        ...(projectText === undefined ? {} : { project: projectText }),
        ...(refText === undefined ? {} : { ref: refText }),
      };
}
