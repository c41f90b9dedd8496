/**
 * Owns the state of active pipelines: keeps their jobs in memory for fast gating, persists every
 * change through the `Store` in one transaction per step, and tells listeners (dispatcher, progress
 * views) what changed. All mutations run one at a time, so memory and store never disagree.
 */

import { RunfleetError } from "../../errors/index.js";
import { isFinished } from "../../protocol/index.js";
import { dependencyJobs, mayHaveDependencies } from "../payload/dependencies.js";
import { cancelJob as cancelJobTransitions, playManual } from "../state/cancel.js";
import { type FinishReport, finishJob } from "../state/finish-job.js";
import { tally } from "../state/pipeline-status.js";
import { type WatchdogLimits, watchdog } from "../state/watchdog.js";
import type { JobPatch, NewPipeline, Store } from "../store/store.js";
import type { JobRecord, PipelineRecord, PipelineSubmission, ProjectRecord } from "../types.js";
import { EarlierStageJobs } from "./earlier-stage-jobs.js";
import { Heartbeats } from "./heartbeats.js";
import { newJobsFor } from "./submission.js";

export { isQueued } from "./plan-step.js";

export type CoordinatorEvent =
  | { readonly type: "job"; readonly job: JobRecord }
  | { readonly type: "pipeline"; readonly pipeline: PipelineRecord };

export type Clock = () => number;

import {
  type ActivePipeline,
  type CommitOptions,
  isQueued,
  nextAttempt,
  planStep,
  settleNewJobs,
} from "./plan-step.js";

export interface NewPipelineInput {
  readonly project: ProjectRecord;
  readonly submission: PipelineSubmission;
  readonly pipeline: Omit<
    NewPipeline,
    "status" | "createdAt" | "finishedAt" | "canceledByUser" | "stages" | "variables"
  >;
}

/** Starts a pending trigger job's child pipeline; returns the child, or throws why it cannot. */
export type TriggerStarter = (job: JobRecord, pipeline: PipelineRecord) => Promise<NewPipelineInput>;

export class PipelineEngine {
  private readonly active = new Map<number, ActivePipeline>();
  private readonly jobPipeline = new Map<number, number>();
  private readonly tokens = new Map<string, number>();
  private readonly heartbeats = new Heartbeats();
  private readonly listeners = new Set<(event: CoordinatorEvent) => void>();
  private readonly earlierStages = new EarlierStageJobs();
  private chain: Promise<unknown> = Promise.resolve();
  private triggerStarter: TriggerStarter | null = null;
  private afterInsert: ((pipeline: PipelineRecord) => Promise<void>) | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  setTriggerStarter(starter: TriggerStarter): void {
    this.triggerStarter = starter;
  }

  /** Runs after a pipeline is stored and before any of its jobs can be handed out (pins its ref). */
  setAfterInsert(hook: (pipeline: PipelineRecord) => Promise<void>): void {
    this.afterInsert = hook;
  }

