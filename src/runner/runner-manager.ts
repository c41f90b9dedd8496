/**
 * The runner manager: for each `[[runners]]` entry it keeps `request_concurrency` long polls on
 * `POST /jobs/request` open while there is capacity (`concurrent` overall, `limit` per entry), acknowledges
 * each job it gets (`PUT state=running`), runs it on the entry's executor in a free slot, and reports it.
 * `drain()` stops asking for work and waits; `stop()` also kills running jobs and reports them failed.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter, setMaxListeners } from "node:events";
import { createExecutor, type Executor } from "../executors/index.js";
import { Headers as H, type JobPayload, type RunnerInfoBody } from "../protocol/index.js";
import { GitLabApiClient, runnerInfo } from "./api-client.js";
import { backoffDelay, retryAfterMs, sleep } from "./backoff.js";
import type { LogLevel, RunnerEntryConfig, RunnerManagerConfig } from "./config.js";
import { runBuild } from "./job-build.js";
import { type JobOutcome, outcomeUpdate } from "./job-outcome.js";
import { parseJobPayload } from "./parse-job-payload.js";

export interface JobStartEvent {
  readonly jobId: number;
  readonly name: string;
  readonly stage: string;
  readonly runner: string;
  readonly slot: number;
}

export interface JobEndEvent extends JobStartEvent {
  readonly outcome: JobOutcome;
  readonly state: "success" | "failed";
  readonly failureReason: string | undefined;
  readonly exitCode: number | undefined;
  readonly durationMs: number;
}

export interface JobTraceEvent {
  readonly jobId: number;
  readonly chunk: Buffer;
}

export interface RunnerManagerEvents {
  "job-start": [JobStartEvent];
  "job-end": [JobEndEvent];
  "job-trace": [JobTraceEvent];
}

export type LogSink = (level: LogLevel, message: string) => void;

export interface RunnerManagerOptions {
  readonly config: RunnerManagerConfig;
  /** `r_…` id of this host; a fresh one per process when absent. */
  readonly systemId?: string;
  readonly log?: LogSink;
  /** First trace interval in ms (default 3000); the coordinator's header takes over after that. */
  readonly traceIntervalMs?: number;
  /** Builds the executor of an entry; the registry by default. */
  readonly executorFor?: (entry: RunnerEntryConfig) => Executor;
}

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "fatal", "panic"];
const UNHEALTHY_REQUESTS_LIMIT = 3;
const UNHEALTHY_INTERVAL_MS = 60 * 60_000;

export function newSystemId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return `r_${[...randomBytes(12)].map((b) => alphabet[b % alphabet.length]).join("")}`;
}

