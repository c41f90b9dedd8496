import { formatDuration } from "./format-duration.js";
import { type Counts, countJobs, type JobState, type ProgressState } from "./progress-state.js";
import { failureWhy } from "./render-lines.js";

export interface FrameSize {
  readonly columns: number;
  readonly rows: number;
}

/**
 * The live terminal view as lines: per stage its counts, under it one row per job — parallel instances
 * grouped under their base name as `done/total`. Pure: the caller redraws it in place.
 */
export function renderFrame(state: ProgressState, now: number, size: FrameSize): string[] {
  const lines: string[] = [];
  const byStage = groupBy([...state.jobs.values()], (j) => j.stage);
  const width = Math.max(...[...state.jobs.values()].map((j) => j.baseName.length), 8);
  for (const stage of state.stages) {
    const jobs = byStage.get(stage) ?? [];
    lines.push(`${stage}  ${countWords(countJobs(jobs)) || "no jobs"}`);
    for (const group of groupBy(jobs, (j) => j.baseName).values()) {
      const first = group[0];
      if (first === undefined) continue;
      const label = `  ${first.baseName.padEnd(width)}  `;
      lines.push(label + (group.length === 1 ? singleJob(first, now) : groupWords(group)));
    }
  }
  return fitToTerminal(lines, size);
}

function singleJob(job: JobState, now: number): string {
  switch (job.status) {
    case "waiting":
      return "waiting";
    case "running":
      return `running ${formatDuration(job.startedAt === null ? 0 : now - job.startedAt)}`;
    case "success":
      return `passed ${formatDuration(job.durationMs ?? 0)}`;
    case "failed":
      return `failed (${failureWhy(job.exitCode, null)})${job.allowFailure ? ", allowed to fail" : ""}`;
    case "canceled":
      return "canceled";
    case "skipped":
      return "skipped";
    case "manual":
      return "manual (not run)";
    default: {
      const never: never = job.status;
      return never;
    }
  }
}

function groupWords(group: readonly JobState[]): string {
  const c = countJobs(group);
  const done = c.passed + c.failed + c.warned + c.canceled + c.skipped;
  const rest = countWords({ ...c, passed: 0, skipped: 0 });
  return `${done}/${c.total}${rest ? `  ${rest}` : ""}`;
}

/** Non-zero counts only, in the order a reader scans for trouble. */
export function countWords(c: Counts): string {
  const parts: [number, string][] = [
    [c.running, "running"],
    [c.passed, "passed"],
    [c.failed, "failed"],
    [c.warned, "failed (allowed)"],
    [c.canceled, "canceled"],
    [c.skipped, "skipped"],
    [c.waiting, "waiting"],
    [c.manual, "manual"],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, word]) => `${n} ${word}`)
    .join(", ");
}

/** Long lines are cut to the terminal width and a frame taller than the terminal is cut with a count. */
function fitToTerminal(lines: readonly string[], size: FrameSize): string[] {
  const columns = Math.max(20, size.columns);
  const rows = Math.max(3, size.rows - 1);
  const cut = lines.map((l) => (l.length > columns ? `${l.slice(0, columns - 1)}…` : l));
  if (cut.length <= rows) return cut;
  return [...cut.slice(0, rows - 1), `… ${cut.length - rows + 1} more lines`];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list === undefined) map.set(k, [item]);
    else list.push(item);
  }
  return map;
}