  subscribe(listener: (event: CoordinatorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs mutations one after another; reads may go around it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Loads unfinished pipelines after a (re)start. Runners get a fresh heartbeat window to come back. */
  load(): Promise<void> {
    return this.serial(async () => {
      const now = this.clock();
      for (const record of await this.store.listActivePipelines()) {
        const jobs = new Map<number, JobRecord>();
        for (const job of await this.store.listJobs(record.id)) {
          const live = job.status === "running" || job.status === "canceling" || job.runnerId !== null;
          jobs.set(job.id, live && !isFinished(job.status) ? { ...job, heartbeatAt: now } : job);
        }
        this.track({ record, jobs, tally: tally([...jobs.values()]) });
        await this.commit(record.id, []);
      }
    });
  }

  /** Trigger jobs that were due when the coordinator stopped have not made their child yet. */
  resumeTriggers(): Promise<void> {
    return this.serial(async () => {
      for (const p of [...this.active.values()]) {
        for (const job of [...p.jobs.values()]) {
          if (job.status === "pending" && job.trigger !== null && job.childPipelineId === null) {
            await this.startTrigger(job, p.record);
          }
        }
      }
    });
  }

  private track(p: ActivePipeline): void {
    this.active.set(p.record.id, p);
    for (const job of p.jobs.values()) this.index(job);
  }

  private index(job: JobRecord): void {
    this.jobPipeline.set(job.id, job.pipelineId);
    if (job.tokenHash !== null) this.tokens.set(job.tokenHash, job.id);
  }

  createPipeline(input: NewPipelineInput): Promise<PipelineRecord> {
    return this.serial(async () => {
      const record = await this.insertPipeline(input);
      await this.startPipeline(record.id);
      return this.active.get(record.id)?.record ?? record;
    });
  }

  /**
   * The first step of a just-inserted pipeline: its status, and the trigger jobs it was inserted with
   * as pending (the insert already settled them, so no step reports them as changed).
   */
  private async startPipeline(pipelineId: number): Promise<void> {
    await this.commit(pipelineId, []);
    const p = this.active.get(pipelineId);
    if (p === undefined) return;
    for (const job of [...p.jobs.values()]) {
      if (job.status === "pending" && job.trigger !== null && job.childPipelineId === null) {
        await this.startTrigger(job, p.record);
      }
    }
  }

  private async insertPipeline(input: NewPipelineInput): Promise<PipelineRecord> {
    const now = this.clock();
    const jobs = settleNewJobs(newJobsFor(input.submission, input.project.id, now), now);
    const created = await this.store.createPipeline(
      {
        ...input.pipeline,
        status: "created",
        canceledByUser: false,
        stages: input.submission.stages,
        variables: input.submission.variables,
        createdAt: now,
        finishedAt: null,
      },
      jobs,
    );
    try {
      await this.afterInsert?.(created.pipeline);
    } catch (err) {
      // Nothing of a pipeline that could not start has run: its jobs stay as submitted.
      await this.store.applyChanges({
        pipelines: [{ id: created.pipeline.id, status: "failed", finishedAt: now }],
        jobs: created.jobs
          .filter((j) => j.status !== "created")
          .map((j) => ({ id: j.id, status: "created", queuedAt: null, scheduledAt: null, finishedAt: null })),
      });
      throw err;
    }
    this.track({
      record: created.pipeline,
      jobs: new Map(created.jobs.map((j) => [j.id, j])),
      tally: tally(created.jobs),
    });
    this.emit({ type: "pipeline", pipeline: created.pipeline });
    for (const job of created.jobs) this.emit({ type: "job", job });
    return created.pipeline;
  }

  async getJob(id: number): Promise<JobRecord | undefined> {
    const pid = this.jobPipeline.get(id);
    const job = pid === undefined ? undefined : this.active.get(pid)?.jobs.get(id);
    return job ?? this.store.getJob(id);
  }

  async getPipeline(id: number): Promise<PipelineRecord | undefined> {
    return this.active.get(id)?.record ?? this.store.getPipeline(id);
  }

  async listJobs(pipelineId: number): Promise<JobRecord[]> {
    const p = this.active.get(pipelineId);
    return p ? [...p.jobs.values()] : this.store.listJobs(pipelineId);
  }

  /** The jobs `job` receives artifacts and dotenv variables from (see `dependencyJobs`). */
  async dependenciesOf(job: JobRecord): Promise<JobRecord[]> {
    if (!mayHaveDependencies(job)) return [];
    const p = this.active.get(job.pipelineId);
    if (p === undefined || job.dependencies !== null || job.needs !== null) {
      return dependencyJobs(job, await this.listJobs(job.pipelineId));
    }
    return this.earlierStages.of(p, job);
  }

  async jobByTokenHash(hash: string): Promise<JobRecord | undefined> {
    const id = this.tokens.get(hash);
    if (id !== undefined) return this.getJob(id);
    return this.store.findJobByTokenHash(hash);
  }

  /** Jobs waiting for a runner (pending, not handed out), oldest first. */
  queuedJobs(): JobRecord[] {
    const out: JobRecord[] = [];
    for (const p of this.active.values()) {
      for (const j of p.jobs.values()) if (isQueued(j)) out.push(j);
    }
    return out.sort((a, b) => a.id - b.id);
  }

  /** Hands a queued job to a runner: the first phase; `acknowledge` is the second. */
  claim(jobId: number, runnerId: number, tokenHash: string): Promise<JobRecord | undefined> {
    return this.serial(async () => {
      const job = this.memJob(jobId);
      if (job === undefined || !isQueued(job)) return undefined;
      const now = this.clock();
      if (!(await this.store.claimJob(jobId, runnerId, tokenHash, now))) return undefined;
      // Status unchanged: the tally stays as it is.
      const claimed = { ...job, runnerId, tokenHash, assignedAt: now, heartbeatAt: now, acknowledged: false };
      this.active.get(job.pipelineId)?.jobs.set(jobId, claimed);
      this.index(claimed);
      this.emit({ type: "job", job: claimed });
      return claimed;
    });
  }

  acknowledge(jobId: number): Promise<JobRecord | undefined> {
    return this.mutateJob(jobId, (job, now) =>
      job.status === "pending" && job.runnerId !== null && !job.acknowledged
        ? [{ id: jobId, status: "running", acknowledged: true, startedAt: now, heartbeatAt: now }]
        : [],
    );
  }

  /** A sign of life from the job's runner (see `Heartbeats`). */
  heartbeat(jobId: number): void {
    if (this.jobPipeline.has(jobId)) this.heartbeats.beat(jobId, this.clock());
  }

  finish(jobId: number, report: FinishReport): Promise<JobRecord | undefined> {
    return this.serial(async () => {
      const job = this.memJob(jobId);
      if (job === undefined || isFinished(job.status)) return job;
      await this.finishLocked(job, report);
      return this.memJob(jobId) ?? this.store.getJob(jobId);
    });
  }

  private async finishLocked(job: JobRecord, report: FinishReport): Promise<void> {
    const now = this.clock();
    const decision = finishJob(job, report);
    const patch: JobPatch = {
      id: job.id,
      status: decision.status,
      exitCode: decision.exitCode,
      failureReason: decision.failureReason,
      finishedAt: now,
      retried: decision.retry,
    };
    const newJobs = decision.retry ? [nextAttempt(job, now)] : [];
    await this.commit(job.pipelineId, [patch], { newJobs });
  }

  cancelJob(jobId: number): Promise<JobRecord | undefined> {
    return this.serial(async () => {
      const job = this.memJob(jobId);
      if (job === undefined) return this.store.getJob(jobId);
      await this.cancelJobs(job.pipelineId, [job], false);
      return this.memJob(jobId) ?? this.store.getJob(jobId);
    });
  }

  cancelPipeline(pipelineId: number): Promise<PipelineRecord | undefined> {
    return this.serial(async () => {
      const p = this.active.get(pipelineId);
      if (p === undefined) return this.store.getPipeline(pipelineId);
      await this.cancelJobs(
        pipelineId,
        [...p.jobs.values()].filter((j) => !j.retried),
        true,
      );
      return this.active.get(pipelineId)?.record ?? this.store.getPipeline(pipelineId);
    });
  }

  private async cancelJobs(
    pipelineId: number,
    jobs: readonly JobRecord[],
    wholePipeline: boolean,
  ): Promise<void> {
    const now = this.clock();
    const patches: JobPatch[] = [];
    for (const job of jobs) {
      for (const t of cancelJobTransitions(job)) {
        // A trigger job has no runner to tell; its child pipeline is canceled with it.
        const to = t.to === "canceling" && job.runnerId === null ? "canceled" : t.to;
        patches.push({
          id: t.jobId,
          status: to,
          failureReason: "job_canceled",
          ...(to === "canceled" ? { finishedAt: now } : {}),
        });
        if (job.childPipelineId !== null && this.active.has(job.childPipelineId)) {
          const child = this.active.get(job.childPipelineId);
          if (child)
            await this.cancelJobs(
              child.record.id,
              [...child.jobs.values()].filter((j) => !j.retried),
              true,
            );
        }
      }
    }
    await this.commit(pipelineId, patches, wholePipeline ? { canceledByUser: true } : {});
  }

  play(jobId: number): Promise<JobRecord | undefined> {
    return this.mutateJob(jobId, (job, now) =>
      playManual(job).map((t) => ({ id: t.jobId, status: t.to, queuedAt: now })),
    );
  }

  /** Returns a handed-out but unacknowledged job to the queue with a new token to come. */
  requeue(jobId: number): Promise<JobRecord | undefined> {
    return this.mutateJob(jobId, (job) =>
      job.status === "pending" && !job.acknowledged
        ? [{ id: jobId, runnerId: null, tokenHash: null, assignedAt: null, heartbeatAt: null }]
        : [],
    );
  }

  /** Enforces time: delayed starts, job timeouts, lost runners, unacknowledged hand-outs. */
  tick(limits: WatchdogLimits): Promise<void> {
    return this.serial(async () => {
      const now = this.clock();
      for (const p of [...this.active.values()]) {
        for (const action of watchdog(this.heartbeats.applied(p.jobs.values()), now, limits)) {
          const job = p.jobs.get(action.jobId);
          if (job === undefined) continue;
          switch (action.kind) {
            case "start":
              await this.commit(p.record.id, [{ id: job.id, status: "pending", queuedAt: now }]);
              break;
            case "fail":
              await this.finishLocked(job, { state: "failed", exitCode: null, failureReason: action.reason });
              break;
            case "requeue":
              if (job.tokenHash !== null) this.tokens.delete(job.tokenHash);
              await this.commit(p.record.id, [
                { id: job.id, runnerId: null, tokenHash: null, assignedAt: null, heartbeatAt: null },
              ]);
              break;
            case "canceled":
              await this.commit(p.record.id, [{ id: job.id, status: "canceled", finishedAt: now }]);
              break;
            default: {
              const never: never = action;
              throw new Error(`unknown watchdog action ${JSON.stringify(never)}`);
            }
          }
        }
      }
    });
  }

  private mutateJob(
    jobId: number,
    patchesFor: (job: JobRecord, now: number) => JobPatch[],
  ): Promise<JobRecord | undefined> {
    return this.serial(async () => {
      const job = this.memJob(jobId);
      if (job === undefined) return this.store.getJob(jobId);
      const patches = patchesFor(job, this.clock());
      if (patches.length > 0) await this.commit(job.pipelineId, patches);
      return this.memJob(jobId) ?? this.store.getJob(jobId);
    });
  }

  private memJob(jobId: number): JobRecord | undefined {
    const pid = this.jobPipeline.get(jobId);
    return pid === undefined ? undefined : this.active.get(pid)?.jobs.get(jobId);
  }

  /**
   * One step: apply the patches, promote what they released, recompute the pipeline status, and
   * persist all of it in one transaction. Then start trigger jobs and mirror finished children.
   */
  private async commit(
    pipelineId: number,
    patches: readonly JobPatch[],
    options: CommitOptions = {},
  ): Promise<void> {
    const p = this.active.get(pipelineId);
    if (p === undefined) return;
    const now = this.clock();
    const step = planStep(p, patches, options, now);
    const { overlay, merged, nextTally, status, canceledByUser, finished, pipelineChanged, finishedAt } =
      step;
    const rows = [...merged.values()];
    const inserted = await this.store.applyChanges({
      jobs: rows,
      pipelines: pipelineChanged ? [{ id: pipelineId, status, canceledByUser, finishedAt }] : [],
      newJobs: options.newJobs === undefined ? [] : options.newJobs.map((job) => ({ pipelineId, job })),
    });

    const changed: JobRecord[] = [];
    for (const [id, job] of overlay) {
      p.jobs.set(id, job);
      changed.push(job);
    }
    for (const job of inserted) {
      p.jobs.set(job.id, job);
      changed.push(job);
    }
    // Only a job that becomes a retried attempt leaves the set that dependencies are taken from.
    if (inserted.length > 0 || rows.some((m) => m.retried === true)) {
      this.earlierStages.changed(pipelineId);
    }
    p.tally = nextTally;
    if (pipelineChanged) p.record = { ...p.record, status, canceledByUser, finishedAt };
    for (const job of changed) {
      this.index(job);
      this.emit({ type: "job", job });
    }
    if (pipelineChanged) this.emit({ type: "pipeline", pipeline: p.record });

    for (const job of changed) {
      if (job.status === "pending" && job.trigger !== null && job.childPipelineId === null) {
        await this.startTrigger(job, p.record);
      }
    }
    if (finished) await this.retire(p);
  }

  private async startTrigger(job: JobRecord, pipeline: PipelineRecord): Promise<void> {
    const now = this.clock();
    const strategy = job.trigger?.strategy ?? "none";
    // Until the coordinator has wired its starter (during load), due trigger jobs wait for resumeTriggers.
    const starter = this.triggerStarter;
    if (starter === null) return;
    try {
      const child = await this.insertPipeline(await starter(job, pipeline));
      await this.commit(pipeline.id, [
        strategy === "depend"
          ? { id: job.id, status: "running", startedAt: now, childPipelineId: child.id }
          : { id: job.id, status: "success", startedAt: now, finishedAt: now, childPipelineId: child.id },
      ]);
      await this.startPipeline(child.id);
    } catch (err) {
      const message = err instanceof RunfleetError ? err.format() : String(err);
      const size = (await this.store.getJob(job.id))?.traceSize ?? 0;
      await this.store.appendTrace(
        job.id,
        size,
        Buffer.from(`could not create the child pipeline: ${message}\n`),
      );
      await this.commit(pipeline.id, [
        { id: job.id, status: "failed", failureReason: "unknown_failure", startedAt: now, finishedAt: now },
      ]);
    }
  }

  /** A finished pipeline leaves memory; a parent trigger job with `strategy: depend` takes its status. */
  private async retire(p: ActivePipeline): Promise<void> {
    if (!this.active.has(p.record.id)) return;
    this.active.delete(p.record.id);
    this.earlierStages.forget(p.record.id);
    for (const job of p.jobs.values()) {
      this.jobPipeline.delete(job.id);
      this.heartbeats.forget(job.id);
      if (job.tokenHash !== null) this.tokens.delete(job.tokenHash);
    }
    const parentId = p.record.parentPipelineId;
    const parentJobId = p.record.parentJobId;
    if (parentId === null || parentJobId === null) return;
    const parentJob = this.active.get(parentId)?.jobs.get(parentJobId);
    if (parentJob === undefined || parentJob.trigger?.strategy !== "depend" || isFinished(parentJob.status))
      return;
    const now = this.clock();
    const status = p.record.status;
    const mirrored =
      status === "success" || status === "failed" || status === "canceled" || status === "skipped"
        ? status
        : "failed";
    await this.commit(parentId, [
      {
        id: parentJobId,
        status: mirrored,
        finishedAt: now,
        failureReason:
          mirrored === "failed" ? "unknown_failure" : mirrored === "canceled" ? "job_canceled" : null,
      },
    ]);
  }

  private emit(event: CoordinatorEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
