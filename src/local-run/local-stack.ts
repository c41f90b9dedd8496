import type { JobRecord, PipelineRecord } from "../coordinator/types.js";
import type { PipelinePlan } from "../plan/types.js";
import type { Project } from "./find-project.js";
import type { Snapshot } from "./snapshot.js";

export type StackEvent =
  | { readonly type: "job"; readonly job: JobRecord }
  | { readonly type: "pipeline"; readonly pipeline: PipelineRecord };

/** Where the jobs of a local run go, as chosen before the stack starts. */
export type StackExecutor =
  /** Every job on this machine. */
  | { readonly kind: "shell" }
  /** Jobs with an `image:` in it on the Docker Engine API at `DOCKER_HOST`, the others on this machine. */
  | { readonly kind: "image-routed" }
  /** Every job in a container; jobs without `image:` in `defaultImage`. */
  | { readonly kind: "docker"; readonly defaultImage: string | undefined };

export interface StackOptions {
  readonly project: Project;
  readonly concurrency: number;
  readonly executor: StackExecutor;
}

export interface SubmitInput {
  readonly plan: PipelinePlan;
  readonly snapshot: Snapshot;
  readonly ref: string;
  readonly source: string;
  readonly commitMessage: string;
}

/**
 * The machinery of one local run: a coordinator on an ephemeral loopback port with its database under
 * `.runfleet/`, and a runner manager registered with it by token, talking to it over HTTP only.
 */
export interface LocalStack {
  /** The coordinator's base URL (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** Submits the pipeline; events of it and its child pipelines go to `listener` from then on. */
  submit(input: SubmitInput, listener: (event: StackEvent) => void): Promise<PipelineRecord>;
  /** A job's whole trace as stored so far. */
  readTrace(jobId: number): Promise<string>;
  /** A pipeline as stored now. */
  getPipeline(pipelineId: number): Promise<PipelineRecord | undefined>;
  /** Every job of a pipeline, all attempts. */
  listJobs(pipelineId: number): Promise<readonly JobRecord[]>;
  cancel(pipelineId: number): Promise<void>;
  /** Stops the runner (aborting what still runs) and then the coordinator. */
  stop(): Promise<void>;
}
