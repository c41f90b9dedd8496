import type {
  ContainerState,
  ContainerStatus,
  Pod,
  PodCondition,
  PodPhase,
  PodStatus,
  RestartPolicy,
} from "../kube/types.js";
import type { ContainerRecord, ContainerRun, PodRunState } from "./container-run.js";
import type { PodAddresses } from "./field-ref.js";

/** metav1.Time: RFC 3339 with whole seconds. */
export function apiTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const succeeded = (c: ContainerRecord) => c.state.kind === "terminated" && c.state.exitCode === 0;

/** Regular init containers all succeeded and sidecars have started. */
export function initDone(state: PodRunState): boolean {
  return state.init.every((c) =>
    c.sidecar ? c.state.kind !== "waiting" || c.restartCount > 0 : succeeded(c),
  );
}

/** The kubelet's getPhase, for the restart policy the pod has. */
export function computePhase(state: PodRunState, policy: RestartPolicy): PodPhase {
  if (state.verdict) return state.verdict.phase;
  const failedInit = state.init.some(
    (c) => !c.sidecar && c.state.kind === "terminated" && c.state.exitCode !== 0,
  );
  if (failedInit && policy === "Never") return "Failed";
  if (!initDone(state)) return "Pending";
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let ok = 0;
  for (const c of state.app) {
    if (c.state.kind === "running") running++;
    else if (c.state.kind === "terminated") {
      stopped++;
      if (c.state.exitCode === 0) ok++;
    } else if (c.lastState) stopped++;
    else waiting++;
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped < state.app.length) return "Pending";
  switch (policy) {
    case "Always":
      return "Running";
    case "OnFailure":
      return ok === stopped ? "Succeeded" : "Running";
    case "Never":
      return ok === stopped ? "Succeeded" : "Failed";
    default: {
      const never: never = policy;
      return never;
    }
  }
}

function apiState(run: ContainerRun): ContainerState {
  switch (run.kind) {
    case "waiting":
      return { waiting: { reason: run.reason, ...(run.message ? { message: run.message } : {}) } };
    case "running":
      return { running: { startedAt: apiTime(run.startedAt) } };
    case "terminated":
      return {
        terminated: {
          exitCode: run.exitCode,
          ...(run.signal ? { signal: run.signal } : {}),
          reason: run.reason,
          ...(run.message ? { message: run.message } : {}),
          ...(run.startedAt ? { startedAt: apiTime(run.startedAt) } : {}),
          finishedAt: apiTime(run.finishedAt),
          ...(run.id ? { containerID: run.id } : {}),
        },
      };
    default: {
      const never: never = run;
      return never;
    }
  }
}

function containerStatus(c: ContainerRecord, regularInit: boolean): ContainerStatus {
  const id = c.state.kind === "waiting" ? undefined : c.state.id;
  return {
    name: c.name,
    image: c.image,
    imageID: "",
    ...(id ? { containerID: id } : {}),
    ready: regularInit ? succeeded(c) : c.state.kind === "running",
    started: c.state.kind === "running",
    restartCount: c.restartCount,
    state: apiState(c.state),
    lastState: c.lastState ? apiState(c.lastState) : {},
  };
}

function condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
  return { type, status: ok ? "True" : "False", ...(ok ? {} : { reason, message }) };
}

/** Keeps a condition's lastTransitionTime when its status did not change. */
function stamp(next: PodCondition, previous: readonly PodCondition[], now: Date): PodCondition {
  const before = previous.find((p) => p.type === next.type);
  const since = before && before.status === next.status ? before.lastTransitionTime : undefined;
  return { ...next, lastProbeTime: null, lastTransitionTime: since ?? apiTime(now) };
}

/** The status subresource body for the pod's current run state. Pure. */
export function buildPodStatus(pod: Pod, state: PodRunState, addresses: PodAddresses, now: Date): PodStatus {
  const policy = pod.spec.restartPolicy ?? "Always";
  const phase = computePhase(state, policy);
  const terminal = phase === "Succeeded" || phase === "Failed";
  const incomplete = state.init.filter((c) => (c.sidecar ? c.state.kind === "waiting" : !succeeded(c)));
  const unready = [...state.init.filter((c) => c.sidecar), ...state.app].filter(
    (c) => c.state.kind !== "running",
  );
  const names = (list: ContainerRecord[]) => `[${list.map((c) => c.name).join(" ")}]`;
  const previous = pod.status?.conditions ?? [];
  const scheduled = previous.find((c) => c.type === "PodScheduled");
  const ready = unready.length === 0;
  const readyReason = terminal ? "PodCompleted" : "ContainersNotReady";
  const readyMessage = terminal ? undefined : `containers with unready status: ${names(unready)}`;
  const conditions = [
    condition("PodReadyToStartContainers", state.sandboxReady && !terminal),
    condition(
      "Initialized",
      incomplete.length === 0,
      "ContainersNotInitialized",
      `containers with incomplete status: ${names(incomplete)}`,
    ),
    condition("Ready", ready, readyReason, readyMessage),
    condition("ContainersReady", ready, readyReason, readyMessage),
  ].map((c) => stamp(c, previous, now));
  return {
    phase,
    ...(state.verdict ? { reason: state.verdict.reason, message: state.verdict.message } : {}),
    conditions: scheduled ? [...conditions, scheduled] : conditions,
    hostIP: addresses.hostIP,
    hostIPs: [{ ip: addresses.hostIP }],
    podIP: addresses.podIP,
    podIPs: [{ ip: addresses.podIP }],
    ...(state.startTime ? { startTime: apiTime(state.startTime) } : {}),
    ...(state.init.length
      ? { initContainerStatuses: state.init.map((c) => containerStatus(c, !c.sidecar)) }
      : {}),
    containerStatuses: state.app.map((c) => containerStatus(c, false)),
  };
}
