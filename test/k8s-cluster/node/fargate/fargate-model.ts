import { abortableSleep } from "./abortable-sleep.js";
import { drawLatency, type LatencyRange } from "./start-latency.js";
import { TokenBucket } from "./token-bucket.js";

export interface FargateModelOptions {
  readonly startLatency: LatencyRange;
  readonly launchRatePerSecond: number;
  readonly launchBurst: number;
}

/**
 * The platform's shape before a pod runs: first a launch token (account-wide rate limit), then the
 * micro-VM's start latency. Resolves false when `signal` aborts (the pod was deleted meanwhile).
 */
export class FargateModel {
  private readonly bucket: TokenBucket;

  constructor(private readonly options: FargateModelOptions) {
    this.bucket = new TokenBucket(options.launchRatePerSecond, options.launchBurst, Date.now());
  }

  /** Milliseconds this launch will wait in total; books the launch token. */
  plan(): number {
    return this.bucket.reserve(Date.now()) + drawLatency(this.options.startLatency);
  }

  waitForLaunch(signal: AbortSignal): Promise<boolean> {
    const ms = this.plan();
    if (ms === 0) return Promise.resolve(!signal.aborted);
    return abortableSleep(ms, signal);
  }
}
