import type { Workflow } from "../config/types.js";
import { evaluateRules, type RuleEnvironment } from "./evaluate-rules.js";
import type { NoPipeline } from "./types.js";

/**
 * `workflow:rules` decide whether there is a pipeline at all. The first matching rule wins: `never`
 * stops it, anything else creates it and its `variables` become pipeline-wide. No match: no pipeline.
 */
export type WorkflowOutcome =
  | { readonly kind: "run"; readonly variables: Readonly<Record<string, string>> }
  | { readonly kind: "none"; readonly noPipeline: NoPipeline };

export function evaluateWorkflow(workflow: Workflow | undefined, env: RuleEnvironment): WorkflowOutcome {
  const rules = workflow?.rules;
  if (rules === undefined) return { kind: "run", variables: {} };
  const outcome = evaluateRules(rules, env);
  if (outcome.kind === "included") return { kind: "run", variables: outcome.variables ?? {} };
  if (outcome.rule !== undefined) {
    const index = rules.indexOf(outcome.rule) + 1;
    const condition = outcome.rule.if === undefined ? "" : ` (\`${outcome.rule.if}\`)`;
    return {
      kind: "none",
      noPipeline: {
        reason: `workflow:rules rule ${index}${condition} has \`when: never\``,
        rule: outcome.rule.location,
      },
    };
  }
  return {
    kind: "none",
    noPipeline: { reason: `none of the ${rules.length} workflow:rules matched` },
  };
}
