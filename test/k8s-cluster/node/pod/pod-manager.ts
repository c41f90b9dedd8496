import type { InformerHandler } from "../kube/informer.js";
import type { Pod } from "../kube/types.js";
import { PodWorker, type WorkerDeps } from "./pod-worker.js";

/** Routes watch events of the pods bound to this node to one worker per pod uid. */
export class PodManager implements InformerHandler<Pod> {
  private readonly workers = new Map<string, PodWorker>();
  private stopping = false;

  constructor(
    private readonly deps: WorkerDeps,
    private readonly nodeName: string,
  ) {}

  get size(): number {
    return this.workers.size;
  }

  upsert(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (!uid || pod.spec.nodeName !== this.nodeName) return;
    const worker = this.workers.get(uid);
    if (worker) {
      worker.update(pod);
      return;
    }
    if (this.stopping) return;
    this.workers.set(uid, new PodWorker(this.deps, pod));
  }

  remove(pod: Pod): void {
    const uid = pod.metadata.uid;
    const worker = uid ? this.workers.get(uid) : undefined;
    if (!uid || !worker) return;
    worker.gone();
    void worker.done.finally(() => {
      if (this.workers.get(uid) === worker) this.workers.delete(uid);
    });
  }

  /** Stops every pod (bounded grace) and waits for their containers to be gone. */
  async shutdown(maxGraceSeconds: number): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.workers.values()].map((w) => w.shutdown(maxGraceSeconds)));
  }
}
