import type { AllowFailure } from "../config/types.js";
import type { ExcludedJob, PlannedJob, PlanResult } from "./types.js";

/**
 * `runfleet plan` for people: stages in order, each job with what decides when it runs (needs, when,
 * allow_failure) and where (image, tags). Instances of one parallel job that agree on all of that
 * are folded into one line, so a 200-way fan-out stays readable.
 */
export function formatPlan(result: PlanResult, indent = ""): string {
  if (result.kind === "none") return `${indent}no pipeline: ${result.noPipeline.reason}\n`;
  const { plan } = result;
  const lines: string[] = [];
  const title = plan.name === undefined ? "" : ` "${plan.name}"`;
  lines.push(
    `${indent}pipeline${title} (source ${plan.source}): ${plural(plan.stages.length, "stage")}, ${plural(plan.jobs.length, "job")}`,
  );
  for (const stage of plan.stages) {
    lines.push(`${indent}  stage ${stage}`);
    const jobs = plan.jobs.filter((j) => j.stage === stage);
    for (const group of foldInstances(jobs)) {
      const [first] = group;
      if (first === undefined) continue;
      const label =
        group.length === 1 ? first.name : `${first.name} … ${group[group.length - 1]?.name ?? ""}`;
      const count = group.length === 1 ? "" : ` (${group.length} jobs)`;
      lines.push(`${indent}    ${label}${count}`);
      const details = describe(first);
      if (details !== "") lines.push(`${indent}      ${details}`);
      const child = first.trigger?.kind === "child" ? first.trigger.child : undefined;
      if (child !== undefined) lines.push(formatPlan(child, `${indent}      `).trimEnd());
    }
  }
  const excluded = foldExcluded(plan.excluded ?? []);
  if (excluded.length > 0) lines.push(`${indent}  not in this pipeline: ${excluded.join("; ")}`);
  return `${lines.join("\n")}\n`;
}

/** `name (reason)`, one entry per job and reason, the instances of a fan-out counted. */
function foldExcluded(excluded: readonly ExcludedJob[]): string[] {
  const groups = new Map<string, number>();
  for (const job of excluded) {
    const key = `${job.name.replace(/( \d+\/\d+|: \[.*\])$/, "")} (${job.reason})`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups].map(([key, count]) => (count === 1 ? key : `${key} ×${count}`));
}

function describe(job: PlannedJob): string {
  const parts: string[] = [];
  if (job.needs !== undefined)
    parts.push(
      job.needs.length === 0
        ? "needs: none (starts at once)"
        : `needs: ${job.needs.map((n) => n.name).join(", ")}`,
    );
  if (job.when !== "on_success")
    parts.push(
      job.when === "delayed"
        ? `when: delayed, starts ${duration(job.startIn ?? 0)} after its stage`
        : `when: ${job.when}`,
    );
  const allow = allowFailureText(job.allowFailure);
  if (allow !== "") parts.push(allow);
  if (job.image !== undefined) parts.push(`image: ${job.image.name}`);
  if (job.tags.length > 0) parts.push(`tags: ${job.tags.join(", ")}`);
  if (job.trigger?.kind === "project")
    parts.push(`triggers project ${job.trigger.project} (not run locally)`);
  if (job.trigger?.kind === "child") {
    const depend = job.trigger.strategy === "depend" ? ", waits for it" : "";
    parts.push(
      job.trigger.child === undefined
        ? `child pipeline known at run time${depend}`
        : `child pipeline${depend}:`,
    );
  }
  return parts.join(" | ");
}

function allowFailureText(allow: AllowFailure): string {
  if (allow === true) return "allowed to fail";
  if (allow === false) return "";
  return `allowed to fail with exit codes ${allow.exitCodes.join(", ")}`;
}

/** Consecutive instances of the same job with the same details fold into one group. */
function foldInstances(jobs: readonly PlannedJob[]): PlannedJob[][] {
  const groups: PlannedJob[][] = [];
  for (const job of jobs) {
    const last = groups[groups.length - 1];
    const head = last?.[0];
    if (
      last !== undefined &&
      head !== undefined &&
      head.baseName === job.baseName &&
      job.parallel !== undefined &&
      job.trigger === undefined &&
      describe(head) === describe(job)
    ) {
      last.push(job);
    } else {
      groups.push([job]);
    }
  }
  return groups;
}

function duration(seconds: number): string {
  const parts: string[] = [];
  const units: [number, string][] = [
    [86_400, "d"],
    [3_600, "h"],
    [60, "m"],
    [1, "s"],
  ];
  let rest = seconds;
  for (const [size, unit] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.length === 0 ? "0s" : parts.join(" ");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
