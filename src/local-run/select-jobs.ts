import { RunfleetError } from "../errors/index.js";
import type { PipelinePlan, PlannedJob } from "../plan/types.js";

/**
 * `runfleet run JOB...`: the named jobs plus every job they need, transitively — their `needs`, or,
 * for a job without `needs`, every job of the earlier stages it waits for (but for unnamed manual ones),
 * and the jobs named in their
 * `dependencies`, whose artifacts they would otherwise miss. A name matches a job instance
 * (`test 2/3`) or all instances of a job (`test`). Named manual jobs run (naming them is the click);
 * manual jobs pulled in only as a need stay manual, as they would on GitLab.
 */
/** Jobs named `name` exactly, else every instance of a job of that name (`test` → `test 1/3`, …). */
function matching(plan: PipelinePlan, name: string): PlannedJob[] {
  const matches = plan.jobs.filter((j) => j.name === name || j.baseName === name);
  if (matches.length === 0) {
    throw new RunfleetError("USAGE", `no job "${name}" in this pipeline`, {
      hint: `jobs: ${[...new Set(plan.jobs.map((j) => j.baseName))].join(", ")}`,
    });
  }
  return matches;
}

/**
 * `runfleet run --manual JOB`: plays manual jobs of the pipeline (GitLab's ▶), which then run when
 * their stage or needs let them, as on GitLab; the rest of the pipeline stays as planned.
 */
export function playManualJobs(plan: PipelinePlan, names: readonly string[]): PipelinePlan {
  if (names.length === 0) return plan;
  const played = new Set<string>();
  for (const name of names) {
    const matches = matching(plan, name);
    const manual = matches.filter((j) => j.when === "manual");
    if (manual.length === 0) {
      throw new RunfleetError("USAGE", `--manual ${name}: the job is not manual in this pipeline`, {
        hint: `manual jobs: ${
          [...new Set(plan.jobs.filter((j) => j.when === "manual").map((j) => j.baseName))].join(", ") ||
          "none"
        }`,
      });
    }
    for (const m of manual) played.add(m.name);
  }
  return {
    ...plan,
    jobs: plan.jobs.map((j) => (played.has(j.name) ? { ...j, when: "on_success" } : j)),
  };
}

export function selectJobs(plan: PipelinePlan, names: readonly string[]): PipelinePlan {
  if (names.length === 0) return plan;
  const byName = new Map(plan.jobs.map((j) => [j.name, j]));
  const named = new Set<string>();
  for (const name of names) for (const m of matching(plan, name)) named.add(m.name);
  const selected = new Set<string>();
  const visit = (name: string): void => {
    if (selected.has(name)) return;
    const job = byName.get(name);
    if (job === undefined) return; // an optional need whose job is not in the pipeline
    selected.add(name);
    if (job.needs === undefined) {
      // Unnamed manual jobs of earlier stages are left out: nobody would play them, and their
      // `manual` state would block the named job forever.
      for (const earlier of plan.jobs) {
        if (earlier.stageIndex < job.stageIndex && (earlier.when !== "manual" || named.has(earlier.name))) {
          visit(earlier.name);
        }
      }
    } else {
      for (const need of job.needs) visit(need.name);
    }
    for (const dependency of job.dependencies ?? []) visit(dependency);
  };
  for (const name of named) visit(name);
  const jobs = plan.jobs
    .filter((j) => selected.has(j.name))
    .map((j): PlannedJob => {
      const when = named.has(j.name) && j.when === "manual" ? "on_success" : j.when;
      const dependencies = j.dependencies?.filter((d) => selected.has(d));
      return { ...j, when, ...(dependencies === undefined ? {} : { dependencies }) };
    });
  const stages = plan.stages.filter((s) => jobs.some((j) => j.stage === s));
  const stageIndex = new Map(stages.map((s, i) => [s, i]));
  return {
    ...plan,
    stages,
    jobs: jobs.map((j) => ({ ...j, stageIndex: stageIndex.get(j.stage) ?? j.stageIndex })),
  };
}
