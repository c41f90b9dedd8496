import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RunfleetError } from "../../../../src/errors/index.js";
import { FargateModel } from "../fargate/fargate-model.js";
import { KubeApiError } from "../kube/kube-api-error.js";
import type { KubeClient, RequestOptions } from "../kube/kube-client.js";
import type { Pod, PodStatus } from "../kube/types.js";
import { readLogFile } from "../logs/container-log.js";
import { LogStore } from "../logs/log-store.js";
import { ProcessRuntime } from "../runtimes/process-runtime.js";
import { EventRecorder } from "./event-recorder.js";
import { PodWorker } from "./pod-worker.js";

/** Records what the worker writes to the API; serves ConfigMaps and tokens. A port fake, not the worker. */
class FakeApi implements KubeClient {
  readonly server = new URL("https://127.0.0.1:6443");
  readonly statuses: PodStatus[] = [];
  readonly calls: string[] = [];
  readonly deletes: unknown[] = [];
  readonly events: { reason: string; message: string; involvedObject: { fieldPath?: string } }[] = [];

  async call<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    this.calls.push(`${method} ${path}`);
    if (method === "PATCH" && path.endsWith("/status")) {
      this.statuses.push((options.body as { status: PodStatus }).status);
      return {} as T;
    }
    if (method === "POST" && path.endsWith("/events")) {
      this.events.push(options.body as FakeApi["events"][number]);
      return {} as T;
    }
    if (method === "DELETE") {
      this.deletes.push(options.body);
      return {} as T;
    }
    if (method === "GET" && path.endsWith("/configmaps/kube-root-ca.crt")) {
      return { metadata: { name: "kube-root-ca.crt" }, data: { "ca.crt": "CA PEM" } } as T;
    }
    if (method === "POST" && path.endsWith("/token")) {
      const expires = new Date(Date.now() + 3600_000).toISOString();
      return { status: { token: "jwt-token", expirationTimestamp: expires } } as T;
    }
    throw new KubeApiError(method, path, 404, { message: "not found" });
  }

  stream(): never {
    throw new RunfleetError("INTERNAL", "no watch in this fake");
  }

  get last(): PodStatus | undefined {
    return this.statuses.at(-1);
  }

  async until(check: (s: PodStatus) => boolean, ms = 10_000): Promise<PodStatus> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const hit = this.statuses.find(check);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new RunfleetError("UNAVAILABLE", `no status matched; last: ${JSON.stringify(this.last)}`);
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
function start(spec: Partial<Pod["spec"]>, status?: PodStatus, latencyMs = 0) {
  const dir = mkdtempSync(join(tmpdir(), "runfleet-worker-"));
  dirs.push(dir);
  const api = new FakeApi();
  const logs = new LogStore(dir);
  const pod: Pod = {
    metadata: { name: `p${++counter}`, namespace: "ci", uid: `uid-${counter}` },
    spec: { nodeName: "n", restartPolicy: "Never", containers: [], ...spec },
    ...(status ? { status } : {}),
  };
  const worker = new PodWorker(
    {
      client: api,
      runtime: new ProcessRuntime(dir),
      logs,
      fargate: new FargateModel({
        startLatency: { minMs: latencyMs, maxMs: latencyMs },
        launchRatePerSecond: 0,
        launchBurst: 0,
      }),
      addresses: { hostIP: "127.0.0.1", podIP: "127.0.0.1" },
      allocatable: { cpu: "4", memory: "8Gi", "ephemeral-storage": "10Gi" },
      apiServer: { host: "127.0.0.1", port: 6443 },
      stateDir: dir,
      log: () => {},
      events: new EventRecorder(api, "n", () => {}),
    },
    pod,
  );
  const logText = (container: string) => {
    const found = logs.find("ci", pod.metadata.name, container, false);
    const path = found.kind === "live" ? found.log.path : found.kind === "file" ? found.path : "";
    return readLogFile(path).map((r) => r.text);
  };
  return { api, worker, pod, logText };
}

const sh = (name: string, script: string) => ({ name, image: "busybox", command: ["sh", "-c", script] });
const exitCodes = (s: PodStatus | undefined) =>
  (s?.containerStatuses ?? []).map((c) => ("terminated" in c.state ? c.state.terminated.exitCode : "-"));

