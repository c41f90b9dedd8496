import type { AllowFailure, CiConfig, CiJob, CiVariables, Need } from "../config/types.js";
import { RunfleetError } from "../errors/index.js";
import { evaluateOnlyExcept } from "./evaluate-only-except.js";
import { evaluateRules, type RuleEnvironment, type RulesOutcome } from "./evaluate-rules.js";
import { expandParallel, type JobInstance } from "./expand-parallel.js";
import { expandAll } from "./expand-variables.js";
import type { IncludedInstance } from "./resolve-needs.js";
import type { ExcludedJob, PlanContext, PlannedJob, PlanWarning } from "./types.js";

/**
 * Decides, instance by instance, which jobs are in the pipeline and with which `when`,
 * `allow_failure`, variables and `needs` — rules see the instance's own matrix and node variables,
 * as GitLab evaluates them after expanding `parallel`.
 */
export interface SelectedInstance extends IncludedInstance {
  readonly parallel?: JobInstance["parallel"];
  readonly when: PlannedJob["when"];
  readonly startIn?: number;
  readonly allowFailure: AllowFailure;
  readonly globalVariables: Readonly<Record<string, string>>;
  readonly variables: Readonly<Record<string, string>>;
  readonly needs?: readonly Need[];
  readonly interruptible: boolean;
}

export type Exclusion = ExcludedJob;

export interface SelectionInput {
  readonly config: CiConfig;
  readonly context: PlanContext;
  readonly predefined: Readonly<Record<string, string>>;
  /** Global YAML variables with `workflow:rules:variables` applied. */
  readonly globals: Readonly<Record<string, string>>;
  /** Unscoped project variables under pipeline variables: what rules see above the YAML. */
  readonly aboveYaml: Readonly<Record<string, string>>;
  readonly stageIndex: (stage: string) => number;
  readonly warn: (warning: PlanWarning) => void;
}

export interface Selection {
  readonly included: SelectedInstance[];
  readonly excluded: Exclusion[];
}

