/**
 * The node agent through the real control plane: pods created with kubectl are scheduled to the
 * agent's Node, run by it, reported through the API, deleted with their grace, and their logs read
 * back through the API server's proxy to the agent's kubelet endpoint. The same scenarios run on
 * the cluster's own node (podman unless cluster:up was told otherwise) and on an extra agent this
 * suite starts with the processes runtime.
 */

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunfleetError } from "../../../src/errors/index.js";
import { requireSuite } from "../../support/require-suite.js";
import { clusterAnswers, kubectl, locateTestCluster, waitUntil } from "../test-cluster.js";
import type { Pod } from "./kube/types.js";
import { clusterPki, startTestAgent, type TestAgent } from "./test-agent.js";

const cluster = locateTestCluster();
const available = requireSuite({
  suite: "node agent on the test cluster",
  available: await clusterAnswers(cluster),
  howToEnable: "run `npm run cluster:up` (or set KUBECONFIG to a running test cluster)",
});

const suffix = randomBytes(3).toString("hex");
/** The block under way: its namespace, and the node its pods are pinned to (none: the scheduler picks). */
const ctx: { namespace: string; pinned: string | undefined; nodeName: string } = {
  namespace: "",
  pinned: undefined,
  nodeName: cluster.nodeName,
};
const admin = (args: readonly string[], input?: string) =>
  kubectl(cluster.kubeconfig, ["-n", ctx.namespace, ...args], input);

async function createPod(name: string, spec: Record<string, unknown>): Promise<void> {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ctx.namespace },
    spec: { restartPolicy: "Never", ...(ctx.pinned ? { nodeName: ctx.pinned } : {}), ...spec },
  };
  const result = await admin(["create", "-f", "-"], JSON.stringify(pod));
  expect(result.stderr).toBe("");
}

async function getPod(name: string): Promise<Pod | undefined> {
  const result = await admin(["get", "pod", name, "-o", "json", "--ignore-not-found"]);
  return result.stdout.trim() ? (JSON.parse(result.stdout) as Pod) : undefined;
}

/** Polls the pod and returns every distinct phase seen, until `done` holds for it. */
async function watchPod(name: string, done: (pod: Pod) => boolean, timeoutMs = 60_000) {
  const phases: string[] = [];
  let last: Pod | undefined;
  await waitUntil(
    `pod ${name}`,
    async () => {
      last = await getPod(name);
      const phase = last?.status?.phase;
      if (phase && phases.at(-1) !== phase) phases.push(phase);
      return last !== undefined && done(last);
    },
    timeoutMs,
    200,
  );
  if (!last) throw new RunfleetError("NOT_FOUND", `pod ${name} vanished`);
  return { pod: last, phases };
}

const terminal = (pod: Pod) => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
const terminated = (pod: Pod, container: string) => {
  const state = pod.status?.containerStatuses?.find((c) => c.name === container)?.state;
  return state && "terminated" in state ? state.terminated : undefined;
};
const image = cluster.testImage;
const sh = (name: string, script: string, extra: Record<string, unknown> = {}) => ({
  name,
  image,
  command: ["sh", "-c", script],
  ...extra,
});

const pki = clusterPki(cluster.kubeconfig);
const targets = [
  { name: "the cluster's node", extraAgent: false, ready: available },
  {
    name: "an extra node with the processes runtime",
    extraAgent: true,
    ready:
      available &&
      requireSuite({
        suite: "node agent, processes runtime",
        available: pki !== undefined,
        howToEnable:
          "run the cluster with `npm run cluster:up` on this machine (its CA key signs the extra node)",
      }),
  },
];

