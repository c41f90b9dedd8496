/**
 * The in-process coordinator: opens the store, serves the API on a host/port (0 = ephemeral), runs
 * the watchdog, and offers the calls `runfleet run` and `runfleet serve` need — projects, runner
 * tokens, pipeline submission, cancel, play, traces and status events.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { RunfleetError } from "../errors/index.js";
import type { PipelinePlan } from "../plan/types.js";
import { readZipText } from "./artifacts/archive-check.js";
import { JobDispatcher } from "./dispatch/job-dispatcher.js";
import { planDynamicChild } from "./dynamic-child-planner.js";
import {
  type Clock,
  type CoordinatorEvent,
  type NewPipelineInput,
  PipelineEngine,
} from "./engine/pipeline-engine.js";
import { submissionFromPlan, userVariablesFromPlan } from "./from-plan.js";
import { absoluteGitDir, cacheKeyForFiles, pinPipelineRef, refExists } from "./git-repo.js";
import type { ApiContext } from "./http/api-context.js";
import { createApiServer } from "./http/api-server.js";
import { LeanHttpServer } from "./http/lean-server.js";
import { RunnerCache } from "./http/runner-cache.js";
import { collectFileCacheKeys } from "./plan-cache-keys.js";
import { SqliteStore } from "./store/sqlite-store.js";
import type { Store } from "./store/store.js";
import { hashToken, newToken } from "./tokens.js";
import type {
  CommitInfo,
  JobRecord,
  PipelineRecord,
  PipelineSubmission,
  ProjectRecord,
  SubmittedVariable,
} from "./types.js";

/** Plans a dynamic child pipeline from configuration text found in a parent job's artifact. */
export type ChildPlanner = (input: {
  readonly yaml: string;
  /** The configuration's path inside the artifact archive. */
  readonly file: string;
  readonly project: ProjectRecord;
  readonly parent: PipelineRecord;
  readonly triggerJob: JobRecord;
}) => Promise<{ submission: PipelineSubmission; userVariables: readonly SubmittedVariable[] }>;

export interface CoordinatorOptions {
  readonly dbPath: string;
  /** Artifacts live under `<dataDir>/artifacts`. */
  readonly dataDir: string;
  readonly host?: string;
  readonly port?: number;
  /** The URL runners use when it differs from the bound address (a proxy, 0.0.0.0). */
  readonly publicUrl?: string;
  readonly longPollMs?: number;
  readonly heartbeatTimeoutMs?: number;
  readonly ackTimeoutMs?: number;
  readonly timeoutGraceMs?: number;
  readonly cancelGraceMs?: number;
  readonly watchdogIntervalMs?: number;
  /** Largest artifact upload (413 beyond); 100 MB like GitLab's default. */
  readonly maxArtifactBytes?: number;
  readonly traceUpdateIntervalSeconds?: number;
  /**
   * Serve the runner's per-job calls on the lean HTTP/1.1 path (default), handing everything else to
   * node:http; false sends every connection to node:http.
   */
  readonly leanHttp?: boolean;
  /** Plans `trigger: include: artifact:` children; by default the config loader and planner. */
  readonly childPlanner?: ChildPlanner;
  readonly clock?: Clock;
}

export interface SubmitInput {
  readonly projectId: number;
  readonly commit: CommitInfo;
  /** Either the planner's plan or a ready submission. */
  readonly plan: PipelinePlan | PipelineSubmission;
  /** Pipeline variables for a ready submission (a plan carries its own). */
  readonly variables?: readonly SubmittedVariable[];
}

const ZERO_SHA = "0".repeat(40);

