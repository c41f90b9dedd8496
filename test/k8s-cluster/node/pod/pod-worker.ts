import { rmSync } from "node:fs";
import { join } from "node:path";
import { toRunfleetError } from "../../../../src/errors/index.js";
import { abortableSleep } from "../fargate/abortable-sleep.js";
import type { FargateModel } from "../fargate/fargate-model.js";
import type { KubeClient } from "../kube/kube-client.js";
import type { Container, Pod } from "../kube/types.js";
import type { LogStore, PodLogKey } from "../logs/log-store.js";
import {
  type ContainerExit,
  ContainerStartError,
  type PodRuntime,
  type RunningContainer,
} from "../runtimes/pod-runtime.js";
import type { ApiServerAddress } from "./container-env.js";
import { containerLaunch } from "./container-launch.js";
import type { ContainerRecord, PodRunState, PodVerdict } from "./container-run.js";
import type { EventRecorder, EventType } from "./event-recorder.js";
import type { NodeAllocatable, PodAddresses } from "./field-ref.js";
import { GracePeriod, terminateWithGrace } from "./grace-period.js";
import { deletePodNow, PodResources } from "./pod-resources.js";
import { buildPodStatus, computePhase } from "./pod-status.js";
import { StatusReporter } from "./status-reporter.js";
import {
  initialRunState,
  isTerminal,
  restartBackoffMs,
  restoreLostRuns,
  type StopCause,
  signal,
  stopVerdict,
  wasStartedBefore,
} from "./worker-support.js";

export interface WorkerDeps {
  readonly client: KubeClient;
  readonly runtime: PodRuntime;
  readonly logs: LogStore;
  readonly fargate: FargateModel;
  readonly addresses: PodAddresses;
  readonly allocatable: NodeAllocatable;
  readonly apiServer: ApiServerAddress;
  readonly stateDir: string;
  readonly log: (message: string) => void;
  readonly events: EventRecorder;
}

/**
 * One pod's life on this node: Fargate launch wait, volumes, init containers in order, app
 * containers (and native sidecars), restarts by policy, activeDeadlineSeconds, graceful deletion,
 * and the final DELETE that lets the pod disappear. Every change of state is reported through
 * the status subresource.
 */
export class PodWorker {
  readonly uid: string;
  readonly done: Promise<void>;
  private pod: Pod;
  private readonly state: PodRunState;
  private readonly specs = new Map<ContainerRecord, Container>();
  private readonly running = new Map<ContainerRecord, RunningContainer>();
  private readonly abort = new AbortController();
  private readonly reporter: StatusReporter;
  private readonly resources: PodResources;
  private stopCause: StopCause | undefined;
  private readonly grace = new GracePeriod(() => this.running.values());
  private deadlineTimer: NodeJS.Timeout | undefined;
  private appFinished = false;
  private finished = false;
  private removed = false;
  private deleting = false;
  /** The last event per container (or the pod), so retry loops do not repeat it every few seconds. */
  private readonly lastEvent = new Map<string, string>();

  constructor(
    private readonly deps: WorkerDeps,
    pod: Pod,
  ) {
    this.pod = pod;
    this.uid = pod.metadata.uid ?? "";
    this.state = initialRunState(pod, (record, container) => this.specs.set(record, container));
    const ns = this.namespace;
    this.reporter = new StatusReporter(
      deps.client,
      ns,
      pod.metadata.name,
      this.uid,
      () => buildPodStatus(this.pod, this.state, deps.addresses, new Date()),
      deps.log,
    );
    this.resources = new PodResources(
      deps.client,
      pod,
      join(deps.stateDir, "pods", this.uid),
      deps.addresses,
      deps.allocatable,
    );
    this.done = this.begin();
  }

  private get namespace(): string {
    return this.pod.metadata.namespace ?? "default";
  }

  private get logKey(): PodLogKey {
    return { namespace: this.namespace, pod: this.pod.metadata.name, uid: this.uid };
  }

