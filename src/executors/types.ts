/**
 * The contract every executor implements. An executor only runs things somewhere: it prepares a job
 * environment, fetches sources into it, runs one stage script at a time and cleans up. It knows nothing
 * of HTTP, traces or the coordinator; the runner walks the stages and does the talking.
 */
import { RunfleetError } from "../errors/index.js";
import type { ShellKind, SourcesSpec, StageName } from "../jobscript/index.js";
import type { JobPayload } from "../protocol/index.js";

/** Receives a stage's output bytes as they come. */
export type OutputSink = (chunk: Uint8Array) => void;

export interface StageIo {
  readonly sink: OutputSink;
  /** Aborted on cancel: the stage's processes are killed. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds after which the stage is killed and reported timed out. */
  readonly deadline: number;
}

export type StageOutcome =
  | { readonly kind: "exited"; readonly exitCode: number }
  | { readonly kind: "canceled" }
  | { readonly kind: "timed_out" };

export interface ExecutorJob {
  readonly payload: JobPayload;
  /** The worker slot (0-based) this job runs in; a slot runs one job at a time. */
  readonly slot: number;
  readonly runnerShortToken: string;
}

export interface JobEnvironment {
  readonly shell: ShellKind;
  /** `CI_BUILDS_DIR` as the job's scripts see it. */
  readonly buildsDir: string;
  /** `CI_PROJECT_DIR` as the job's scripts see it. */
  readonly projectDir: string;
  /** Where file variables and stage scripts go (`RUNNER_TEMP_PROJECT_DIR`). */
  readonly tempDir: string;
  /** The project directory on the runner's own filesystem: the runner archives cache and artifacts there. */
  readonly hostProjectDir: string;
  /** Whether the directory is kept between jobs (`CI_SHARED_ENVIRONMENT`) or thrown away. */
  readonly shared: boolean;
  getSources(spec: SourcesSpec, io: StageIo): Promise<StageOutcome>;
  runScript(stage: StageName, script: string, io: StageIo): Promise<StageOutcome>;
  cleanup(): Promise<void>;
}

export interface Executor {
  readonly name: string;
  /**
   * The executor a job runs on, when it depends on the job (an executor that routes jobs to others);
   * the trace names it instead of `name`.
   */
  nameFor?(job: ExecutorJob): string;
  /** False when jobs do not run in their `image:` (the runner then says the image is ignored). */
  readonly runsImages?: boolean;
  prepare(job: ExecutorJob): Promise<JobEnvironment>;
  /** Releases what the executor keeps between jobs (processes, connections); called once at shutdown. */
  close?(): Promise<void>;
}

/** Settings an executor receives from its `[[runners]]` entry. */
export interface ExecutorSettings {
  /** `builds_dir`; the executor's default when undefined. */
  readonly buildsDir: string | undefined;
  /** `[runners.custom_build_dir] enabled`: jobs may choose their directory with GIT_CLONE_PATH. */
  readonly customBuildDir?: boolean;
  /** The `[runners.<executor>]` table, validated by the executor itself. */
  readonly section: Readonly<Record<string, unknown>>;
}

export type ExecutorFactory = (settings: ExecutorSettings) => Executor;

/** Checks a `[runners.<executor>]` table when the config is read, before any executor is built. */
export type ExecutorSettingsCheck = (section: Readonly<Record<string, unknown>>) => void;

/**
 * A bad value in a `[runners.<executor>]` table. It names the table's key so that the config reader,
 * which has the file's text, can point at its line and column.
 */
export class ExecutorSettingsError extends RunfleetError {
  /** The key of the executor's table the problem sits under (`memory`, `image_rewrites`). */
  readonly key: string;

  constructor(key: string, message: string, options: { hint?: string } = {}) {
    super("CONFIG_INVALID", message, options);
    this.name = "ExecutorSettingsError";
    this.key = key;
  }
}