export class Coordinator {
  private readonly refCache = new Map<number, boolean>();
  private readonly projects = new Map<number, ProjectRecord>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly options: CoordinatorOptions,
    private readonly store: Store,
    private readonly engine: PipelineEngine,
    private readonly dispatcher: JobDispatcher,
    private readonly server: LeanHttpServer,
    readonly url: string,
  ) {}

  static async start(options: CoordinatorOptions): Promise<Coordinator> {
    mkdirSync(options.dataDir, { recursive: true });
    const clock = options.clock ?? Date.now;
    const store = SqliteStore.open(options.dbPath);
    const engine = new PipelineEngine(store, clock);
    await engine.load();
    const dispatcher = new JobDispatcher(engine);
    let url = options.publicUrl ?? "";
    const holder: { coordinator?: Coordinator } = {};
    const ctx: ApiContext = {
      store,
      engine,
      dispatcher,
      runners: new RunnerCache(store, clock),
      dataDir: options.dataDir,
      clock,
      limits: {
        longPollMs: options.longPollMs ?? 50_000,
        maxJsonBytes: 1024 * 1024,
        maxArtifactBytes: options.maxArtifactBytes ?? 100 * 1024 * 1024,
        traceUpdateIntervalSeconds: options.traceUpdateIntervalSeconds ?? 3,
      },
      serverUrl: () => new URL(url),
      project: (id) => holder.coordinator?.project(id) ?? store.getProject(id),
      refExists: (p) => holder.coordinator?.refExistsFor(p) ?? Promise.resolve(false),
    };
    const lean = options.leanHttp ?? true;
    const server = new LeanHttpServer(ctx, createApiServer(ctx, { releaseAfterArtifacts: lean }), { lean });
    const address = await server
      .listen(options.port ?? 0, options.host ?? "127.0.0.1")
      .catch((cause: unknown) => {
        throw new RunfleetError(
          "UNAVAILABLE",
          `cannot listen on ${options.host ?? "127.0.0.1"}:${options.port ?? 0}`,
          { cause },
        );
      });
    if (url === "") {
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      url = `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${address.port}/`;
    }
    const coordinator = new Coordinator(options, store, engine, dispatcher, server, url);
    holder.coordinator = coordinator;
    engine.setAfterInsert((p) => coordinator.pinRef(p));
    engine.setTriggerStarter((job, pipeline) => coordinator.childPipelineFor(job, pipeline));
    await engine.resumeTriggers();
    coordinator.startWatchdog();
    return coordinator;
  }

  private startWatchdog(): void {
    const limits = {
      heartbeatTimeoutMs: this.options.heartbeatTimeoutMs ?? 5 * 60_000,
      ackTimeoutMs: this.options.ackTimeoutMs ?? 60_000,
      timeoutGraceMs: this.options.timeoutGraceMs ?? 60_000,
      cancelGraceMs: this.options.cancelGraceMs ?? 5 * 60_000,
    };
    this.timer = setInterval(() => {
      this.engine.tick(limits).catch((err: unknown) => {
        process.stderr.write(`coordinator watchdog: ${String(err)}\n`);
      });
    }, this.options.watchdogIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Registers (or finds) a project served from a local git repository. */
  async registerProject(input: { repoDir: string; path: string; name?: string }): Promise<ProjectRecord> {
    const existing = await this.store.findProjectByPath(input.path);
    if (existing !== undefined) return existing;
    const gitDir = await absoluteGitDir(input.repoDir);
    const name = input.name ?? input.path.split("/").pop() ?? input.path;
    return this.store.createProject({
      path: input.path,
      name,
      repoDir: input.repoDir,
      gitDir,
      createdAt: Date.now(),
    });
  }

  /** A new registration token for `POST /runners`; earlier ones stop working. */
  async rotateRegistrationToken(): Promise<string> {
    const token = newToken("registration");
    await this.store.addRegistrationToken(hashToken(token), Date.now());
    await this.store.revokeRegistrationTokens(hashToken(token));
    return token;
  }

  /** A runner authentication token (`glrt-…`), as created in GitLab's UI; runners use it via verify. */
  async createRunnerToken(
    input: {
      description?: string;
      tags?: readonly string[];
      runUntagged?: boolean;
      locked?: boolean;
      projectId?: number;
    } = {},
  ): Promise<{ id: number; token: string }> {
    const token = newToken("runner");
    const tags = input.tags ?? [];
    const runner = await this.store.createRunner({
      tokenHash: hashToken(token),
      description: input.description ?? "runfleet runner",
      tags,
      runUntagged: input.runUntagged ?? tags.length === 0,
      locked: input.locked ?? false,
      paused: false,
      projectId: input.projectId ?? null,
      maximumTimeout: null,
      createdAt: Date.now(),
    });
    return { id: runner.id, token };
  }

  async submitPipeline(input: SubmitInput): Promise<PipelineRecord> {
    const project = await this.project(input.projectId);
    if (project === undefined) throw new RunfleetError("NOT_FOUND", `no project with id ${input.projectId}`);
    const { commit } = input;
    let submission: PipelineSubmission;
    let userVariables: readonly SubmittedVariable[];
    if ("predefinedVariables" in input.plan) {
      const plan = input.plan;
      const keys = new Map<string, string>();
      for (const spec of collectFileCacheKeys(plan)) {
        keys.set(spec.id, await cacheKeyForFiles(project.gitDir, commit.sha, spec.files, spec.prefix));
      }
      submission = submissionFromPlan(
        plan,
        (files, prefix) => keys.get(JSON.stringify([files, prefix ?? null])) ?? "default",
      );
      userVariables = userVariablesFromPlan(plan);
    } else {
      submission = input.plan;
      userVariables = input.variables ?? [];
    }
    return this.engine.createPipeline({
      project,
      submission,
      pipeline: {
        projectId: project.id,
        parentPipelineId: null,
        parentJobId: null,
        ref: commit.ref,
        sha: commit.sha,
        beforeSha: commit.beforeSha ?? ZERO_SHA,
        refType: commit.refType ?? "branch",
        source: commit.source ?? "push",
        userVariables,
      },
    });
  }

  cancelJob(jobId: number): Promise<JobRecord | undefined> {
    return this.engine.cancelJob(jobId);
  }

  cancelPipeline(pipelineId: number): Promise<PipelineRecord | undefined> {
    return this.engine.cancelPipeline(pipelineId);
  }

  playJob(jobId: number): Promise<JobRecord | undefined> {
    return this.engine.play(jobId);
  }

  getPipeline(id: number): Promise<PipelineRecord | undefined> {
    return this.engine.getPipeline(id);
  }

  getJob(id: number): Promise<JobRecord | undefined> {
    return this.engine.getJob(id);
  }

  listJobs(pipelineId: number): Promise<JobRecord[]> {
    return this.engine.listJobs(pipelineId);
  }

  async readTrace(jobId: number): Promise<string> {
    return (await this.store.readTrace(jobId)).toString("utf8");
  }

  /** Job and pipeline changes as they happen; returns the unsubscribe function. */
  subscribe(listener: (event: CoordinatorEvent) => void): () => void {
    return this.engine.subscribe(listener);
  }

  /** Stops serving. Jobs keep their state in the store; a new coordinator on the same file resumes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.dispatcher.close();
    await this.server.close();
    await this.store.close();
  }

  private async project(id: number): Promise<ProjectRecord | undefined> {
    const cached = this.projects.get(id);
    if (cached !== undefined) return cached;
    const p = await this.store.getProject(id);
    if (p !== undefined) this.projects.set(id, p);
    return p;
  }

  private async pinRef(pipeline: PipelineRecord): Promise<void> {
    const project = await this.project(pipeline.projectId);
    if (project === undefined)
      throw new RunfleetError("NOT_FOUND", `no project with id ${pipeline.projectId}`);
    await pinPipelineRef(project.gitDir, pipeline.id, pipeline.sha);
    this.refCache.set(pipeline.id, await refExists(project.gitDir, pipeline.ref, pipeline.refType));
  }

  private async refExistsFor(pipeline: PipelineRecord): Promise<boolean> {
    const cached = this.refCache.get(pipeline.id);
    if (cached !== undefined) return cached;
    const project = await this.project(pipeline.projectId);
    const exists = project !== undefined && (await refExists(project.gitDir, pipeline.ref, pipeline.refType));
    this.refCache.set(pipeline.id, exists);
    return exists;
  }

  private async childPipelineFor(job: JobRecord, parent: PipelineRecord): Promise<NewPipelineInput> {
    const project = await this.project(parent.projectId);
    const trigger = job.trigger;
    if (project === undefined || trigger === null) {
      throw new RunfleetError("INTERNAL", `job ${job.id} is not a trigger job of a known project`);
    }
    const base = {
      projectId: project.id,
      parentPipelineId: parent.id,
      parentJobId: job.id,
      ref: parent.ref,
      sha: parent.sha,
      beforeSha: parent.beforeSha,
      refType: parent.refType,
      source: "parent_pipeline",
    };
    switch (trigger.kind) {
      case "plan":
        return {
          project,
          submission: trigger.child,
          pipeline: { ...base, userVariables: trigger.userVariables },
        };
      case "artifact": {
        const planner = this.options.childPlanner ?? planDynamicChild;
        const yaml = await this.artifactFile(parent.id, trigger.job, trigger.artifact);
        const planned = await planner({ yaml, file: trigger.artifact, project, parent, triggerJob: job });
        return {
          project,
          submission: planned.submission,
          pipeline: { ...base, userVariables: planned.userVariables },
        };
      }
      case "unsupported":
        throw new RunfleetError("PLAN_INVALID", trigger.reason);
      default: {
        const never: never = trigger;
        throw new RunfleetError("INTERNAL", `unknown trigger ${JSON.stringify(never)}`);
      }
    }
  }

  private async artifactFile(pipelineId: number, jobName: string, file: string): Promise<string> {
    const source = (await this.engine.listJobs(pipelineId))
      .filter((j) => j.name === jobName && !j.retried)
      .pop();
    if (source === undefined)
      throw new RunfleetError("NOT_FOUND", `no job "${jobName}" in pipeline ${pipelineId}`);
    const archive = (await this.store.listArtifacts(source.id)).find((a) => a.type === "archive");
    if (archive === undefined) {
      throw new RunfleetError("NOT_FOUND", `job "${jobName}" uploaded no artifacts`, {
        hint: `list ${file} under artifacts:paths of ${jobName}`,
      });
    }
    const text = readZipText(readFileSync(archive.path), file);
    if (text === undefined) {
      throw new RunfleetError("NOT_FOUND", `${file} is not in the artifacts of "${jobName}"`);
    }
    return text;
  }
}
