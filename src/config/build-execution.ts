import type { Check } from "./check.js";
import { child } from "./problems.js";
import type { AllowFailure, CiJob, When } from "./types.js";
import { get, type YNode } from "./yaml-tree.js";

export const WHEN_VALUES: readonly When[] = [
  "on_success",
  "on_failure",
  "always",
  "manual",
  "delayed",
  "never",
];

/** GitLab's `retry:when` failure types. */
const RETRY_WHEN = [
  "always",
  "unknown_failure",
  "script_failure",
  "api_failure",
  "stuck_or_timeout_failure",
  "runner_system_failure",
  "runner_unsupported",
  "stale_schedule",
  "job_execution_timeout",
  "archived_failure",
  "unmet_prerequisites",
  "scheduler_failure",
  "data_integrity_failure",
] as const;

/** `allow_failure: true|false` or `{ exit_codes: N | [N...] }`. */
export function buildAllowFailure(node: YNode, path: string, check: Check): AllowFailure | undefined {
  if (node.kind === "scalar") return check.boolean(node, path, "allow_failure");
  const map = check.map(node, path, "allow_failure");
  if (map === undefined) return undefined;
  check.keys(map, path, new Set(["exit_codes"]), "allow_failure");
  const codes = get(map, "exit_codes");
  if (codes === undefined) {
    check.error("`allow_failure` takes true, false or `exit_codes`", node, path);
    return undefined;
  }
  const exitCodes = exitCodeList(codes, child(path, "exit_codes"), check);
  return exitCodes === undefined ? undefined : { exitCodes };
}

function exitCodeList(node: YNode, path: string, check: Check): number[] | undefined {
  const items = node.kind === "seq" ? node.items : [node];
  const out: number[] = [];
  items.forEach((item, i) => {
    const code = check.integer(item, node.kind === "seq" ? child(path, i) : path, 0, 255, "exit_codes");
    if (code !== undefined) out.push(code);
  });
  return out.length === items.length ? out : undefined;
}

/** `retry: N` (0..2) or `{ max, when, exit_codes }`. */
export function buildRetry(node: YNode, path: string, check: Check): CiJob["retry"] {
  if (node.kind === "scalar") {
    const max = check.integer(node, path, 0, 2, "retry");
    return max === undefined ? undefined : { max, when: ["always"], exitCodes: [] };
  }
  const map = check.map(node, path, "retry");
  if (map === undefined) return undefined;
  check.keys(map, path, new Set(["max", "when", "exit_codes"]), "retry");
  const maxNode = get(map, "max");
  const max = maxNode === undefined ? 0 : check.integer(maxNode, child(path, "max"), 0, 2, "max");
  const whenNode = get(map, "when");
  const when: string[] = [];
  if (whenNode !== undefined) {
    const items = whenNode.kind === "seq" ? whenNode.items : [whenNode];
    items.forEach((item, i) => {
      const w = check.oneOf(
        item,
        whenNode.kind === "seq" ? child(path, `when[${i}]`) : child(path, "when"),
        RETRY_WHEN,
        "retry:when",
      );
      if (w !== undefined) when.push(w);
    });
  }
  const codesNode = get(map, "exit_codes");
  const exitCodes = codesNode === undefined ? [] : exitCodeList(codesNode, child(path, "exit_codes"), check);
  if (max === undefined || exitCodes === undefined) return undefined;
  return { max, when: when.length === 0 ? ["always"] : when, exitCodes };
}
