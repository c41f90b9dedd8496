/**
 * What the progress view is fed: the local run translates coordinator events into these, so renderers
 * stay pure functions of events and time, testable without a coordinator.
 */
export interface JobRef {
  readonly id: number;
  /** Instance name: `build`, `test 3/200`, `deploy: [aws, eu]`. */
  readonly name: string;
  /** The config's job name, shared by every instance of a parallel job. */
  readonly baseName: string;
  readonly stage: string;
}

export type FinalJobStatus = "success" | "failed" | "canceled" | "skipped";

export type RunEvent =
  | { readonly kind: "job_started"; readonly job: JobRef; readonly at: number }
  | {
      readonly kind: "job_finished";
      readonly job: JobRef;
      readonly status: FinalJobStatus;
      readonly exitCode: number | null;
      readonly durationMs: number;
      readonly allowFailure: boolean;
      readonly failureReason: string | null;
      /** Another attempt follows (`retry:`): the failure does not count yet. */
      readonly willRetry: boolean;
      readonly at: number;
    }
  | { readonly kind: "job_output"; readonly job: JobRef; readonly line: string }
  | { readonly kind: "notice"; readonly message: string };

/** The pipeline's jobs as submitted, for the live view's totals and the summary's manual count. */
export interface PlannedJobView {
  readonly name: string;
  readonly baseName: string;
  readonly stage: string;
  readonly manual: boolean;
}
