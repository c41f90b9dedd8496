import type { ContainerState, ContainerStatus } from "../kube/types.js";
import type { ContainerRun } from "./container-run.js";

/** Reads a status the API already holds (from an earlier agent run) back into a ContainerRun. */
export function runFromApi(status: ContainerStatus | undefined, now: Date): ContainerRun | undefined {
  const state: ContainerState | undefined = status?.state;
  if (!state) return undefined;
  if ("terminated" in state) {
    const t = state.terminated;
    return {
      kind: "terminated",
      ...(t.containerID ? { id: t.containerID } : {}),
      exitCode: t.exitCode,
      reason: t.reason,
      ...(t.startedAt ? { startedAt: new Date(t.startedAt) } : {}),
      finishedAt: new Date(t.finishedAt ?? now),
    };
  }
  if ("running" in state) {
    return { kind: "running", id: status?.containerID ?? "", startedAt: new Date(state.running.startedAt) };
  }
  return undefined;
}

/** What a container the agent lost track of becomes: the kubelet's ContainerStatusUnknown. */
export function lostRun(run: ContainerRun | undefined, now: Date): ContainerRun | undefined {
  if (!run || run.kind === "terminated") return run;
  return {
    kind: "terminated",
    exitCode: 137,
    reason: "ContainerStatusUnknown",
    message: "The container could not be located when the pod was terminated",
    ...(run.kind === "running" ? { startedAt: run.startedAt } : {}),
    finishedAt: now,
  };
}
