/** Request and response bodies of the GitLab Runner API (`/api/v4`), shared by coordinator and runner. */
import type { FailureReason, RunnerReportedState } from "./job-state.js";

/** Sent on register, verify, request and update. */
export interface RunnerInfoBody {
  readonly name?: string;
  readonly version?: string;
  readonly revision?: string;
  readonly platform?: string;
  readonly architecture?: string;
  readonly executor?: string;
  readonly shell?: string;
  readonly features?: Readonly<Record<string, boolean>>;
}

/** `POST /runners` — legacy registration with a registration token. */
export interface RegisterRunnerRequest {
  readonly token: string;
  readonly description?: string;
  readonly tag_list?: string;
  readonly run_untagged?: boolean;
  readonly locked?: boolean;
  readonly access_level?: "not_protected" | "ref_protected";
  readonly maximum_timeout?: number;
  readonly paused?: boolean;
  readonly info?: RunnerInfoBody;
}

export interface RegisterRunnerResponse {
  readonly id: number;
  readonly token: string;
  readonly token_expires_at: string | null;
}

/** `POST /runners/verify`. */
export interface VerifyRunnerRequest {
  readonly token: string;
  readonly system_id?: string;
  readonly info?: RunnerInfoBody;
}

/** `POST /jobs/request`. */
export interface JobRequest {
  readonly token: string;
  readonly system_id?: string;
  readonly last_update?: string;
  readonly info?: RunnerInfoBody;
}

/** `PUT /jobs/:id`. */
export interface JobUpdateRequest {
  readonly token: string;
  readonly state: RunnerReportedState;
  readonly failure_reason?: FailureReason;
  /** Omitted when 0. */
  readonly exit_code?: number;
  readonly output?: { readonly checksum: string; readonly bytesize: number };
  readonly info?: RunnerInfoBody;
}

/** Headers of the protocol, spelled once. */
export const Headers = {
  jobToken: "JOB-TOKEN",
  runnerToken: "RUNNER-TOKEN",
  lastUpdate: "X-GitLab-Last-Update",
  traceUpdateInterval: "X-GitLab-Trace-Update-Interval",
  jobStatus: "Job-Status",
  contentRange: "Content-Range",
  range: "Range",
} as const;

/** Largest trace patch body a coordinator accepts. */
export const MAX_TRACE_PATCH_BYTES = 1024 * 1024;
