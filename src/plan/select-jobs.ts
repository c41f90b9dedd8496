import type { AllowFailure, CiConfig, CiJob, CiVariables, Need } from "../config/types.js";
import { RunfleetError } from "../errors/index.js";
import { evaluateOnlyExcept } from "./evaluate-only-except.js";
import { evaluateRules, type RuleEnvironment } from "./evaluate-rules.js";
import { expandParallel, type JobInstance } from "./expand-parallel.js";
import { expandAll } from "./expand-variables.js";
import type { IncludedInstance } from "./resolve-needs.js";
import type { PlanContext, PlannedJob, PlanWarning } from "./types.js";

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

export interface Exclusion {
  readonly name: string;
  readonly reason: string;
}

export interface SelectionInput {
  readonly config: CiConfig;
  readonly context: PlanContext;
  readonly predefined: Readonly<Record<string, string>>;
  /** Global YAML variables with `workflow:rules:variables` applied. */
  readonly globals: Readonly<Record<string, string>>;
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
    const globalVariables = inheritedGlobals(job, input.globals);
    const jobVariables = valuesOf(job.variables);
    const jobScope = ruleScope(input, job, globalVariables, jobVariables);
    for (const instance of expandParallel(job)) {
      const own: Record<string, string> = { ...jobVariables, ...instance.matrix };
      if (instance.parallel !== undefined) {
        own.CI_NODE_INDEX = String(instance.parallel.index);
        own.CI_NODE_TOTAL = String(instance.parallel.total);
      }
      // Built only when a rule or `only:variables` reads it: most jobs of a big fan-out never do.
      let visible: Record<string, string> | undefined;
      const env: RuleEnvironment = {
        context: input.context,
        warn: input.warn,
        get variables() {
          visible ??= instanceRuleVariables(jobScope, instance, input.context.variables);
          return visible;
        },
      };
      const base = { name: instance.name, job, stageIndex: input.stageIndex(job.stage) };
      if (job.rules !== undefined) {
        const outcome = evaluateRules(job.rules, env);
        if (outcome.kind === "excluded") {
          excluded.push({ name: instance.name, reason: outcome.reason });
          continue;
        }
        const when = outcome.when ?? job.when;
        if (when === "never") {
          excluded.push({ name: instance.name, reason: "the job says `when: never`" });
          continue;
        }
        included.push({
          ...base,
          ...optional(instance),
          when,
          startIn: outcome.startIn ?? job.startIn,
          // A rule's own `allow_failure` wins; otherwise the job's, which for a job-level
          // `when: manual` defaults to true (a manual rule alone does not make it optional).
          allowFailure: outcome.allowFailure ?? job.allowFailure ?? job.when === "manual",
          globalVariables,
          variables: {
            ...jobVariables,
            ...outcome.variables,
            ...instance.matrix,
            ...nodeVariables(instance),
          },
          needs: outcome.needs ?? job.needs,
          interruptible: outcome.interruptible ?? job.interruptible ?? false,
        });
        continue;
      }
      const onlyExcept = evaluateOnlyExcept(job.only, job.except, env);
      if (!onlyExcept.included) {
        excluded.push({ name: instance.name, reason: onlyExcept.reason });
        continue;
      }
      included.push({
        ...base,
        ...optional(instance),
        when: job.when,
        startIn: job.startIn,
        allowFailure: job.allowFailure ?? job.when === "manual",
        globalVariables,
        variables: own,
        needs: job.needs,
        interruptible: job.interruptible ?? false,
      });
    }
  }
  return { included, excluded };
}

function optional(instance: JobInstance): Pick<SelectedInstance, "parallel" | "matrix"> {
  return {
    ...(instance.parallel === undefined ? {} : { parallel: instance.parallel }),
    ...(instance.matrix === undefined ? {} : { matrix: instance.matrix }),
  };
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

/** What `rules:if` sees: predefined < globals < job < matrix/node < pipeline variables, expanded. */
function instanceRuleVariables(
  scope: RuleScope,
  instance: JobInstance,
  pipelineVariables: Readonly<Record<string, string>>,
): Record<string, string> {
  return expandAll(
    {
      CI_JOB_NAME: instance.name,
      ...scope.base,
      ...instance.matrix,
      ...nodeVariables(instance),
      ...pipelineVariables,
    },
    scope.raw,
  );
}
