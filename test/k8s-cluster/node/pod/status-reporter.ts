import { isApiStatus } from "../kube/kube-api-error.js";
import type { KubeClient } from "../kube/kube-client.js";
import type { PodStatus } from "../kube/types.js";

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Sends a pod's status through the status subresource, coalescing bursts: while one PATCH is in
 * flight, further reports only mark the status dirty and the newest state goes next. The patch
 * carries the pod's uid, so a recreated pod of the same name is never written to (409).
 */
export class StatusReporter {
  private dirty = false;
  private pumping: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly name: string,
    private readonly uid: string,
    private readonly build: () => PodStatus,
    private readonly log: (message: string) => void,
  ) {}

  report(): void {
    if (this.stopped) return;
    this.dirty = true;
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  /** Resolves when the newest reported state has been written (or given up on). */
  async flush(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.pumping && Date.now() < until) {
      const left = until - Date.now();
      await (Number.isFinite(left)
        ? Promise.race([this.pumping, new Promise((done) => setTimeout(done, left).unref())])
        : this.pumping);
    }
  }

  /** The pod is gone from the API: nothing more to write. */
  stop(): void {
    this.stopped = true;
  }

  private async pump(): Promise<void> {
    let failures = 0;
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        await this.client.call("PATCH", `/api/v1/namespaces/${this.namespace}/pods/${this.name}/status`, {
          body: { metadata: { uid: this.uid }, status: this.build() },
          contentType: "application/merge-patch+json",
        });
        failures = 0;
      } catch (err) {
        if (isApiStatus(404, err) || isApiStatus(409, err)) {
          this.stopped = true;
          return;
        }
        failures++;
        this.log(
          `status of ${this.namespace}/${this.name}: ${err instanceof Error ? err.message : String(err)}`,
        );
        if (failures >= 20) return;
        this.dirty = true;
        await sleep(Math.min(200 * 2 ** failures, 5000));
      }
    }
  }
}
