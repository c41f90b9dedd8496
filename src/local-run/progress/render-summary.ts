import { formatDuration } from "./format-duration.js";
import { countJobs, type ProgressState } from "./progress-state.js";

export type PipelineOutcome = "success" | "failed" | "canceled";

export interface FailedJobOutput {
  readonly name: string;
  readonly why: string;
  /** The last lines of the job's plain log. */
  readonly lines: readonly string[];
  readonly logPath: string;
}

/** The closing lines of every run: the outcome, counts, wall time and where the logs are. */
export function renderSummary(
  state: ProgressState,
  outcome: PipelineOutcome,
  wallMs: number,
  logDir: string,
): string[] {
  const c = countJobs(state.jobs.values());
  const word = outcome === "success" ? "passed" : outcome;
  const counts = [
    `${c.passed} passed`,
    `${c.failed} failed`,
    ...(c.warned > 0 ? [`${c.warned} failed (allowed)`] : []),
    ...(c.canceled > 0 ? [`${c.canceled} canceled`] : []),
    `${c.skipped} skipped`,
    `${c.manual} manual`,
  ];
  return [`Pipeline ${word} in ${formatDuration(wallMs)}: ${counts.join(", ")}`, `Logs: ${logDir}`];
}

/** On a terminal the live view hides job output, so failed jobs' output is shown once at the end. */
export function renderFailures(failures: readonly FailedJobOutput[]): string[] {
  const lines: string[] = [];
  for (const f of failures) {
    lines.push("", `── ${f.name} failed (${f.why}) ── ${f.logPath}`, ...f.lines);
  }
  return lines;
}
