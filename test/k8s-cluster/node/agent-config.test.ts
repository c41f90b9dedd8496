import { describe, expect, it } from "vitest";
import { parseTaints, readAgentConfig } from "./agent-config.js";

const base = {
  RUNFLEET_NODE_KUBECONFIG: "/k/node.kubeconfig",
  RUNFLEET_NODE_TLS_CERT: "/p/c.crt",
  RUNFLEET_NODE_TLS_KEY: "/p/c.key",
  RUNFLEET_NODE_STATE_DIR: "/s",
};

describe("readAgentConfig", () => {
  it("applies the defaults", () => {
    expect(readAgentConfig(base)).toMatchObject({
      nodeName: "fargate-0",
      port: 10250,
      runtime: "containers",
      startLatency: { minMs: 300, maxMs: 700 },
      launchRatePerSecond: 20,
      launchBurst: 20,
      clientCa: undefined,
    });
  });

  it("reads the Fargate model and runtime", () => {
    const config = readAgentConfig({
      ...base,
      RUNFLEET_NODE_RUNTIME: "processes",
      RUNFLEET_NODE_START_LATENCY_MS: "30000-70000",
      RUNFLEET_NODE_LAUNCH_RATE: "5",
      RUNFLEET_NODE_PORT: "0",
    });
    expect(config).toMatchObject({
      runtime: "processes",
      startLatency: { minMs: 30_000, maxMs: 70_000 },
      launchRatePerSecond: 5,
      launchBurst: 5,
      port: 0,
    });
  });

  it.each([
    [{ ...base, RUNFLEET_NODE_KUBECONFIG: "" }, /RUNFLEET_NODE_KUBECONFIG is not set/],
    [{ ...base, RUNFLEET_NODE_RUNTIME: "docker" }, /not a runtime/],
    [{ ...base, RUNFLEET_NODE_LAUNCH_RATE: "-1" }, /LAUNCH_RATE/],
    [{ ...base, RUNFLEET_NODE_START_LATENCY_MS: "9-1" }, /START_LATENCY_MS/],
  ])("rejects %o", (env, message) => {
    expect(() => readAgentConfig(env)).toThrow(message);
  });
});

describe("parseTaints", () => {
  it.each([
    ["", []],
    ["a=b:NoSchedule", [{ key: "a", value: "b", effect: "NoSchedule" }]],
    [
      "x:NoExecute, y=:PreferNoSchedule",
      [
        { key: "x", effect: "NoExecute" },
        { key: "y", value: "", effect: "PreferNoSchedule" },
      ],
    ],
  ])("%j", (text, taints) => {
    expect(parseTaints(text)).toEqual(taints);
  });

  it.each(["a=b", "a=b:Sometimes", ":NoSchedule"])("rejects %j", (text) => {
    expect(() => parseTaints(text)).toThrow(/RUNFLEET_NODE_TAINTS/);
  });
});
