import type { Container, Pod, PodPhase } from "../kube/types.js";
import { lostRun, runFromApi } from "./api-state.js";
import type { ContainerRecord, PodRunState, PodVerdict } from "./container-run.js";

/** The pure parts of a pod worker's life: first state, lost pods, how it ends. */

export type StopCause = "deleted" | "deadline" | "shutdown";

/** A one-shot latch: `fire` may be called any number of times. */
export function signal(): { promise: Promise<void>; fire: () => void } {
  let fire: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire: () => fire() };
}

/** The kubelet cuts a pod's hostname to 63 characters and drops trailing dots and dashes. */
export function podHostname(pod: Pod): string {
  return (pod.spec.hostname ?? pod.metadata.name).slice(0, 63).replace(/[-.]+$/, "");
}

export const isTerminal = (pod: Pod) => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
export const restartBackoffMs = (restarts: number) => Math.min(1000 * 2 ** (restarts - 1), 30_000);

/** Every container waiting: init ones and (with init containers) app ones on PodInitializing. */
export function initialRunState(
  pod: Pod,
  remember: (record: ContainerRecord, container: Container) => void,
): PodRunState {
  const hasInit = (pod.spec.initContainers ?? []).length > 0;
  const record = (c: Container, sidecar: boolean, reason: string): ContainerRecord => {
    const r: ContainerRecord = {
      name: c.name,
      image: c.image ?? "",
      sidecar,
      state: { kind: "waiting", reason },
      lastState: undefined,
      restartCount: 0,
    };
    remember(r, c);
    return r;
  };
  return {
    startTime: undefined,
    sandboxReady: false,
    init: (pod.spec.initContainers ?? []).map((c) =>
      record(c, c.restartPolicy === "Always", "PodInitializing"),
    ),
    app: pod.spec.containers.map((c) => record(c, false, hasInit ? "PodInitializing" : "ContainerCreating")),
    verdict: undefined,
  };
}

/** Statuses from a previous agent run: its processes or containers were stopped with it. */
export function wasStartedBefore(pod: Pod): boolean {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.some((s) => "running" in s.state || "terminated" in s.state);
}

/** Containers the API saw running become ContainerStatusUnknown; terminated ones keep their end. */
export function restoreLostRuns(state: PodRunState, pod: Pod, now: Date): void {
  const restore = (records: ContainerRecord[], statuses = pod.status?.containerStatuses) => {
    for (const r of records) {
      const run = lostRun(
        runFromApi(
          statuses?.find((s) => s.name === r.name),
          now,
        ),
        now,
      );
      if (run) r.state = run;
    }
  };
  restore(state.init, pod.status?.initContainerStatuses);
  restore(state.app);
}

/**
 * How a stopped pod ends. A stopping agent reports it the way the kubelet's graceful node shutdown
 * does, whatever the exit codes; a deleted pod keeps a phase its containers decided.
 */
export function stopVerdict(cause: StopCause, phase: PodPhase): PodVerdict | undefined {
  if (cause === "shutdown") {
    return {
      phase: "Failed",
      reason: "Terminated",
      message: "Pod was terminated in response to the node agent stopping",
    };
  }
  if (phase === "Succeeded" || phase === "Failed") return undefined;
  return {
    phase: "Failed",
    reason: "Terminated",
    message: cause === "deadline" ? "Pod exceeded its deadline" : "Pod was deleted",
  };
}