describe("PodWorker", () => {
  it.each([
    { scripts: ["exit 0", "exit 0"], phase: "Succeeded", codes: [0, 0] },
    { scripts: ["exit 0", "exit 3"], phase: "Failed", codes: [0, 3] },
  ])("runs to $phase", async ({ scripts, phase, codes }) => {
    const { api, worker } = start({ containers: scripts.map((s, i) => sh(`c${i}`, s)) });
    await worker.done;
    expect(api.last?.phase).toBe(phase);
    expect(exitCodes(api.last)).toEqual(codes);
    expect(api.statuses[0]?.phase).toBe("Pending");
    expect(api.statuses.some((s) => s.phase === "Running") || api.statuses.length > 1).toBe(true);
    expect(api.deletes).toEqual([]);
    expect(api.events.map((e) => `${e.reason} ${e.involvedObject.fieldPath}`).sort()).toEqual([
      "Created spec.containers{c0}",
      "Created spec.containers{c1}",
      "Started spec.containers{c0}",
      "Started spec.containers{c1}",
    ]);
  });

  it("runs init containers in order before the app, with the service-account volume", async () => {
    const { api, worker, logText } = start({
      initContainers: [sh("first", "echo one"), sh("second", "echo two")],
      containers: [
        {
          ...sh(
            "main",
            'cat "$RUNFLEET_CONTAINER_ROOT/sa/token"; echo; cat "$RUNFLEET_CONTAINER_ROOT/sa/namespace"; echo " $POD"',
          ),
          env: [{ name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
          volumeMounts: [{ name: "kube-api-access", mountPath: "/sa" }],
        },
      ],
      volumes: [
        {
          name: "kube-api-access",
          projected: {
            sources: [
              { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
              {
                downwardAPI: {
                  items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }],
                },
              },
            ],
          },
        },
      ],
    });
    await worker.done;
    const last = api.last;
    expect(last?.phase).toBe("Succeeded");
    const init = last?.initContainerStatuses ?? [];
    const finished = init.map((c) => ("terminated" in c.state ? c.state.terminated : undefined));
    expect(finished.map((t) => t?.exitCode)).toEqual([0, 0]);
    expect(logText("first")).toEqual(["one"]);
    expect(logText("main")[0]).toBe("jwt-token");
    expect(logText("main")[1]).toMatch(/^ci p\d+$/);
    // While "first" ran, "second" and "main" were still waiting.
    const during = api.statuses.find(
      (s) => s.initContainerStatuses?.[0]?.state && "running" in s.initContainerStatuses[0].state,
    );
    expect(during?.initContainerStatuses?.[1]?.state).toEqual({ waiting: { reason: "PodInitializing" } });
    expect(api.calls).toContain("POST /api/v1/namespaces/ci/serviceaccounts/default/token");
  });

  it("a failing init container fails the pod and the app never starts", async () => {
    const { api, worker, logText } = start({
      initContainers: [sh("init", "exit 4")],
      containers: [sh("main", "echo ran")],
    });
    await worker.done;
    expect(api.last?.phase).toBe("Failed");
    expect(api.last?.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: "PodInitializing" } });
    expect(logText("main")).toEqual([]);
  });

  it("activeDeadlineSeconds fails the pod with DeadlineExceeded and kills its containers", async () => {
    const { api, worker } = start({
      activeDeadlineSeconds: 1,
      terminationGracePeriodSeconds: 1,
      containers: [sh("main", "trap '' TERM; while true; do sleep 0.1; done")],
    });
    const began = Date.now();
    await worker.done;
    expect(Date.now() - began).toBeLessThan(6000);
    expect(api.last).toMatchObject({ phase: "Failed", reason: "DeadlineExceeded" });
    expect(exitCodes(api.last)).toEqual([137]);
    expect(api.deletes).toEqual([]);
  });

  it.each([
    {
      name: "traps SIGTERM and gets its grace",
      script: "trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done",
      code: 0,
      minMs: 0,
      maxMs: 1500,
    },
    {
      name: "ignores SIGTERM and is killed at the end of the grace",
      script: "trap '' TERM; while true; do sleep 0.1; done",
      code: 137,
      minMs: 1900,
      maxMs: 4000,
    },
  ])("deletion: a container that $name", async ({ script, code, minMs, maxMs }) => {
    const { api, worker, pod, logText } = start({ containers: [sh("main", script)] });
    await api.until((s) => s.phase === "Running");
    await new Promise((r) => setTimeout(r, 200));
    const began = Date.now();
    worker.update({
      ...pod,
      metadata: {
        ...pod.metadata,
        deletionTimestamp: new Date().toISOString(),
        deletionGracePeriodSeconds: 2,
      },
    });
    await worker.done;
    const took = Date.now() - began;
    expect(took).toBeGreaterThanOrEqual(minMs);
    expect(took).toBeLessThan(maxMs);
    expect(exitCodes(api.last)).toEqual([code]);
    expect(api.last?.phase).toBe(code === 0 ? "Succeeded" : "Failed");
    expect(api.deletes).toEqual([
      {
        apiVersion: "v1",
        kind: "DeleteOptions",
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      },
    ]);
    if (code === 0) expect(logText("main")).toContain("bye");
    expect(api.events.map((e) => e.reason)).toContain("Killing");
  });

  it("restartPolicy OnFailure restarts a failing container and keeps its last state", async () => {
    const { api, worker } = start({
      restartPolicy: "OnFailure",
      containers: [
        sh("main", 'f="$RUNFLEET_CONTAINER_ROOT/../once"; [ -e "$f" ] && exit 0; touch "$f"; exit 9'),
      ],
    });
    await worker.done;
    const status = api.last?.containerStatuses?.[0];
    expect(api.last?.phase).toBe("Succeeded");
    expect(status?.restartCount).toBe(1);
    expect(status?.lastState).toMatchObject({ terminated: { exitCode: 9 } });
  });

  it("a missing secret keeps the container waiting with CreateContainerConfigError", async () => {
    const { api, worker, pod } = start({
      containers: [
        {
          ...sh("main", "true"),
          env: [{ name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }],
        },
      ],
    });
    const waiting = await api.until((s) => {
      const state = s.containerStatuses?.[0]?.state;
      return (
        state !== undefined && "waiting" in state && state.waiting.reason === "CreateContainerConfigError"
      );
    });
    expect(waiting.phase).toBe("Pending");
    await new Promise((r) => setTimeout(r, 2500));
    // Retried, but reported once.
    expect(api.events.filter((e) => e.reason === "Failed").map((e) => e.message)).toEqual([
      'Error: secret "nope" not found',
    ]);
    worker.update({
      ...pod,
      metadata: {
        ...pod.metadata,
        deletionTimestamp: new Date().toISOString(),
        deletionGracePeriodSeconds: 0,
      },
    });
    await worker.done;
    expect(api.deletes).toHaveLength(1);
  });

  it("a pod deleted during its Fargate launch wait never starts and is deleted at once", async () => {
    const { api, worker, pod, logText } = start({ containers: [sh("main", "echo ran")] }, undefined, 10_000);
    await api.until((s) => s.phase === "Pending");
    await new Promise((r) => setTimeout(r, 500));
    expect(api.last?.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: "ContainerCreating" } });
    const began = Date.now();
    worker.update({
      ...pod,
      metadata: {
        ...pod.metadata,
        deletionTimestamp: new Date().toISOString(),
        deletionGracePeriodSeconds: 30,
      },
    });
    await worker.done;
    expect(Date.now() - began).toBeLessThan(2000);
    expect(logText("main")).toEqual([]);
    expect(api.last?.phase).toBe("Failed");
    expect(api.deletes).toHaveLength(1);
  });

  it("a pod an earlier agent run had started is reported lost, not run again", async () => {
    const { api, worker, logText } = start(
      { containers: [sh("main", "echo ran")] },
      {
        phase: "Running",
        startTime: "2026-01-01T00:00:00Z",
        containerStatuses: [
          {
            name: "main",
            image: "busybox",
            imageID: "",
            ready: true,
            started: true,
            restartCount: 0,
            state: { running: { startedAt: "2026-01-01T00:00:01Z" } },
            lastState: {},
          },
        ],
      },
    );
    await worker.done;
    expect(logText("main")).toEqual([]);
    expect(api.last).toMatchObject({
      phase: "Failed",
      reason: "NodeRestarted",
      startTime: "2026-01-01T00:00:00Z",
    });
    expect(api.last?.containerStatuses?.[0]?.state).toMatchObject({
      terminated: { exitCode: 137, reason: "ContainerStatusUnknown", startedAt: "2026-01-01T00:00:01Z" },
    });
  });
});
