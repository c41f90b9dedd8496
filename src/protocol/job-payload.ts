/**
 * The job JSON a coordinator returns from `POST /api/v4/jobs/request` (201), field by field as GitLab
 * sends it, so the runner works against GitLab and a GitLab Runner works against our coordinator.
 */
export interface JobVariable {
  readonly key: string;
  readonly value: string;
  readonly public: boolean;
  readonly masked: boolean;
  /** Only present when true: the value is written to a file and `$KEY` expands to its path. */
  readonly file?: boolean;
  /** Only present when true: the value is not expanded. */
  readonly raw?: boolean;
}

export interface JobInfo {
  readonly id: number;
  readonly name: string;
  readonly stage: string;
  readonly pipeline_id: number;
  readonly project_id: number;
  readonly project_name: string;
  readonly project_full_path?: string;
}

export interface GitInfo {
  /** HTTP URL with `gitlab-ci-token:<job token>@` inserted. */
  readonly repo_url: string;
  readonly ref: string;
  readonly sha: string;
  readonly before_sha: string;
  readonly ref_type: "branch" | "tag";
  readonly refspecs: readonly string[];
  /** 0 = full clone. */
  readonly depth: number;
  readonly protected?: boolean;
}

export interface RunnerInfo {
  /** Job timeout in seconds. */
  readonly timeout: number;
  readonly runner_session_url?: string;
}

export type StepName = "script" | "after_script" | "release";
export type StepWhen = "on_success" | "on_failure" | "always";

export interface JobStep {
  readonly name: StepName;
  readonly script: readonly string[];
  readonly timeout: number;
  readonly when: StepWhen;
  readonly allow_failure: boolean;
}

export type PullPolicy = "always" | "if-not-present" | "never";

export interface ImagePort {
  readonly number: number;
  readonly protocol?: string;
  readonly name?: string;
}

export interface JobImage {
  readonly name: string;
  readonly alias?: string;
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  readonly ports?: readonly ImagePort[];
  readonly pull_policy?: readonly PullPolicy[];
  readonly variables?: readonly JobVariable[];
}

export type ArtifactWhen = "on_success" | "on_failure" | "always";
export type ArtifactFormat = "zip" | "gzip" | "raw";

export interface JobArtifact {
  readonly name: string;
  readonly untracked: boolean;
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly when: ArtifactWhen;
  readonly expire_in?: string | null;
  /** `archive` for the main archive; report types (`dotenv`, `junit`…) each their own entry. */
  readonly artifact_type: string;
  readonly artifact_format: ArtifactFormat;
}

export type CachePolicy = "pull-push" | "pull" | "push";

export interface JobCache {
  readonly key: string;
  readonly untracked: boolean;
  readonly paths: readonly string[];
  readonly policy: CachePolicy;
  readonly when: ArtifactWhen;
  readonly fallback_keys: readonly string[];
}

export interface RegistryCredential {
  readonly type: "registry";
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

export interface JobDependency {
  readonly id: number;
  readonly name: string;
  readonly token: string;
  readonly artifacts_file?: { readonly filename: string; readonly size: number };
}

export interface JobFeatures {
  readonly trace_sections: boolean;
  readonly failure_reasons: readonly string[];
  readonly token_mask_prefixes?: readonly string[];
}

export interface JobPayload {
  readonly id: number;
  readonly token: string;
  readonly allow_git_fetch: boolean;
  readonly job_info: JobInfo;
  readonly git_info: GitInfo;
  readonly runner_info: RunnerInfo;
  readonly variables: readonly JobVariable[];
  readonly steps: readonly JobStep[];
  readonly image: JobImage | null;
  readonly services: readonly JobImage[];
  readonly artifacts: readonly JobArtifact[];
  readonly cache: readonly JobCache[];
  readonly credentials: readonly RegistryCredential[];
  readonly dependencies: readonly JobDependency[];
  readonly features: JobFeatures;
}