  /** A newer version of the pod from the watch. */
  update(pod: Pod): void {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp) {
      this.stop("deleted", pod.metadata.deletionGracePeriodSeconds ?? 0);
    }
    if (this.state.startTime && !this.finished) this.armDeadline();
  }

  /** The pod is gone from the API (force-deleted): kill now, write nothing more. */
  gone(): void {
    this.removed = true;
    this.reporter.stop();
    this.stop("deleted", 0);
    // Its log files stay readable; only the in-memory handles go.
    void this.done.then(() => this.deps.logs.release(this.logKey));
  }

  /** The agent is stopping: give the pod at most `maxGrace` seconds, then kill it. */
  async shutdown(maxGraceSeconds: number): Promise<void> {
    this.stop("shutdown", Math.min(this.pod.spec.terminationGracePeriodSeconds ?? 30, maxGraceSeconds));
    await this.done;
  }

  private async begin(): Promise<void> {
    if (isTerminal(this.pod)) {
      this.finished = true;
      if (this.pod.metadata.deletionTimestamp) await this.deleteFromApi();
      return;
    }
    if (wasStartedBefore(this.pod)) {
      await this.markLost();
      return;
    }
    try {
      await this.run();
    } catch (err) {
      this.deps.log(`pod ${this.namespace}/${this.pod.metadata.name}: ${toRunfleetError(err).message}`);
      this.state.verdict ??= {
        phase: "Failed",
        reason: "NodeAgentError",
        message: toRunfleetError(err).message,
      };
    }
    await this.stopRemaining();
    await this.finish();
  }

  private async markLost(): Promise<void> {
    const now = new Date();
    restoreLostRuns(this.state, this.pod, now);
    this.state.startTime = this.pod.status?.startTime ? new Date(this.pod.status.startTime) : now;
    this.state.verdict = {
      phase: "Failed",
      reason: "NodeRestarted",
      message: "the node agent restarted; the pod's containers were stopped with it",
    };
    this.finished = true;
    this.reporter.report();
    await this.reporter.flush();
    if (this.pod.metadata.deletionTimestamp) await this.deleteFromApi();
  }

  private async run(): Promise<void> {
    this.state.startTime = new Date();
    this.armDeadline();
    this.reporter.report();
    if (!(await this.deps.fargate.waitForLaunch(this.abort.signal))) return;
    if (!(await this.prepare())) return;
    this.state.sandboxReady = true;
    this.reporter.report();
    const sidecars: Promise<void>[] = [];
    for (const record of this.state.init) {
      if (record.sidecar) {
        // The next init container starts once the sidecar runs (no startup probes on this node).
        const started = signal();
        sidecars.push(this.supervise(record, true, started.fire).then(started.fire));
        await started.promise;
        continue;
      }
      if (!(await this.supervise(record, false))) {
        await Promise.all(sidecars);
        return;
      }
    }
    for (const record of this.state.app) {
      if (record.state.kind === "waiting") record.state = { kind: "waiting", reason: "ContainerCreating" };
    }
    await Promise.all(this.state.app.map((record) => this.supervise(record, false)));
    this.appFinished = true;
    // Sidecars end after the app containers, with the pod's grace period.
    terminateWithGrace(
      [...this.running].filter(([record]) => record.sidecar).map(([, c]) => c),
      this.pod.spec.terminationGracePeriodSeconds ?? 30,
    );
    await Promise.all(sidecars);
  }

  /** Volumes need the API: retry until they can be written or the pod stops. */
  private prepare(): Promise<boolean> {
    return this.resources.prepareUntilReady(this.abort.signal, (message) => {
      this.deps.log(`pod ${this.namespace}/${this.pod.metadata.name}: volumes not ready: ${message}`);
      this.event("Warning", "FailedMount", message);
      for (const r of [...this.state.init, ...this.state.app]) {
        if (r.state.kind === "waiting") r.state = { kind: "waiting", reason: r.state.reason, message };
      }
      this.reporter.report();
    });
  }

  /**
   * Runs a container, restarting it as the policy says. Returns true when it ended successfully
   * (what init containers need to let the next one start).
   */
  private async supervise(record: ContainerRecord, sidecar: boolean, started?: () => void): Promise<boolean> {
    const policy = this.pod.spec.restartPolicy ?? "Always";
    for (;;) {
      const exit = await this.runOnce(record, started);
      if (!exit || this.abort.signal.aborted) return false;
      if (sidecar && this.appFinished) return true;
      let restart: boolean;
      if (sidecar) restart = true;
      else if (!this.state.app.includes(record)) restart = exit.exitCode !== 0 && policy !== "Never";
      else restart = policy === "Always" || (policy === "OnFailure" && exit.exitCode !== 0);
      if (!restart) return exit.exitCode === 0;
      record.lastState = record.state;
      record.restartCount++;
      record.state = {
        kind: "waiting",
        reason: "CrashLoopBackOff",
        message: `back-off restarting failed container ${record.name}`,
      };
      this.event(
        "Warning",
        "BackOff",
        `Back-off restarting failed container ${record.name} in pod ${this.pod.metadata.name}`,
        record.name,
      );
      this.reporter.report();
      if (!(await abortableSleep(restartBackoffMs(record.restartCount), this.abort.signal))) return false;
    }
  }

  /** One start of one container, to its exit. Undefined when it never started (the pod stopped). */
  private async runOnce(record: ContainerRecord, started?: () => void): Promise<ContainerExit | undefined> {
    const spec = this.specs.get(record);
    if (!spec) return undefined;
    for (;;) {
      if (this.abort.signal.aborted) return undefined;
      let launch: ReturnType<typeof containerLaunch>;
      try {
        launch = containerLaunch(record, spec, {
          pod: this.pod,
          resources: this.resources,
          addresses: this.deps.addresses,
          allocatable: this.deps.allocatable,
          apiServer: this.deps.apiServer,
        });
      } catch (err) {
        record.state = {
          kind: "waiting",
          reason: "CreateContainerConfigError",
          message: toRunfleetError(err).message,
        };
        this.event("Warning", "Failed", `Error: ${toRunfleetError(err).message}`, record.name, true);
        this.reporter.report();
        if (!(await abortableSleep(2000, this.abort.signal))) return undefined;
        await this.resources.fetchObjects().catch(() => undefined);
        continue;
      }
      const log = this.deps.logs.open(this.logKey, record.name, record.restartCount);
      let container: RunningContainer;
      try {
        container = await this.deps.runtime.start({ ...launch, log });
      } catch (err) {
        log.close();
        const failure = err instanceof ContainerStartError ? err : undefined;
        const message = toRunfleetError(err).message;
        if (failure?.outcome === "waiting") {
          record.state = { kind: "waiting", reason: failure.reason, message };
          this.event("Warning", failure.reason, message, record.name, true);
          this.reporter.report();
          if (!(await abortableSleep(5000, this.abort.signal))) return undefined;
          continue;
        }
        const finishedAt = new Date();
        record.state = {
          kind: "terminated",
          exitCode: 128,
          reason: failure?.reason ?? "StartError",
          message,
          finishedAt,
        };
        this.event("Warning", "Failed", `Error: ${message}`, record.name);
        this.reporter.report();
        return { exitCode: 128, reason: "Error", finishedAt };
      }
      this.running.set(record, container);
      if (this.grace.killed) container.kill("SIGKILL");
      else if (this.abort.signal.aborted) container.kill("SIGTERM");
      record.state = { kind: "running", id: container.id, startedAt: container.startedAt };
      this.event("Normal", "Created", `Created container: ${record.name}`, record.name);
      this.event("Normal", "Started", `Started container ${record.name}`, record.name);
      this.reporter.report();
      started?.();
      const exit = await container.exited;
      this.running.delete(record);
      log.close(exit.finishedAt);
      record.state = {
        kind: "terminated",
        id: container.id,
        exitCode: exit.exitCode,
        ...(exit.signal ? { signal: exit.signal } : {}),
        reason: exit.reason,
        startedAt: container.startedAt,
        finishedAt: exit.finishedAt,
      };
      this.reporter.report();
      return exit;
    }
  }

  private event(type: EventType, reason: string, message: string, container?: string, once = false): void {
    const key = container ?? "";
    if (once && this.lastEvent.get(key) === `${reason}:${message}`) return;
    this.lastEvent.set(key, `${reason}:${message}`);
    this.deps.events.record(this.pod, type, reason, message, container);
  }

  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const seconds = this.pod.spec.activeDeadlineSeconds;
    const start = this.state.startTime;
    if (seconds === undefined || !start || this.finished) return;
    const verdict: PodVerdict = {
      phase: "Failed",
      reason: "DeadlineExceeded",
      message: "Pod was active on the node longer than the specified deadline",
    };
    this.deadlineTimer = setTimeout(
      () => {
        if (this.finished || this.stopCause) return;
        this.state.verdict = verdict;
        this.event("Normal", "DeadlineExceeded", verdict.message);
        this.reporter.report();
        this.stop("deadline", this.pod.spec.terminationGracePeriodSeconds ?? 30);
      },
      Math.max(0, start.getTime() + seconds * 1000 - Date.now()),
    );
  }

  /** SIGTERM now, SIGKILL when the grace ends; a later, shorter grace brings the kill forward. */
  private stop(cause: StopCause, graceSeconds: number): void {
    if (this.finished) {
      if (cause === "deleted" && !this.removed) void this.deleteFromApi();
      return;
    }
    if (!this.stopCause || cause === "deleted") this.stopCause = cause;
    const first = !this.abort.signal.aborted;
    this.abort.abort();
    if (first) {
      for (const [record, container] of this.running) {
        this.event("Normal", "Killing", `Stopping container ${record.name}`, record.name);
        container.kill("SIGTERM");
      }
    }
    this.grace.killAfter(graceSeconds);
  }

  private async stopRemaining(): Promise<void> {
    await Promise.all([...this.running.values()].map((c) => c.exited));
    this.grace.clear();
  }

  private async finish(): Promise<void> {
    clearTimeout(this.deadlineTimer);
    this.resources.stopTokenRefresh();
    const phase = computePhase(this.state, this.pod.spec.restartPolicy ?? "Always");
    if (this.stopCause) this.state.verdict ??= stopVerdict(this.stopCause, phase);
    this.finished = true;
    if (!this.removed) {
      this.reporter.report();
      // An agent that is stopping must not hang on an API server that may be going away too.
      await this.reporter.flush(this.stopCause === "shutdown" ? 1000 : undefined);
    }
    // A stopping agent removes all its containers in one go afterwards (cleanupAll).
    if (this.stopCause !== "shutdown") {
      await this.deps.runtime
        .cleanupPod(this.uid)
        .catch((err: unknown) => this.deps.log(toRunfleetError(err).message));
    }
    rmSync(this.resources.podDir, { recursive: true, force: true });
    if (this.stopCause === "deleted" && !this.removed) await this.deleteFromApi();
  }

  /** The last step of graceful deletion: grace 0 with the uid as precondition, as the kubelet does. */
  private async deleteFromApi(): Promise<void> {
    if (this.deleting) return;
    this.deleting = true;
    try {
      await deletePodNow(this.deps.client, this.pod);
    } catch (err) {
      this.deleting = false;
      this.deps.log(`delete ${this.namespace}/${this.pod.metadata.name}: ${toRunfleetError(err).message}`);
    }
  }
}
