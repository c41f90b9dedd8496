import { describe, expect, it } from "vitest";
import type { Pod, RestartPolicy } from "../kube/types.js";
import type { ContainerRecord, ContainerRun, PodRunState } from "./container-run.js";
import { apiTime, buildPodStatus, computePhase } from "./pod-status.js";

const t0 = new Date("2026-01-01T00:00:00.250Z");
const t1 = new Date("2026-01-01T00:00:05Z");
const waiting: ContainerRun = { kind: "waiting", reason: "PodInitializing" };
const running: ContainerRun = { kind: "running", id: "process://1", startedAt: t0 };
const exited = (exitCode: number): ContainerRun => ({
  kind: "terminated",
  id: "process://1",
  exitCode,
  reason: exitCode === 0 ? "Completed" : "Error",
  startedAt: t0,
  finishedAt: t1,
});
const rec = (name: string, state: ContainerRun, sidecar = false): ContainerRecord => ({
  name,
  image: "busybox",
  sidecar,
  state,
  lastState: undefined,
  restartCount: 0,
});
const run = (init: ContainerRecord[], app: ContainerRecord[]): PodRunState => ({
  startTime: t0,
  sandboxReady: true,
  init,
  app,
  verdict: undefined,
});

describe("computePhase", () => {
  it.each<{ name: string; state: PodRunState; policy: RestartPolicy; phase: string }>([
    {
      name: "init running",
      state: run([rec("i", running)], [rec("a", waiting)]),
      policy: "Never",
      phase: "Pending",
    },
    {
      name: "init failed, Never",
      state: run([rec("i", exited(1))], [rec("a", waiting)]),
      policy: "Never",
      phase: "Failed",
    },
    {
      name: "init failed, OnFailure",
      state: run([rec("i", exited(1))], [rec("a", waiting)]),
      policy: "OnFailure",
      phase: "Pending",
    },
    {
      name: "app waiting",
      state: run([rec("i", exited(0))], [rec("a", waiting)]),
      policy: "Never",
      phase: "Pending",
    },
    {
      name: "app running",
      state: run([], [rec("a", running), rec("b", exited(0))]),
      policy: "Never",
      phase: "Running",
    },
    {
      name: "all exit 0",
      state: run([], [rec("a", exited(0)), rec("b", exited(0))]),
      policy: "Never",
      phase: "Succeeded",
    },
    {
      name: "one failed, Never",
      state: run([], [rec("a", exited(0)), rec("b", exited(2))]),
      policy: "Never",
      phase: "Failed",
    },
    {
      name: "one failed, OnFailure",
      state: run([], [rec("a", exited(3))]),
      policy: "OnFailure",
      phase: "Running",
    },
    { name: "exited, Always", state: run([], [rec("a", exited(0))]), policy: "Always", phase: "Running" },
    {
      name: "sidecar running, app done",
      state: run([rec("svc", running, true)], [rec("a", exited(0))]),
      policy: "Never",
      phase: "Succeeded",
    },
    {
      name: "sidecar not started holds init",
      state: run([rec("svc", waiting, true)], [rec("a", waiting)]),
      policy: "Never",
      phase: "Pending",
    },
  ])("$name → $phase", ({ state, policy, phase }) => {
    expect(computePhase(state, policy)).toBe(phase);
  });

  it("a verdict wins", () => {
    const state = {
      ...run([], [rec("a", running)]),
      verdict: { phase: "Failed" as const, reason: "DeadlineExceeded", message: "m" },
    };
    expect(computePhase(state, "Never")).toBe("Failed");
  });
});

describe("buildPodStatus", () => {
  const pod: Pod = {
    metadata: { name: "p", namespace: "ns", uid: "u" },
    spec: { restartPolicy: "Never", containers: [{ name: "a" }] },
    status: {
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: "2025-12-31T23:59:59Z" },
        { type: "Initialized", status: "True", lastTransitionTime: "2025-12-31T23:59:58Z" },
      ],
    },
  };
  const addresses = { hostIP: "127.0.0.1", podIP: "127.0.0.1" };

  it("reports a finished pod the way the API expects", () => {
    const status = buildPodStatus(pod, run([rec("init", exited(0))], [rec("a", exited(7))]), addresses, t1);
    expect(status.phase).toBe("Failed");
    expect(status.startTime).toBe("2026-01-01T00:00:00Z");
    expect(status.podIPs).toEqual([{ ip: "127.0.0.1" }]);
    expect(status.containerStatuses?.[0]).toEqual({
      name: "a",
      image: "busybox",
      imageID: "",
      containerID: "process://1",
      ready: false,
      started: false,
      restartCount: 0,
      state: {
        terminated: {
          exitCode: 7,
          reason: "Error",
          startedAt: "2026-01-01T00:00:00Z",
          finishedAt: "2026-01-01T00:00:05Z",
          containerID: "process://1",
        },
      },
      lastState: {},
    });
    expect(status.initContainerStatuses?.[0]?.ready).toBe(true);
    const byType = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.PodScheduled?.lastTransitionTime).toBe("2025-12-31T23:59:59Z");
    expect(byType.Initialized).toMatchObject({ status: "True", lastTransitionTime: "2025-12-31T23:59:58Z" });
    expect(byType.Ready).toMatchObject({
      status: "False",
      reason: "PodCompleted",
      lastTransitionTime: apiTime(t1),
    });
  });

  it("names the containers that hold a condition back", () => {
    const status = buildPodStatus(pod, run([rec("clone", running)], [rec("a", waiting)]), addresses, t1);
    const init = status.conditions?.find((c) => c.type === "Initialized");
    expect(init).toMatchObject({ status: "False", message: "containers with incomplete status: [clone]" });
    expect(status.phase).toBe("Pending");
  });

  it("carries the deadline verdict", () => {
    const state = {
      ...run([], [rec("a", exited(137))]),
      verdict: { phase: "Failed" as const, reason: "DeadlineExceeded", message: "too long" },
    };
    expect(buildPodStatus(pod, state, addresses, t1)).toMatchObject({
      phase: "Failed",
      reason: "DeadlineExceeded",
    });
  });
});
