/**
 * Exponential backoff with jitter, as GitLab Runner's retry requester does it: the n-th wait doubles
 * from `minMs` up to `maxMs`, scaled by a random factor in [0.5, 1.5) so retries from many runners spread.
 */
export interface BackoffPolicy {
  readonly minMs: number;
  readonly maxMs: number;
}

export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxMs, policy.minMs * 2 ** Math.max(0, attempt));
  return Math.min(policy.maxMs, Math.round(base * (0.5 + random())));
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds, or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Status codes GitLab Runner retries: request timeout, rate limit and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return (
    status === 408 ||
    status === 429 ||
    status === 500 ||
    status === 502 ||
    status === 503 ||
    status === 504 ||
    status >= 512
  );
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
