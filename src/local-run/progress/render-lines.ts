import { formatDuration } from "./format-duration.js";
import type { RunEvent } from "./run-event.js";

export interface LineOptions {
  /** `--quiet`: job events and the summary only, no job output. */
  readonly quiet: boolean;
}

/**
 * The view for logs and pipes: one line per job event, and each output line of a job prefixed by its
 * name, so interleaved jobs stay readable and greppable. Returns the lines an event prints (maybe none).
 */
export function renderEventLines(event: RunEvent, options: LineOptions): string[] {
  switch (event.kind) {
    case "job_started":
      return [`${event.job.name} started`];
    case "job_finished":
      return [`${event.job.name} ${finishedWords(event)}`];
    case "job_output":
      return options.quiet ? [] : [`${event.job.name} > ${event.line}`];
    case "notice":
      return [event.message];
    default: {
      const never: never = event;
      return never;
    }
  }
}

type Finished = Extract<RunEvent, { kind: "job_finished" }>;

export function finishedWords(event: Finished): string {
  const took = formatDuration(event.durationMs);
  switch (event.status) {
    case "success":
      return `passed (${took})`;
    case "failed": {
      const why = failureWhy(event.exitCode, event.failureReason);
      if (event.willRetry) return `failed (${why}), retrying`;
      return event.allowFailure ? `failed (${why}), allowed to fail` : `failed (${why})`;
    }
    case "canceled":
      return `canceled (${took})`;
    case "skipped":
      return "skipped";
    default: {
      const never: never = event.status;
      return never;
    }
  }
}

/** A script's exit code says it all; otherwise the failure reason says what broke. */
export function failureWhy(exitCode: number | null, failureReason: string | null): string {
  if (failureReason !== null && failureReason !== "script_failure") {
    return exitCode === null ? failureReason : `${failureReason}, exit ${exitCode}`;
  }
  return exitCode === null ? (failureReason ?? "failed") : `exit ${exitCode}`;
}
