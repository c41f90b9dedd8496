import { writeFile } from "node:fs/promises";
import type { PipelineOutcome } from "./progress/render-summary.js";

export interface ReportJob {
  readonly name: string;
  readonly stage: string;
  /** GitLab's status word: success, failed, canceled, skipped, manual. */
  readonly status: string;
  readonly exitCode: number | null;
  /** GitLab's failure reason of a failed job (`script_failure`, `image_pull_failure`, …); null otherwise. */
  readonly failureReason: string | null;
  readonly durationMs: number | null;
  /** Absolute path of the job's plain-text log; null for jobs that never ran. */
  readonly log: string | null;
}

/** `--report FILE`: the pipeline's outcome for scripts and CI dashboards. */
export interface RunReport {
  readonly status: PipelineOutcome;
  readonly jobs: readonly ReportJob[];
}

export async function writeReport(path: string, report: RunReport): Promise<void> {
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
