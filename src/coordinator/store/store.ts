/**
 * The coordinator's persistence port. Each method is one atomic unit (a transaction in SQL stores), so
 * a second implementation (PostgreSQL, several coordinators) only has to keep that promise.
 */
import type { JobStatus, PipelineStatus } from "../../protocol/index.js";
import type {
  AnyFailureReason,
  ArtifactRecord,
  DotenvVariable,
  JobRecord,
  PipelineRecord,
  ProjectRecord,
  RunnerRecord,
} from "../types.js";

export type NewProject = Omit<ProjectRecord, "id">;
export type NewPipeline = Omit<PipelineRecord, "id" | "iid">;
export type NewJob = Omit<JobRecord, "id" | "pipelineId">;
export type NewRunner = Omit<RunnerRecord, "id" | "contactedAt"> & { readonly tokenHash: string };
export type NewArtifact = Omit<ArtifactRecord, "id">;

export interface JobPatch {
  readonly id: number;
  readonly status?: JobStatus;
  readonly runnerId?: number | null;
  readonly acknowledged?: boolean;
  readonly tokenHash?: string | null;
  readonly exitCode?: number | null;
  readonly failureReason?: AnyFailureReason | null;
  readonly retried?: boolean;
  readonly childPipelineId?: number | null;
  readonly queuedAt?: number | null;
  readonly assignedAt?: number | null;
  readonly startedAt?: number | null;
  readonly finishedAt?: number | null;
  readonly scheduledAt?: number | null;
  readonly heartbeatAt?: number | null;
}

export interface PipelinePatch {
  readonly id: number;
  readonly status?: PipelineStatus;
  readonly canceledByUser?: boolean;
  readonly finishedAt?: number | null;
}

export interface ChangeSet {
  readonly jobs?: readonly JobPatch[];
  readonly pipelines?: readonly PipelinePatch[];
  /** New jobs (retries) added in the same transaction, each into its pipeline. */
  readonly newJobs?: readonly { readonly pipelineId: number; readonly job: NewJob }[];
}

export type TraceAppend =
  | { readonly ok: true; readonly size: number }
  | { readonly ok: false; readonly size: number };

export interface Store {
  createProject(project: NewProject): Promise<ProjectRecord>;
  getProject(id: number): Promise<ProjectRecord | undefined>;
  findProjectByPath(path: string): Promise<ProjectRecord | undefined>;

  addRegistrationToken(tokenHash: string, at: number): Promise<void>;
  hasRegistrationToken(tokenHash: string): Promise<boolean>;
  /** Revokes every registration token but `keepHash`. */
  revokeRegistrationTokens(keepHash: string | null): Promise<void>;

  createRunner(runner: NewRunner): Promise<RunnerRecord>;
  findRunnerByTokenHash(tokenHash: string): Promise<RunnerRecord | undefined>;
  getRunner(id: number): Promise<RunnerRecord | undefined>;
  revokeRunner(id: number): Promise<void>;
  touchRunner(id: number, at: number): Promise<void>;

  /** Inserts the pipeline and its jobs in one transaction; `iid` counts per project. */
  createPipeline(
    pipeline: NewPipeline,
    jobs: readonly NewJob[],
  ): Promise<{ pipeline: PipelineRecord; jobs: JobRecord[] }>;
  getPipeline(id: number): Promise<PipelineRecord | undefined>;
  /** Pipelines not yet finished, oldest first. */
  listActivePipelines(): Promise<PipelineRecord[]>;
  getJob(id: number): Promise<JobRecord | undefined>;
  listJobs(pipelineId: number): Promise<JobRecord[]>;
  findJobByTokenHash(tokenHash: string): Promise<JobRecord | undefined>;
  /** Applies all patches and inserts in one transaction; returns the inserted jobs. */
  applyChanges(changes: ChangeSet): Promise<JobRecord[]>;
  /**
   * Hands a pending job to a runner if nobody else took it in between; false when raced
   * (another coordinator sharing the store claimed it first).
   */
  claimJob(jobId: number, runnerId: number, tokenHash: string, at: number): Promise<boolean>;

  /** Appends at `offset`, which must equal the stored size. */
  appendTrace(jobId: number, offset: number, data: Uint8Array): Promise<TraceAppend>;
  readTrace(jobId: number): Promise<Buffer>;

  addArtifact(artifact: NewArtifact): Promise<ArtifactRecord>;
  listArtifacts(jobId: number): Promise<ArtifactRecord[]>;
  /** Artifacts of one type for many jobs at once (a job's dependencies), newest last. */
  listArtifactsOfJobs(jobIds: readonly number[], type: string): Promise<ArtifactRecord[]>;

  addDotenv(pipelineId: number, variables: readonly DotenvVariable[]): Promise<void>;
  listDotenv(pipelineId: number): Promise<DotenvVariable[]>;

  /**
   * Resolves once every write made so far is durable (committed). Writes may be grouped into one
   * transaction per event-loop turn; callers answer a client only after this.
   */
  committed(): Promise<void>;

  /** Commits what is pending, then closes. */
  close(): Promise<void>;
}
