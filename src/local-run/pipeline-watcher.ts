import type { JobRecord, PipelineRecord } from "../coordinator/types.js";
import { isFinished } from "../protocol/index.js";
import type { JobLogs } from "./job-logs.js";
import type { LocalStack, StackEvent } from "./local-stack.js";
import { plainLine } from "./plain-log.js";
import type { ProgressView } from "./progress/progress-view.js";
import type { FinalJobStatus, JobRef } from "./progress/run-event.js";

/** How often running jobs' traces are read for live output lines. */
const OUTPUT_POLL_MS = 200;
/** How often unfinished pipelines are re-read, in case an end was not announced by an event. */
const STATUS_POLL_MS = 1000;

interface Tracked {
  record: JobRecord;
  ref: JobRef;
  started: boolean;
  finished: boolean;
  /** Characters of the trace already shown: always just after a newline, so no line is shown cut. */
  shown: number;
  log: string | null;
}

/** What the run knows about a job at the end, for the report and the closing view. */
export interface WatchedJob {
  readonly record: JobRecord;
  readonly name: string;
  readonly log: string | null;
}

/**
 * Follows one pipeline (and its child pipelines) through coordinator events: turns job status changes
 * into progress events, streams output lines of running jobs when the view shows them, writes each
 * finished job's log, and resolves `done` when the root pipeline ends.
 */
export class PipelineWatcher {
  private rootId: number | null = null;
  private readonly buffered: StackEvent[] = [];
  private readonly pipelines = new Map<number, PipelineRecord>();
  private readonly jobs = new Map<number, Tracked>();
  /**
   * Everything that reaches the view goes through one queue, so a job's start, output and end are
   * shown in the order they happened even though reading a trace and writing a log take time.
   */
  private chain: Promise<void> = Promise.resolve();
  private poller: NodeJS.Timeout | null = null;
  private statusPoller: NodeJS.Timeout | null = null;
  private logs: JobLogs | null = null;
  private resolveDone: (p: PipelineRecord) => void = () => {};
  readonly done: Promise<PipelineRecord>;

