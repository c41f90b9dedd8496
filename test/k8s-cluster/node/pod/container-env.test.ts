import { describe, expect, it } from "vitest";
import { RunfleetError } from "../../../../src/errors/index.js";
import type { Container, Pod } from "../kube/types.js";
import { type EnvContext, expandReferences, resolveArgv, resolveContainerEnv } from "./container-env.js";

const pod: Pod = {
  metadata: { name: "job-7", namespace: "ci", uid: "uid-7" },
  spec: { nodeName: "fargate-0", containers: [] },
};
const ctx: EnvContext = {
  pod,
  objects: {
    configMaps: new Map([["settings", { MODE: Buffer.from("fast"), LEVEL: Buffer.from("3") }]]),
    secrets: new Map([["creds", { token: Buffer.from("s3cr3t") }]]),
  },
  addresses: { hostIP: "127.0.0.1", podIP: "127.0.0.1" },
  allocatable: { cpu: "4", memory: "8Gi", "ephemeral-storage": "50Gi" },
  apiServer: { host: "127.0.0.1", port: 6443 },
};

describe("resolveContainerEnv", () => {
  it("orders service links, envFrom, env and resolves every valueFrom", () => {
    const container: Container = {
      name: "build",
      envFrom: [{ configMapRef: { name: "settings" } }, { prefix: "S_", secretRef: { name: "creds" } }],
      env: [
        { name: "MODE", value: "slow" },
        { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } },
        { name: "LEVEL2", valueFrom: { configMapKeyRef: { name: "settings", key: "LEVEL" } } },
        { name: "OPT", valueFrom: { secretKeyRef: { name: "absent", key: "x", optional: true } } },
        { name: "GREETING", value: "$(POD) in $(KUBERNETES_SERVICE_HOST) $$(POD) $(NOPE)" },
      ],
    };
    const env = resolveContainerEnv(container, ctx);
    expect(env).toMatchObject({
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: "6443",
      MODE: "slow",
      LEVEL: "3",
      S_token: "s3cr3t",
      POD: "job-7",
      TOKEN: "s3cr3t",
      LEVEL2: "3",
      GREETING: "job-7 in 127.0.0.1 $(POD) $(NOPE)",
    });
    expect(env).not.toHaveProperty("OPT");
  });

  it.each([
    {
      env: [{ name: "X", valueFrom: { secretKeyRef: { name: "absent", key: "k" } } }],
      message: /secret "absent"/,
    },
    {
      env: [{ name: "X", valueFrom: { secretKeyRef: { name: "creds", key: "nope" } } }],
      message: /key nope/,
    },
    {
      env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "none", key: "k" } } }],
      message: /configmap "none"/,
    },
  ])("a missing required reference is a config error ($message)", ({ env, message }) => {
    const run = () => resolveContainerEnv({ name: "c", env }, ctx);
    expect(run).toThrow(RunfleetError);
    expect(run).toThrow(message);
  });

  it("lets the pod override the API server address", () => {
    const env = resolveContainerEnv(
      { name: "c", env: [{ name: "KUBERNETES_SERVICE_HOST", value: "x" }] },
      ctx,
    );
    expect(env.KUBERNETES_SERVICE_HOST).toBe("x");
  });
});

describe("expandReferences", () => {
  it.each([
    ["$(A)-$(B)", "1-$(B)"],
    ["$$(A)", "$(A)"],
    ["$$$(A)", "$1"],
    ["cost $5", "cost $5"],
  ])("%s", (text, out) => {
    expect(expandReferences(text, { A: "1" })).toBe(out);
  });

  it("expands command and args", () => {
    expect(resolveArgv({ name: "c", command: ["sh", "-c"], args: ["echo $(A)"] }, { A: "hi" })).toEqual([
      "sh",
      "-c",
      "echo hi",
    ]);
  });
});
