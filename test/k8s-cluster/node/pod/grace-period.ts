import type { RunningContainer } from "../runtimes/pod-runtime.js";

/**
 * SIGTERM, then SIGKILL when the grace period ends, for a changing set of containers. A later
 * request with a shorter grace brings the SIGKILL forward (a second `kubectl delete
 * --grace-period`), never back. Containers that start after the SIGKILL get it at once.
 */
export class GracePeriod {
  private killAt = Number.POSITIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private killedAll = false;

  constructor(private readonly containers: () => Iterable<RunningContainer>) {}

  get killed(): boolean {
    return this.killedAll;
  }

  /** Schedules (or brings forward) the SIGKILL; the caller sends the SIGTERMs. */
  killAfter(graceSeconds: number): void {
    const at = Date.now() + graceSeconds * 1000;
    if (at >= this.killAt) return;
    this.killAt = at;
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.killedAll = true;
        for (const container of this.containers()) container.kill("SIGKILL");
      },
      Math.max(0, at - Date.now()),
    );
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** Terminates `containers` now with SIGTERM and SIGKILLs the ones still running after `graceSeconds`. */
export function terminateWithGrace(containers: readonly RunningContainer[], graceSeconds: number): void {
  if (containers.length === 0) return;
  const running = new Set(containers);
  for (const c of containers) {
    void c.exited.then(() => running.delete(c));
    c.kill("SIGTERM");
  }
  const timer = setTimeout(() => {
    for (const c of running) c.kill("SIGKILL");
  }, graceSeconds * 1000);
  void Promise.all(containers.map((c) => c.exited)).then(() => clearTimeout(timer));
}
