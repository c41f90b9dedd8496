import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireSuite } from "../support/require-suite.js";
import {
  clusterAnswers,
  kubectl,
  locateTestCluster,
  pinnedKubernetesVersion,
  waitUntil,
} from "./test-cluster.js";

const cluster = locateTestCluster();
const available = requireSuite({
  suite: "k8s-cluster",
  available: await clusterAnswers(cluster),
  howToEnable: "run `npm run cluster:up` (or set KUBECONFIG to a running test cluster)",
});

const suffix = randomBytes(3).toString("hex");
const namespace = `rf-cluster-test-${suffix}`;
const admin = (args: readonly string[], input?: string) => kubectl(cluster.kubeconfig, args, input);
const runner = (args: readonly string[]) => kubectl(cluster.runnerKubeconfig, args);

/** A pod no node can take (its selector matches none), so it stays Pending and deletes at once. */
function unschedulablePod(name: string, ns: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns },
    spec: {
      nodeSelector: { "runfleet.io/no-such-node": "true" },
      containers: [{ name: "main", image: cluster.testImage, command: ["true"] }],
    },
  });
}

async function uidOf(kind: string, name: string, ns: string): Promise<string> {
  const result = await admin(["-n", ns, "get", kind, name, "-o", "jsonpath={.metadata.uid}"]);
  expect(result.stderr).toBe("");
  return result.stdout;
}

async function exists(kind: string, name: string, ns: string): Promise<boolean> {
  const result = await admin(["-n", ns, "get", kind, name, "--ignore-not-found", "-o", "name"]);
  return result.stdout.trim() !== "";
}

describe.runIf(available)("test Kubernetes cluster", () => {
  beforeAll(async () => {
    const created = await admin(["create", "namespace", namespace]);
    expect(created.stderr).toBe("");
  });

  afterAll(async () => {
    await admin(["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"]);
  });

  it("reports the Kubernetes release the wrapper module pins", async () => {
    const result = await admin(["version", "-o", "json"]);
    const version = JSON.parse(result.stdout) as { serverVersion?: { gitVersion?: string } };
    expect(version.serverVersion?.gitVersion).toBe(pinnedKubernetesVersion());
  });

  it("has the node agent's node Ready", async () => {
    const result = await admin([
      "get",
      "node",
      cluster.nodeName,
      "-o",
      'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    ]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("True");
  });

  it("runs the test image and serves its output through kubectl logs", async () => {
    const pod = `hello-${suffix}`;
    const run = await admin([
      "-n",
      namespace,
      "run",
      pod,
      `--image=${cluster.testImage}`,
      "--restart=Never",
      "--",
      "sh",
      "-c",
      "echo hello from the pod; echo $((6 * 7))",
    ]);
    expect(run.stderr).toBe("");
    await waitUntil(
      `pod ${pod} to succeed`,
      async () => {
        const phase = await admin(["-n", namespace, "get", "pod", pod, "-o", "jsonpath={.status.phase}"]);
        expect(phase.stdout, `phase of pod ${pod}`).not.toBe("Failed");
        return phase.stdout === "Succeeded";
      },
      90_000,
    );
    const logs = await admin(["-n", namespace, "logs", pod]);
    expect(logs.stderr).toBe("");
    expect(logs.stdout).toBe("hello from the pod\n42\n");
  }, 120_000);

  it.each([
    { ownerKind: "configmap", create: ["create", "configmap"] },
    { ownerKind: "pod", create: [] },
  ])("garbage-collects a Secret owned by a deleted $ownerKind", async ({ ownerKind, create }) => {
    const owner = `owner-${ownerKind}-${suffix}`;
    const made =
      ownerKind === "pod"
        ? await admin(["-n", namespace, "create", "-f", "-"], unschedulablePod(owner, namespace))
        : await admin(["-n", namespace, ...create, owner]);
    expect(made.stderr).toBe("");
    const ownerUid = await uidOf(ownerKind, owner, namespace);
    const secret = `owned-by-${ownerKind}-${suffix}`;
    const secretManifest = JSON.stringify({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: secret,
        namespace,
        ownerReferences: [
          { apiVersion: "v1", kind: ownerKind === "pod" ? "Pod" : "ConfigMap", name: owner, uid: ownerUid },
        ],
      },
      stringData: { token: "s3cr3t" },
    });
    expect((await admin(["create", "-f", "-"], secretManifest)).stderr).toBe("");
    expect(await exists("secret", secret, namespace)).toBe(true);

    expect((await admin(["-n", namespace, "delete", ownerKind, owner, "--wait=true"])).stderr).toBe("");
    await waitUntil(
      `secret ${secret} to be garbage-collected`,
      async () => !(await exists("secret", secret, namespace)),
      60_000,
    );
  }, 90_000);

  describe("runner ServiceAccount", () => {
    it.each([
      { verb: "create", resource: "pods", sub: "", ns: "runfleet-jobs", allowed: true },
      { verb: "watch", resource: "pods", sub: "", ns: "runfleet-jobs", allowed: true },
      { verb: "delete", resource: "pods", sub: "", ns: "runfleet-jobs", allowed: true },
      { verb: "get", resource: "pods", sub: "log", ns: "runfleet-jobs", allowed: true },
      { verb: "create", resource: "secrets", sub: "", ns: "runfleet-jobs", allowed: true },
      { verb: "delete", resource: "configmaps", sub: "", ns: "runfleet-jobs", allowed: true },
      { verb: "list", resource: "events", sub: "", ns: "runfleet-jobs", allowed: true },
      { verb: "list", resource: "secrets", sub: "", ns: "runfleet-jobs", allowed: false },
      { verb: "update", resource: "pods", sub: "", ns: "runfleet-jobs", allowed: false },
      { verb: "create", resource: "pods", sub: "exec", ns: "runfleet-jobs", allowed: false },
      { verb: "create", resource: "pods", sub: "attach", ns: "runfleet-jobs", allowed: false },
      { verb: "get", resource: "secrets", sub: "", ns: "kube-system", allowed: false },
      { verb: "create", resource: "pods", sub: "", ns: "default", allowed: false },
      { verb: "list", resource: "nodes", sub: "", ns: "runfleet-jobs", allowed: false },
    ])("may $verb $resource/$sub in $ns: $allowed", async ({ verb, resource, sub, ns, allowed }) => {
      const subresource = sub === "" ? [] : [`--subresource=${sub}`];
      const result = await runner(["auth", "can-i", verb, resource, ...subresource, "-n", ns]);
      expect(result.stdout.trim()).toBe(allowed ? "yes" : "no");
    });

    it("creates and deletes a pod in runfleet-jobs", async () => {
      const pod = `runner-pod-${suffix}`;
      const created = await kubectl(
        cluster.runnerKubeconfig,
        ["create", "-f", "-"],
        unschedulablePod(pod, "runfleet-jobs"),
      );
      expect(created.stderr).toBe("");
      expect(created.stdout.trim()).toBe(`pod/${pod} created`);
      const deleted = await runner(["-n", "runfleet-jobs", "delete", "pod", pod, "--wait=true"]);
      expect(deleted.stderr).toBe("");
    });

    it("is refused the secrets of kube-system", async () => {
      const result = await runner(["-n", "kube-system", "get", "secrets"]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("Forbidden");
      expect(result.stderr).toContain("system:serviceaccount:runfleet-jobs:runfleet-runner");
    });
  });
});