describe.each(targets)("node agent on $name", ({ extraAgent, ready }) => {
  let agent: TestAgent | undefined;

  beforeAll(async () => {
    if (!ready) return;
    ctx.namespace = `rf-node-${extraAgent ? "proc" : "main"}-${suffix}`;
    if (extraAgent) {
      agent = await startTestAgent(cluster.kubeconfig, `fargate-proc-${suffix}`, {
        RUNFLEET_NODE_RUNTIME: "processes",
        RUNFLEET_NODE_START_LATENCY_MS: "0-0",
      });
      ctx.pinned = agent.nodeName;
      ctx.nodeName = agent.nodeName;
    } else {
      ctx.pinned = undefined;
      ctx.nodeName = cluster.nodeName;
    }
    expect((await kubectl(cluster.kubeconfig, ["create", "namespace", ctx.namespace])).stderr).toBe("");
    // Pods need the namespace's default ServiceAccount and CA bundle, which controllers create.
    await waitUntil(
      "default ServiceAccount and kube-root-ca.crt",
      async () =>
        (await admin(["get", "serviceaccount/default", "configmap/kube-root-ca.crt", "-o", "name"])).stdout
          .trim()
          .split("\n").length === 2,
      30_000,
    );
  });

  afterAll(async () => {
    if (!ready) return;
    await kubectl(cluster.kubeconfig, [
      "delete",
      "namespace",
      ctx.namespace,
      "--wait=false",
      "--ignore-not-found",
    ]);
    await agent?.remove();
  });

  it.runIf(ready)("the Node is Ready with its kubelet endpoint and Lease", async () => {
    const node = JSON.parse(
      (await kubectl(cluster.kubeconfig, ["get", "node", ctx.nodeName, "-o", "json"])).stdout,
    );
    expect(node.status.conditions.find((c: { type: string }) => c.type === "Ready").status).toBe("True");
    expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: "127.0.0.1" });
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBeGreaterThan(0);
    const lease = await kubectl(cluster.kubeconfig, [
      "-n",
      "kube-node-lease",
      "get",
      "lease",
      ctx.nodeName,
      "-o",
      "json",
    ]);
    const renewed = new Date(JSON.parse(lease.stdout).spec.renewTime).getTime();
    expect(Date.now() - renewed).toBeLessThan(30_000);
  });

  it.runIf(ready).each([
    {
      name: "ok",
      script: "echo hello; sleep 2; exit 0",
      phase: "Succeeded",
      exitCode: 0,
      reason: "Completed",
    },
    { name: "fail", script: "echo failing; sleep 2; exit 3", phase: "Failed", exitCode: 3, reason: "Error" },
  ])(
    "status goes Pending → Running → $phase with exit code $exitCode",
    async ({ name, script, phase, exitCode, reason }) => {
      await createPod(name, { containers: [sh("main", script)] });
      const { pod, phases } = await watchPod(name, terminal);
      expect(phases).toEqual(expect.arrayContaining(["Running", phase]));
      expect(phases.indexOf("Running")).toBeLessThan(phases.indexOf(phase));
      expect(pod.status?.phase).toBe(phase);
      expect(terminated(pod, "main")).toMatchObject({ exitCode, reason });
      expect(pod.status?.podIP).toBe("127.0.0.1");
      expect(pod.status?.startTime).toBeTruthy();
      expect(pod.spec.nodeName).toBe(ctx.nodeName);
      const logs = await admin(["logs", name]);
      expect(logs.stdout).toBe(exitCode === 0 ? "hello\n" : "failing\n");
      const events = await admin([
        "get",
        "events",
        "--field-selector",
        `involvedObject.name=${name}`,
        "-o",
        "json",
      ]);
      const reasons = (JSON.parse(events.stdout) as { items: { reason: string }[] }).items.map(
        (e) => e.reason,
      );
      // Pods pinned by nodeName skip the scheduler, so only scheduled ones have "Scheduled".
      const expected = ctx.pinned ? ["Created", "Started"] : ["Scheduled", "Created", "Started"];
      expect(reasons).toEqual(expect.arrayContaining(expected));
    },
  );

  // Paths start with $RUNFLEET_CONTAINER_ROOT: empty in a container, the container's root folder
  // in the processes runtime, so the same pod runs on either.
  it.runIf(ready)("runs init containers in order, then the app with its volumes and env", async () => {
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "creds" },
      stringData: { password: "s3cr3t" },
    };
    const config = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings" },
      data: { mode: "fast" },
    };
    for (const object of [secret, config]) {
      expect((await admin(["create", "-f", "-"], JSON.stringify(object))).stderr).toBe("");
    }
    await createPod("volumes", {
      initContainers: [
        sh("first", "echo first >> $RUNFLEET_CONTAINER_ROOT/work/order", {
          volumeMounts: [{ name: "work", mountPath: "/work" }],
        }),
        sh("second", "echo second >> $RUNFLEET_CONTAINER_ROOT/work/order", {
          volumeMounts: [{ name: "work", mountPath: "/work" }],
        }),
      ],
      containers: [
        sh(
          "main",
          [
            "R=$RUNFLEET_CONTAINER_ROOT",
            "cat $R/work/order",
            "cat $R/etc/creds/password; echo",
            "cat $R/etc/settings/mode; echo",
            "cat $R/etc/info/name; echo",
            "cat $R/var/run/secrets/kubernetes.io/serviceaccount/namespace; echo",
            "test -s $R/var/run/secrets/kubernetes.io/serviceaccount/token && echo token-present",
            "grep -q 'BEGIN CERTIFICATE' $R/var/run/secrets/kubernetes.io/serviceaccount/ca.crt && echo ca-present",
            'echo "$PASSWORD $MODE $POD_NAME $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"',
          ].join("; "),
          {
            env: [
              { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
              { name: "MODE", valueFrom: { configMapKeyRef: { name: "settings", key: "mode" } } },
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            ],
            volumeMounts: [
              { name: "work", mountPath: "/work" },
              { name: "creds", mountPath: "/etc/creds" },
              { name: "settings", mountPath: "/etc/settings" },
              { name: "info", mountPath: "/etc/info" },
            ],
          },
        ),
      ],
      volumes: [
        { name: "work", emptyDir: {} },
        { name: "creds", secret: { secretName: "creds" } },
        { name: "settings", configMap: { name: "settings" } },
        {
          name: "info",
          downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] },
        },
      ],
    });
    const { pod } = await watchPod("volumes", terminal);
    const logs = (await admin(["logs", "volumes", "-c", "main"])).stdout;
    expect(pod.status?.phase, logs).toBe("Succeeded");
    expect(logs.split("\n")).toEqual([
      "first",
      "second",
      "s3cr3t",
      "fast",
      "volumes",
      ctx.namespace,
      "token-present",
      "ca-present",
      "s3cr3t fast volumes 127.0.0.1:6443",
      "",
    ]);
    expect(pod.status?.initContainerStatuses?.map((s) => s.name)).toEqual(["first", "second"]);
  });

  it.runIf(ready)(
    "activeDeadlineSeconds fails the pod with DeadlineExceeded and kills the container",
    async () => {
      await createPod("deadline", {
        activeDeadlineSeconds: 3,
        terminationGracePeriodSeconds: 2,
        containers: [sh("main", "sleep 600")],
      });
      const { pod } = await watchPod(
        "deadline",
        (p) => terminal(p) && terminated(p, "main") !== undefined,
        40_000,
      );
      expect(pod.status).toMatchObject({ phase: "Failed", reason: "DeadlineExceeded" });
      expect(terminated(pod, "main")?.exitCode).toBeGreaterThan(128);
    },
  );

  it.runIf(ready).each([
    {
      name: "polite",
      script: "trap 'echo bye; exit 0' TERM; while true; do sleep 1; done",
      grace: 30,
      minS: 0,
      maxS: 10,
    },
    { name: "stubborn", script: "trap '' TERM; while true; do sleep 1; done", grace: 4, minS: 4, maxS: 15 },
  ])(
    "deletion: the $name container gets its grace period and the pod disappears",
    async ({ name, script, grace, minS, maxS }) => {
      await createPod(name, { terminationGracePeriodSeconds: grace, containers: [sh("main", script)] });
      await watchPod(name, (p) => p.status?.phase === "Running");
      await new Promise((r) => setTimeout(r, 1000));
      const began = Date.now();
      const deleted = await admin([
        "delete",
        "pod",
        name,
        `--grace-period=${grace}`,
        "--wait=true",
        "--timeout=60s",
      ]);
      const seconds = (Date.now() - began) / 1000;
      expect(deleted.stderr).toBe("");
      expect(await getPod(name)).toBeUndefined();
      expect(seconds).toBeGreaterThanOrEqual(minS);
      expect(seconds).toBeLessThan(maxS);
    },
    60_000,
  );

  it.runIf(ready)(
    "a follower of kubectl logs -f sees every line and its stream ends when the container ends",
    async () => {
      const count = 60;
      await createPod("follow", {
        containers: [
          sh(
            "main",
            `sleep 2; i=1; while [ $i -le ${count} ]; do echo "line $i"; i=$((i+1)); sleep 0.05; done`,
          ),
        ],
      });
      await watchPod("follow", (p) => p.status?.phase === "Running");
      const follower = spawn(
        "kubectl",
        [`--kubeconfig=${cluster.kubeconfig}`, "-n", ctx.namespace, "logs", "-f", "follow", "--timestamps"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      let err = "";
      follower.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      follower.stderr.on("data", (chunk: Buffer) => {
        err += chunk.toString();
      });
      const code = await new Promise<number | null>((done) => follower.on("close", done));
      expect(err).toBe("");
      expect(code).toBe(0);
      const lines = out.trimEnd().split("\n");
      expect(lines.map((l) => l.slice(l.indexOf(" ") + 1))).toEqual(
        Array.from({ length: count }, (_, i) => `line ${i + 1}`),
      );
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line 1$/);
      const { pod } = await watchPod("follow", terminal);
      expect(pod.status?.phase).toBe("Succeeded");

      const tail = await admin(["logs", "follow", "--tail=2"]);
      expect(tail.stdout).toBe(`line ${count - 1}\nline ${count}\n`);
      // The API carries sinceTime in whole seconds: the first line shown is the first of that second.
      const stamps = lines.map((l) => l.slice(0, l.indexOf(" ")));
      const since = `${(stamps[count - 1] ?? "").slice(0, 19)}Z`;
      const first = stamps.findIndex((s) => new Date(s).getTime() >= new Date(since).getTime());
      const sinced = await admin(["logs", "follow", `--since-time=${since}`]);
      expect(sinced.stdout.split("\n")[0]).toBe(`line ${first + 1}`);
    },
  );

  it.runIf(ready && extraAgent)(
    "a stopping agent stops its pods' processes and leaves none behind",
    async () => {
      await createPod("left", { containers: [sh("main", "sleep 600")] });
      const { pod } = await watchPod("left", (p) => p.status?.phase === "Running");
      const id = pod.status?.containerStatuses?.[0]?.containerID ?? "";
      const pid = Number(id.replace("process://", ""));
      expect(pid).toBeGreaterThan(1);
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(await agent?.stop()).toBe(0);
      expect(() => process.kill(pid, 0)).toThrow();
      const after = await watchPod("left", terminal, 10_000);
      expect(after.pod.status).toMatchObject({ phase: "Failed", reason: "Terminated" });
    },
  );
});
