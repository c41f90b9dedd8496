import { describe, expect, it } from "vitest";
import { leaseObject, type NodeFacts, nodeObject } from "./node-object.js";

const facts: NodeFacts = {
  name: "fargate-0",
  port: 10250,
  maxPods: 500,
  cpu: "16",
  memory: "64Gi",
  ephemeralStorage: "100Gi",
  kubeletVersion: "v1.33.13",
  runtime: "processes://1",
  kernelVersion: "6.1.0",
  osImage: "Debian GNU/Linux 12",
  architecture: "amd64",
  taints: [],
};
const now = new Date("2026-01-01T00:00:00.5Z");

describe("nodeObject", () => {
  const node = nodeObject(facts, now) as {
    status: Record<string, unknown>;
    metadata: { labels: Record<string, string> };
  };

  it.each([
    [
      "addresses",
      [
        { type: "InternalIP", address: "127.0.0.1" },
        { type: "Hostname", address: "fargate-0" },
      ],
    ],
    ["daemonEndpoints", { kubeletEndpoint: { Port: 10250 } }],
    ["allocatable", { cpu: "16", memory: "64Gi", "ephemeral-storage": "100Gi", pods: "500" }],
  ])("status.%s", (field, value) => {
    expect(node.status[field]).toEqual(value);
  });

  it("is Ready with a heartbeat", () => {
    const ready = (node.status.conditions as { type: string }[]).find((c) => c.type === "Ready");
    expect(ready).toMatchObject({
      status: "True",
      reason: "KubeletReady",
      lastHeartbeatTime: "2026-01-01T00:00:00Z",
    });
  });

  it("carries the Fargate compute-type label and runtime name", () => {
    expect(node.metadata.labels).toMatchObject({
      "eks.amazonaws.com/compute-type": "fargate",
      "runfleet.io/runtime": "processes",
    });
  });
});

it("registers with its taints", () => {
  const taints = [{ key: "dedicated", value: "x", effect: "NoSchedule" }];
  expect(nodeObject({ ...facts, taints }, now)).toMatchObject({ spec: { taints } });
});

describe("leaseObject", () => {
  it("uses MicroTime and owns itself to the Node", () => {
    expect(leaseObject("fargate-0", "uid-1", 40, now)).toMatchObject({
      metadata: { namespace: "kube-node-lease", ownerReferences: [{ kind: "Node", uid: "uid-1" }] },
      spec: {
        holderIdentity: "fargate-0",
        leaseDurationSeconds: 40,
        renewTime: "2026-01-01T00:00:00.500000Z",
      },
    });
  });
});
