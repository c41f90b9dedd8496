/**
 * Fargate's launch-rate limit: a token bucket (EKS-only accounts: 20 pods/s sustained, burst 20).
 * `reserve` books the next token and says how long the caller must wait for it, so callers queue
 * in arrival order without a timer per token. Time is passed in: the bucket is pure.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Milliseconds until the reserved token may be used (0 when one is free now). */
  reserve(now: number): number {
    if (this.ratePerSecond <= 0) return 0;
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    this.updatedAt = Math.max(this.updatedAt, now);
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    return Math.ceil((-this.tokens * 1000) / this.ratePerSecond);
  }
}
