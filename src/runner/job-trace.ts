/**
 * Streams one job's trace to the coordinator and carries its state reports: incremental `PATCH …/trace`
 * with `Content-Range` (resynced on 416 from `Range`), the interval the coordinator asks for, a keep-alive
 * `PUT` when nothing was sent for 30 s, cancel notices from `Job-Status`, and the final update with its
 * retries (202 → wait and repeat, 5xx → back off).
 */
import { Headers as H, type JobUpdateRequest } from "../protocol/index.js";
import { type ApiResponse, type GitLabApiClient, NO_RETRY } from "./api-client.js";
import { backoffDelay, sleep } from "./backoff.js";
import type { TraceBuffer } from "./trace-buffer.js";

/** What the coordinator told us about a running job. */
export type RemoteJobSignal = "cancel_gracefully" | "abort";

export interface JobTraceOptions {
  readonly client: GitLabApiClient;
  readonly jobId: number;
  readonly jobToken: string;
  readonly buffer: TraceBuffer;
  readonly onRemoteSignal: (signal: RemoteJobSignal) => void;
  readonly initialIntervalMs?: number;
  readonly keepAliveMs?: number;
  readonly finalUpdateAttempts?: number;
}

export type FinalUpdate = Pick<JobUpdateRequest, "state" | "failure_reason" | "exit_code">;

const MAX_INTERVAL_MS = 15 * 60_000;
const MAX_RESYNCS = 10;

/** `Range: 0-<n>` → n (the coordinator's stored size). */
export function parseRangeEnd(header: string | null): number | undefined {
  const match = header?.match(/^\s*(?:bytes\s*)?(\d+)-(\d+)\s*$/);
  return match?.[2] === undefined ? undefined : Number(match[2]);
}

/** `X-GitLab-Trace-Update-Interval` in ms, clamped; undefined when absent or unreadable. */
export function parseIntervalMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return Math.min(MAX_INTERVAL_MS, seconds * 1000);
}

export class JobTrace {
  private intervalMs: number;
  private readonly keepAliveMs: number;
  private lastContact = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** 404 or 403 on the trace: the coordinator no longer wants it. */
  private gone = false;
  private signalled: RemoteJobSignal | undefined;

  constructor(private readonly options: JobTraceOptions) {
    this.intervalMs = options.initialIntervalMs ?? 3_000;
    this.keepAliveMs = options.keepAliveMs ?? 30_000;
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Sends everything buffered so far; true when the coordinator has all of it. */
  flush(): Promise<boolean> {
    const run = this.chain.then(() => this.sendPending());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Flushes the trace, then reports the final state until the coordinator accepts it. */
  async finalUpdate(update: FinalUpdate): Promise<void> {
    this.stop();
    this.options.buffer.finish();
    const attempts = this.options.finalUpdateAttempts ?? 10;
    for (let i = 0; i < attempts && !this.gone; i++) {
      if (await this.flush().catch(() => false)) break;
      await sleep(backoffDelay(i, { minMs: 200, maxMs: 10_000 }));
    }
    let waitedFor202 = 0;
    for (let attempt = 0; attempt < attempts; ) {
      let res: ApiResponse;
      try {
        res = await this.put(update);
      } catch {
        await sleep(backoffDelay(attempt++, { minMs: 1_000, maxMs: 60_000 }));
        continue;
      }
      if (res.status === 200 || res.status === 201 || res.status === 403 || res.status === 404) return;
      if (res.status === 202 && waitedFor202 < 5 * 60_000) {
        const wait = parseIntervalMs(res.headers.get(H.traceUpdateInterval)) ?? 1_000;
        waitedFor202 += wait;
        await sleep(wait);
        continue;
      }
      if (res.status === 412) {
        this.options.buffer.acknowledge(0);
        await this.flush().catch(() => false);
      }
      await sleep(backoffDelay(attempt++, { minMs: 1_000, maxMs: 60_000 }));
    }
  }

  private put(update: FinalUpdate): Promise<ApiResponse> {
    const { client, jobId, jobToken, buffer } = this.options;
    const body: JobUpdateRequest = {
      token: jobToken,
      state: update.state,
      ...(update.failure_reason ? { failure_reason: update.failure_reason } : {}),
      ...(update.exit_code ? { exit_code: update.exit_code } : {}),
      output: { checksum: buffer.checksum(), bytesize: buffer.byteSize },
    };
    this.lastContact = Date.now();
    return client.updateJob(jobId, jobToken, body, NO_RETRY);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    await this.flush().catch(() => false);
    if (this.stopped || this.gone) return;
    // Without output there is no patch to carry `Job-Status`; a keep-alive at the coordinator's
    // interval (at least 3 s, at most the 30 s force-send interval) notices a cancel promptly.
    const keepAlive = Math.min(this.keepAliveMs, Math.max(this.intervalMs, 3_000));
    if (Date.now() - this.lastContact >= keepAlive) {
      try {
        const res = await this.put({ state: "running" });
        this.noteStatus(res);
      } catch {
        // the next tick tries again
      }
    }
  }

  private async sendPending(): Promise<boolean> {
    const { client, jobId, jobToken, buffer } = this.options;
    let resyncs = 0;
    for (;;) {
      if (this.gone) return true;
      const patch = buffer.nextPatch();
      if (patch === undefined) return true;
      const res = await client.patchTrace(jobId, jobToken, patch.start, patch.bytes);
      this.lastContact = Date.now();
      this.noteStatus(res);
      const interval = parseIntervalMs(res.headers.get(H.traceUpdateInterval));
      if (interval !== undefined) this.intervalMs = interval;
      if (res.status === 202) {
        buffer.acknowledge(parseRangeEnd(res.headers.get(H.range)) ?? patch.start + patch.bytes.length);
        continue;
      }
      if (res.status === 416 && resyncs++ < MAX_RESYNCS) {
        const stored = parseRangeEnd(res.headers.get(H.range));
        if (stored === undefined) return false;
        buffer.acknowledge(stored);
        continue;
      }
      if (res.status === 403 || res.status === 404) {
        this.gone = true;
        if (res.status === 403) this.raise("abort");
        return true;
      }
      return false;
    }
  }

  private noteStatus(res: ApiResponse): void {
    const status = res.headers.get(H.jobStatus);
    if (status === null || status === "running" || status === "pending") {
      if (res.status === 403) this.raise("abort");
      return;
    }
    this.raise(status === "canceling" ? "cancel_gracefully" : "abort");
  }

  private raise(signal: RemoteJobSignal): void {
    if (this.signalled === "abort" || this.signalled === signal) return;
    this.signalled = signal;
    this.options.onRemoteSignal(signal);
  }
}
