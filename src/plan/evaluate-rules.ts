import type { AllowFailure, Need, Rule, RuleChanges, RuleExists, When } from "../config/types.js";
import { RunfleetError } from "../errors/index.js";
import { evaluateExpression } from "../expression/index.js";
import { expandString, type Lookup } from "./expand-variables.js";
import { anyPathMatches } from "./match-paths.js";
import type { PlanContext, PlanWarning } from "./types.js";

/** What the first matching rule changes about a job; `when: never` (or no match) excludes it. */
export type RulesOutcome =
  | { readonly kind: "excluded"; readonly reason: string; readonly rule?: Rule }
  | {
      readonly kind: "included";
      readonly rule: Rule;
      readonly when?: When;
      readonly startIn?: number;
      readonly allowFailure?: AllowFailure;
      readonly variables?: Readonly<Record<string, string>>;
      readonly needs?: readonly Need[];
      readonly interruptible?: boolean;
    };

export interface RuleEnvironment {
  readonly context: PlanContext;
  readonly variables: Lookup;
  readonly warn: (warning: PlanWarning) => void;
}

/** GitLab's rules: the first rule whose clauses (`if`, `changes`, `exists`) all hold decides. */
export function evaluateRules(rules: readonly Rule[], env: RuleEnvironment): RulesOutcome {
  for (const [index, rule] of rules.entries()) {
    if (!ruleMatches(rule, env)) continue;
    if (rule.when === "never") {
      return { kind: "excluded", reason: `rule ${index + 1} says \`when: never\``, rule };
    }
    return {
      kind: "included",
      rule,
      when: rule.when,
      startIn: rule.startIn,
      allowFailure: rule.allowFailure,
      variables: rule.variables,
      needs: rule.needs,
      interruptible: rule.interruptible,
    };
  }
  return { kind: "excluded", reason: rules.length === 0 ? "`rules` is empty" : "no rule matched" };
}

export function ruleMatches(rule: Rule, env: RuleEnvironment): boolean {
  if (rule.if !== undefined && !evaluateIf(rule.if, env.variables, rule)) return false;
  if (rule.changes !== undefined && !changesMatch(rule.changes, env)) return false;
  if (rule.exists !== undefined && !existsMatch(rule.exists, rule, env)) return false;
  return true;
}

export function evaluateIf(source: string, variables: Lookup, at: { location: Rule["location"] }): boolean {
  try {
    return evaluateExpression(source, variables);
  } catch (err) {
    if (err instanceof RunfleetError) {
      throw new RunfleetError(err.code, err.message, { hint: err.hint, cause: err, location: at.location });
    }
    throw err;
  }
}

/**
 * GitLab evaluates `changes` only for branch pushes, merge requests and their child pipelines; for
 * tags, schedules, web, API and trigger pipelines it is always true.
 */
export function diffApplies(context: PlanContext): boolean {
  if (context.refType === "tag") return false;
  return (
    context.source === "push" ||
    context.source === "merge_request_event" ||
    context.source === "parent_pipeline"
  );
}

export function changesMatch(changes: RuleChanges, env: RuleEnvironment): boolean {
  if (!diffApplies(env.context)) return true;
  const files =
    changes.compareTo === undefined
      ? env.context.changedFiles
      : env.context.changedFilesByRef?.[expandString(changes.compareTo, env.variables)];
  // No diff known (new branch, tag, schedule, web…): GitLab treats `changes` as true.
  if (files === undefined) return true;
  const patterns = changes.paths.map((p) => expandString(p, env.variables));
  return anyPathMatches(patterns, files);
}

function existsMatch(exists: RuleExists, rule: Rule, env: RuleEnvironment): boolean {
  if (exists.project !== undefined) {
    env.warn({
      code: "UNSUPPORTED_EXISTS_PROJECT",
      message: `rules:exists:project ${exists.project} cannot be checked locally; the rule is treated as not matching`,
      location: rule.location,
    });
    return false;
  }
  const patterns = exists.paths.map((p) => expandString(p, env.variables));
  return anyPathMatches(patterns, env.context.repositoryFiles);
}