export function selectJobs(input: SelectionInput): Selection {
  const included: SelectedInstance[] = [];
  const excluded: Exclusion[] = [];
  for (const job of input.config.jobs) {
    if (job.when === "never") {
      throw new RunfleetError("CONFIG_INVALID", `job \`${job.name}\` has \`when: never\` outside of rules`, {
        location: { ...job.location, path: `${job.name}.when` },
        hint: "`when: never` can only be used in `rules` or `workflow:rules`; remove the job or give it rules",
      });
    }
    selectInstances(input, job, included, excluded);
  }
  return { included, excluded };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Decision =
  | { readonly kind: "excluded"; readonly reason: string }
  | { readonly kind: "rules"; readonly outcome: Extract<RulesOutcome, { kind: "included" }> }
  | { readonly kind: "only-except" };

function selectInstances(
  input: SelectionInput,
  job: CiJob,
  included: SelectedInstance[],
  excluded: Exclusion[],
): void {
  const globalVariables = inheritedGlobals(job, input.globals);
  const jobVariables = valuesOf(job.variables);
  const scope = ruleScope(input, job, globalVariables, jobVariables);
  const stageIndex = input.stageIndex(job.stage);
  const instances = expandParallel(job);
  // In a fan-out whose rules cannot tell instances apart, one evaluation decides for all of them.
  const share = instances.length > 1 && !rulesSeeInstance(job, scope);
  let shared: Decision | undefined;
  for (const instance of instances) {
    const decision = shared ?? decide(input, job, scope, instance);
    if (share) shared = decision;
    if (decision.kind === "excluded") {
      excluded.push({ name: instance.name, reason: decision.reason });
      continue;
    }
    const node = nodeVariables(instance);
    const outcome = decision.kind === "rules" ? decision.outcome : undefined;
    const selected: Mutable<SelectedInstance> = {
      name: instance.name,
      job,
      stageIndex,
      when: "on_success",
      // A rule's own `allow_failure` wins; otherwise the job's, which for a job-level
      // `when: manual` defaults to true (a manual rule alone does not make it optional).
      allowFailure: outcome?.allowFailure ?? job.allowFailure ?? job.when === "manual",
      globalVariables,
      variables: { ...jobVariables, ...outcome?.variables, ...instance.matrix, ...node },
      interruptible: outcome?.interruptible ?? job.interruptible ?? false,
    };
    const when = outcome?.when ?? job.when;
    if (when === "never") {
      excluded.push({ name: instance.name, reason: "the job says `when: never`" });
      continue;
    }
    selected.when = when;
    const startIn = outcome?.startIn ?? job.startIn;
    if (startIn !== undefined) selected.startIn = startIn;
    const needs = outcome?.needs ?? job.needs;
    if (needs !== undefined) selected.needs = needs;
    if (instance.parallel !== undefined) selected.parallel = instance.parallel;
    if (instance.matrix !== undefined) selected.matrix = instance.matrix;
    included.push(selected);
  }
}

function decide(input: SelectionInput, job: CiJob, scope: RuleScope, instance: JobInstance): Decision {
  // Built only when a rule or `only:variables` reads it.
  let visible: Record<string, string> | undefined;
  const env: RuleEnvironment = {
    context: input.context,
    warn: input.warn,
    get variables() {
      visible ??= instanceRuleVariables(scope, instance, input.aboveYaml);
      return visible;
    },
  };
  if (job.rules !== undefined) {
    const outcome = evaluateRules(job.rules, env);
    return outcome.kind === "excluded"
      ? { kind: "excluded", reason: outcome.reason }
      : { kind: "rules", outcome };
  }
  const onlyExcept = evaluateOnlyExcept(job.only, job.except, env);
  return onlyExcept.included ? { kind: "only-except" } : { kind: "excluded", reason: onlyExcept.reason };
}

/**
 * Whether a job's rules could decide differently per parallel instance: they name an instance
 * variable (job name, node index, a matrix key), or some variable in scope is itself built from others.
 */
function rulesSeeInstance(job: CiJob, scope: RuleScope): boolean {
  const texts: string[] = [];
  for (const rule of job.rules ?? []) {
    if (rule.if !== undefined) texts.push(rule.if);
    if (rule.changes !== undefined) texts.push(...rule.changes.paths, rule.changes.compareTo ?? "");
    if (rule.exists !== undefined) texts.push(...rule.exists.paths);
  }
  for (const spec of [job.only, job.except]) {
    if (spec !== undefined) texts.push(...spec.variables, ...spec.changes);
  }
  const names = new Set(["CI_JOB_NAME", "CI_NODE_INDEX", "CI_NODE_TOTAL"]);
  if (job.parallel?.kind === "matrix") {
    for (const entry of job.parallel.matrix) for (const key of Object.keys(entry)) names.add(key);
  }
  if (Object.values(scope.base).some((value) => value.includes("$"))) return true;
  return texts.some((text) => [...names].some((name) => text.includes(name)));
}

function nodeVariables(instance: JobInstance): Record<string, string> {
  if (instance.parallel === undefined) return {};
  return {
    CI_NODE_INDEX: String(instance.parallel.index),
    CI_NODE_TOTAL: String(instance.parallel.total),
  };
}

export function valuesOf(variables: CiVariables): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, variable] of Object.entries(variables)) values[name] = variable.value;
  return values;
}

function inheritedGlobals(
  job: CiJob,
  globals: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const inherit = job.inheritVariables;
  if (inherit === true) return globals;
  if (inherit === false) return {};
  const picked: Record<string, string> = {};
  for (const name of inherit) {
    const value = globals[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/** What every instance of a job shares in its rules' view, built once per job. */
interface RuleScope {
  readonly base: Readonly<Record<string, string>>;
  readonly raw: ReadonlySet<string>;
}

function ruleScope(
  input: SelectionInput,
  job: CiJob,
  globals: Readonly<Record<string, string>>,
  jobVariables: Readonly<Record<string, string>>,
): RuleScope {
  const raw = new Set<string>();
  for (const [name, v] of Object.entries(input.config.variables)) if (!v.expand) raw.add(name);
  for (const [name, v] of Object.entries(job.variables)) if (!v.expand) raw.add(name);
  return { base: { ...input.predefined, CI_JOB_STAGE: job.stage, ...globals, ...jobVariables }, raw };
}

/**
 * What `rules:if` sees: predefined < globals < job < matrix/node < unscoped project variables <
 * pipeline variables, expanded.
 * GitLab gives every job `CI_NODE_TOTAL` (1 without `parallel`); only a parallel instance's own
 * node variables also go into the plan's job variables.
 */
function instanceRuleVariables(
  scope: RuleScope,
  instance: JobInstance,
  aboveYaml: Readonly<Record<string, string>>,
): Record<string, string> {
  return expandAll(
    {
      CI_JOB_NAME: instance.name,
      CI_NODE_TOTAL: "1",
      ...scope.base,
      ...instance.matrix,
      ...nodeVariables(instance),
      ...aboveYaml,
    },
    scope.raw,
  );
}