  constructor(
    private readonly stack: LocalStack,
    private readonly view: ProgressView,
    private readonly streamOutput: boolean,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Events may arrive before `submit` returns the root pipeline's id; they wait until then. */
  handle = (event: StackEvent): void => {
    if (this.rootId === null) {
      this.buffered.push(event);
      return;
    }
    if (event.type === "pipeline") this.onPipeline(event.pipeline);
    else this.onJob(event.job);
  };

  /** From now on events are handled; jobs' logs go to `logs` (a folder named after the pipeline). */
  start(root: PipelineRecord, logs: JobLogs): void {
    this.logs = logs;
    this.rootId = root.id;
    this.pipelines.set(root.id, root);
    if (this.streamOutput) {
      this.poller = setInterval(() => this.pollOutput(), OUTPUT_POLL_MS);
      this.poller.unref();
    }
    this.statusPoller = setInterval(() => this.pollStatuses(), STATUS_POLL_MS);
    this.statusPoller.unref();
    for (const event of this.buffered.splice(0)) this.handle(event);
    // The pipeline may have ended before we were listening (e.g. every job skipped).
    this.onPipeline(root);
  }

  /** Jobs of the root pipeline and its children; the newest attempt of each name. */
  finalJobs(): WatchedJob[] {
    const byName = new Map<string, Tracked>();
    for (const t of this.jobs.values()) {
      const prev = byName.get(t.ref.name);
      if (prev === undefined || prev.record.id < t.record.id) byName.set(t.ref.name, t);
    }
    return [...byName.values()]
      .sort(
        (a, b) =>
          a.record.pipelineId - b.record.pipelineId ||
          a.record.stageIndex - b.record.stageIndex ||
          a.record.id - b.record.id,
      )
      .map((t) => ({ record: t.record, name: t.ref.name, log: t.log }));
  }

  /** Adds the jobs the events did not mention (never started: manual, created) from the store. */
  async complete(): Promise<void> {
    for (const pipelineId of this.pipelines.keys()) {
      for (const job of await this.stack.listJobs(pipelineId)) {
        const known = this.jobs.get(job.id);
        if (known === undefined) this.track(job);
        else known.record = job;
      }
    }
  }

  /** Waits for every log being written and stops output polling. */
  async settle(): Promise<void> {
    if (this.poller !== null) clearInterval(this.poller);
    if (this.statusPoller !== null) clearInterval(this.statusPoller);
    for (let last: Promise<void> | null = null; last !== this.chain; ) {
      last = this.chain;
      await last;
    }
  }

  /** Ends the wait without the pipeline's last event (the runner was stopped by a second Ctrl-C). */
  abandon(): void {
    const root = this.rootId === null ? undefined : this.pipelines.get(this.rootId);
    if (root !== undefined) this.resolveDone({ ...root, status: "canceled" });
  }

  private pollStatuses(): void {
    for (const known of this.pipelines.values()) {
      if (isRunEnd(known.status)) continue;
      void this.stack.getPipeline(known.id).then(
        (fresh) => {
          if (fresh !== undefined && fresh.status !== known.status) this.onPipeline(fresh);
        },
        () => undefined,
      );
    }
  }

  private onPipeline(pipeline: PipelineRecord): void {
    const ours =
      pipeline.id === this.rootId ||
      (pipeline.parentPipelineId !== null && this.pipelines.has(pipeline.parentPipelineId));
    if (!ours) return;
    this.pipelines.set(pipeline.id, pipeline);
    // Child pipelines run on after their trigger job (without `strategy: depend`, even after the
    // parent ended): the run lasts until every pipeline of the tree has ended.
    const root = this.rootId === null ? undefined : this.pipelines.get(this.rootId);
    if (root !== undefined && [...this.pipelines.values()].every((p) => isRunEnd(p.status))) {
      void this.settle().then(() => this.resolveDone(root));
    }
  }

  private onJob(job: JobRecord): void {
    if (!this.pipelines.has(job.pipelineId)) return;
    const t = this.jobs.get(job.id) ?? this.track(job);
    t.record = job;
    if (!t.started && (job.status === "running" || (isFinished(job.status) && job.startedAt !== null))) {
      t.started = true;
      const at = job.startedAt ?? Date.now();
      this.after(t, async () => this.view.event({ kind: "job_started", job: t.ref, at }));
    }
    if (!t.finished && isFinished(job.status)) {
      t.finished = true;
      this.after(t, () => this.finish(t));
    }
  }

  private track(job: JobRecord): Tracked {
    const t: Tracked = {
      record: job,
      ref: { id: job.id, name: this.displayName(job), baseName: this.baseName(job), stage: job.stage },
      started: false,
      finished: false,
      shown: 0,
      log: null,
    };
    this.jobs.set(job.id, t);
    return t;
  }

  private async finish(t: Tracked): Promise<void> {
    const job = t.record;
    const ran = job.startedAt !== null;
    if (ran) {
      if (this.streamOutput) await this.readOutput(t, true);
      const trace = await this.stack.readTrace(job.id);
      if (this.logs !== null) t.log = await this.logs.write(t.ref.name, trace);
    }
    this.view.event({
      kind: "job_finished",
      job: t.ref,
      status: job.status as FinalJobStatus,
      exitCode: job.exitCode,
      durationMs:
        ran && job.finishedAt !== null && job.startedAt !== null ? job.finishedAt - job.startedAt : 0,
      allowFailure: job.status === "failed" && failureAllowed(job),
      failureReason: job.failureReason,
      willRetry: job.retried,
      at: job.finishedAt ?? Date.now(),
    });
  }

  private polling = false;

  private pollOutput(): void {
    if (this.polling) return;
    this.polling = true;
    for (const t of this.jobs.values()) {
      if (t.started && !t.finished) this.after(t, () => this.readOutput(t, false));
    }
    this.after(null, async () => {
      this.polling = false;
    });
  }

  private async readOutput(t: Tracked, final: boolean): Promise<void> {
    const trace = await this.stack.readTrace(t.record.id);
    const end = final ? trace.length : trace.lastIndexOf("\n") + 1;
    if (end <= t.shown) return;
    const lines = trace.slice(t.shown, end).split("\n");
    t.shown = end;
    for (const raw of lines) {
      const line = plainLine(raw);
      if (line !== "") this.view.event({ kind: "job_output", job: t.ref, line });
    }
  }

  private after(t: Tracked | null, work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch((err: unknown) => {
      this.view.event({ kind: "notice", message: `warning: ${t?.ref.name ?? "run"}: ${String(err)}` });
    });
  }

  /** `[trigger] -> job` for child pipeline jobs (`[a -> b] -> job` when nested), as GitLab's UI reads. */
  private displayName(job: JobRecord): string {
    const chain: string[] = [];
    let pipeline = this.pipelines.get(job.pipelineId);
    while (pipeline !== undefined && pipeline.parentJobId !== null) {
      const trigger = this.jobs.get(pipeline.parentJobId);
      chain.unshift(trigger?.record.name ?? `job ${pipeline.parentJobId}`);
      pipeline = trigger === undefined ? undefined : this.pipelines.get(trigger.record.pipelineId);
    }
    return chain.length === 0 ? job.name : `[${chain.join(" -> ")}] -> ${job.name}`;
  }

  private baseName(job: JobRecord): string {
    const name = this.displayName(job);
    return job.parallel !== null ? name.replace(/ \d+\/\d+$/, "").replace(/: \[[^\]]*\]$/, "") : name;
  }
}

/** `manual` means blocked on a manual job: nothing more happens in a local run without naming it. */
function isRunEnd(status: PipelineRecord["status"]): boolean {
  return (
    status === "success" ||
    status === "failed" ||
    status === "canceled" ||
    status === "skipped" ||
    status === "manual"
  );
}

/** A failure is allowed when `allow_failure` is true or its exit code is one of `exit_codes`. */
export function failureAllowed(
  job: Pick<JobRecord, "allowFailure" | "allowFailureExitCodes" | "exitCode">,
): boolean {
  if (job.allowFailure) return true;
  return job.exitCode !== null && job.allowFailureExitCodes.includes(job.exitCode);
}