function stderrLog(threshold: LogLevel): LogSink {
  const min = LEVELS.indexOf(threshold);
  return (level, message) => {
    if (LEVELS.indexOf(level) >= min)
      process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${message}\n`);
  };
}

class EntryState {
  running = 0;
  reserved = 0;
  lastUpdate = "";
  forbidden = 0;
  private readonly slots = new Set<number>();
  /** Sent with every job request: built once. */
  readonly info: RunnerInfoBody;

  constructor(
    readonly config: RunnerEntryConfig,
    readonly client: GitLabApiClient,
    readonly executor: Executor,
  ) {
    this.info = runnerInfo(config.executor, executor.name);
  }

  takeSlot(): number {
    let slot = 0;
    while (this.slots.has(slot)) slot++;
    this.slots.add(slot);
    return slot;
  }

  freeSlot(slot: number): void {
    this.slots.delete(slot);
  }
}

export class RunnerManager extends EventEmitter<RunnerManagerEvents> {
  private readonly entries: EntryState[];
  private readonly log: LogSink;
  private readonly systemId: string;
  private readonly pollAbort = new AbortController();
  private readonly shutdown = new AbortController();
  private readonly pollers: Promise<void>[] = [];
  private readonly jobs = new Set<Promise<void>>();
  private waiters: (() => void)[] = [];
  private running = 0;
  private reserved = 0;
  private started = false;

  constructor(private readonly options: RunnerManagerOptions) {
    super();
    this.log = options.log ?? stderrLog(options.config.logLevel);
    this.systemId = options.systemId ?? newSystemId();
    // Every request in flight and every running job listens on these: many listeners, no leak.
    setMaxListeners(0, this.pollAbort.signal, this.shutdown.signal);
    this.entries = options.config.runners.map(
      (entry) =>
        new EntryState(
          entry,
          new GitLabApiClient(entry.url),
          options.executorFor?.(entry) ??
            createExecutor(entry.executor, {
              buildsDir: entry.buildsDir,
              customBuildDir: entry.customBuildDirEnabled,
              section: entry.executorSection,
            }),
        ),
    );
  }

  /** Jobs running right now. */
  get runningJobs(): number {
    return this.running;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const entry of this.entries) {
      void this.verify(entry);
      for (let i = 0; i < entry.config.requestConcurrency; i++) this.pollers.push(this.poll(entry));
    }
    this.log(
      "info",
      `runner manager started: ${this.entries.length} runner(s), concurrent=${this.options.config.concurrent}`,
    );
  }

  /** Stops asking for jobs and waits for the running ones to finish. */
  async drain(): Promise<void> {
    this.pollAbort.abort();
    this.wake();
    await Promise.all(this.pollers);
    while (this.jobs.size > 0) await Promise.all([...this.jobs]);
    await Promise.all(this.entries.map((e) => e.executor.close?.()));
  }

  /** Stops asking for jobs, kills the running ones and reports them failed (`runner_system_failure`). */
  async stop(): Promise<void> {
    this.shutdown.abort();
    await this.drain();
  }

  private async verify(entry: EntryState): Promise<void> {
    try {
      const res = await entry.client.verifyRunner({
        token: entry.config.token,
        system_id: this.systemId,
        info: runnerInfo(entry.config.executor, entry.executor.name),
      });
      if (res.status === 403)
        this.log("error", `${entry.config.name}: the coordinator refused the runner token (403)`);
    } catch (err) {
      this.log(
        "warn",
        `${entry.config.name}: verify failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private hasCapacity(entry: EntryState): boolean {
    const { concurrent } = this.options.config;
    if (this.running + this.reserved >= concurrent) return false;
    const limit = entry.config.limit;
    return limit === 0 || entry.running + entry.reserved < limit;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Reserves capacity for one request; false when the manager is draining. */
  private async reserve(entry: EntryState): Promise<boolean> {
    while (!this.pollAbort.signal.aborted) {
      if (this.hasCapacity(entry)) {
        this.reserved++;
        entry.reserved++;
        return true;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return false;
  }

  private release(entry: EntryState): void {
    this.reserved--;
    entry.reserved--;
    this.wake();
  }

  private async poll(entry: EntryState): Promise<void> {
    const signal = this.pollAbort.signal;
    const interval = this.options.config.checkInterval * 1000;
    let failures = 0;
    while (!signal.aborted) {
      if (!(await this.reserve(entry))) return;
      const started = Date.now();
      let status: number;
      let payload: JobPayload | undefined;
      let retryAfter: number | undefined;
      try {
        const res = await entry.client.requestJob(
          {
            token: entry.config.token,
            system_id: this.systemId,
            last_update: entry.lastUpdate,
            info: entry.info,
          },
          signal,
        );
        status = res.status;
        const lastUpdate = res.headers.get(H.lastUpdate);
        if (lastUpdate !== null) entry.lastUpdate = lastUpdate;
        retryAfter = retryAfterMs(res.headers.get("Retry-After"));
        if (status === 201) payload = parseJobPayload(JSON.parse(res.body.toString("utf8")));
      } catch (err) {
        this.release(entry);
        if (signal.aborted) return;
        failures++;
        this.log(
          "warn",
          `${entry.config.name}: job request failed: ${err instanceof Error ? err.message : String(err)}`,
        );
        await sleep(backoffDelay(failures, { minMs: 1_000, maxMs: 60_000 }), signal);
        continue;
      }
      if (payload !== undefined) {
        failures = 0;
        entry.forbidden = 0;
        this.startJob(entry, payload);
        continue; // ask again at once, as GitLab Runner does
      }
      this.release(entry);
      if (status === 204) {
        failures = 0;
        entry.forbidden = 0;
        // A long poll already waited; an immediate "nothing" waits out check_interval.
        await sleep(Math.max(0, interval - (Date.now() - started)), signal);
      } else if (status === 409) {
        await sleep(50 + Math.random() * 200, signal);
      } else if (status === 403) {
        entry.forbidden++;
        const pause = entry.forbidden >= UNHEALTHY_REQUESTS_LIMIT ? UNHEALTHY_INTERVAL_MS : interval;
        this.log(
          "error",
          `${entry.config.name}: job request forbidden (403): token invalid or runner removed; next try in ${Math.round(pause / 1000)}s`,
        );
        await sleep(pause, signal);
      } else {
        failures++;
        this.log("warn", `${entry.config.name}: job request answered ${status}`);
        await sleep(retryAfter ?? backoffDelay(failures, { minMs: 1_000, maxMs: 60_000 }), signal);
      }
    }
  }

  private startJob(entry: EntryState, payload: JobPayload): void {
    // The reservation becomes a running job.
    this.reserved--;
    entry.reserved--;
    this.running++;
    entry.running++;
    const slot = entry.takeSlot();
    const job = this.runJob(entry, payload, slot).finally(() => {
      entry.freeSlot(slot);
      this.running--;
      entry.running--;
      this.jobs.delete(job);
      this.wake();
    });
    this.jobs.add(job);
  }

  private async runJob(entry: EntryState, payload: JobPayload, slot: number): Promise<void> {
    const base: JobStartEvent = {
      jobId: payload.id,
      name: payload.job_info.name,
      stage: payload.job_info.stage,
      runner: entry.config.name,
      slot,
    };
    try {
      const ack = await entry.client.updateJob(payload.id, payload.token, {
        token: payload.token,
        state: "running",
      });
      const jobStatus = ack.headers.get(H.jobStatus);
      if (ack.status === 403 || ack.status === 409 || jobStatus === "canceling" || jobStatus === "canceled") {
        this.log(
          "warn",
          `${entry.config.name}: job ${payload.id} dropped: the coordinator answered ${ack.status} ${jobStatus ?? ""}`.trim(),
        );
        return;
      }
    } catch (err) {
      // Without an acknowledgement the coordinator hands the job out again once its heartbeat lapses.
      this.log(
        "warn",
        `${entry.config.name}: job ${payload.id} not acknowledged: ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    this.emit("job-start", base);
    this.log(
      "info",
      `${entry.config.name}: job ${payload.id} (${payload.job_info.name}) started in slot ${slot}`,
    );
    const onTrace =
      this.listenerCount("job-trace") > 0
        ? (chunk: Buffer) => this.emit("job-trace", { jobId: payload.id, chunk })
        : undefined;
    const result = await runBuild({
      client: entry.client,
      runner: entry.config,
      executor: entry.executor,
      payload,
      slot,
      shutdown: this.shutdown.signal,
      ...(this.options.traceIntervalMs !== undefined
        ? { traceIntervalMs: this.options.traceIntervalMs }
        : {}),
      ...(onTrace ? { onTrace } : {}),
    });
    const update = outcomeUpdate(result.outcome, payload.features.failure_reasons);
    this.log(
      "info",
      `${entry.config.name}: job ${payload.id} (${payload.job_info.name}) ${update.state} in ${result.durationMs} ms`,
    );
    this.emit("job-end", {
      ...base,
      outcome: result.outcome,
      state: update.state === "success" ? "success" : "failed",
      failureReason: update.failure_reason,
      exitCode:
        result.outcome.kind === "script_failed"
          ? result.outcome.exitCode
          : update.state === "success"
            ? 0
            : undefined,
      durationMs: result.durationMs,
    });
  }
}
