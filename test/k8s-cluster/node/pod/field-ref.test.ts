import { describe, expect, it } from "vitest";
import type { Pod } from "../kube/types.js";
import { resolveFieldRef, resolveResourceFieldRef } from "./field-ref.js";
import { parseQuantity } from "./quantity.js";

const pod: Pod = {
  metadata: {
    name: "job-1",
    namespace: "ci",
    uid: "u-1",
    labels: { b: "2", a: 'x"y' },
    annotations: { note: "hi" },
  },
  spec: {
    nodeName: "fargate-0",
    serviceAccountName: "runner",
    containers: [
      { name: "build", resources: { limits: { cpu: "500m", memory: "1Gi" } } },
      { name: "helper" },
    ],
  },
};
const addresses = { hostIP: "127.0.0.1", podIP: "127.0.0.1" };
const allocatable = { cpu: "8", memory: "16Gi", "ephemeral-storage": "100Gi" };

describe("resolveFieldRef", () => {
  it.each([
    ["metadata.name", "job-1"],
    ["metadata.namespace", "ci"],
    ["metadata.uid", "u-1"],
    ["metadata.labels['b']", "2"],
    ["metadata.labels['missing']", ""],
    ["metadata.annotations['note']", "hi"],
    ["metadata.labels", 'a="x\\"y"\nb="2"'],
    ["spec.nodeName", "fargate-0"],
    ["spec.serviceAccountName", "runner"],
    ["status.podIP", "127.0.0.1"],
    ["status.hostIP", "127.0.0.1"],
  ])("%s", (path, value) => {
    expect(resolveFieldRef(pod, path, addresses)).toBe(value);
  });

  it("rejects unknown fields", () => {
    expect(() => resolveFieldRef(pod, "spec.nope", addresses)).toThrow(/unsupported fieldRef/);
  });
});

describe("resolveResourceFieldRef", () => {
  it.each([
    { container: "build", resource: "limits.cpu", divisor: undefined, value: "1" },
    { container: "build", resource: "limits.cpu", divisor: "1m", value: "500" },
    { container: "build", resource: "limits.memory", divisor: "1Mi", value: "1024" },
    { container: "build", resource: "requests.memory", divisor: "1Mi", value: "1024" },
    { container: "helper", resource: "limits.cpu", divisor: undefined, value: "8" },
    { container: "helper", resource: "requests.cpu", divisor: undefined, value: "0" },
  ])("$container $resource / $divisor", ({ container, resource, divisor, value }) => {
    const ref = { containerName: container, resource, ...(divisor ? { divisor } : {}) };
    expect(resolveResourceFieldRef(pod, undefined, ref, allocatable)).toBe(value);
  });
});

describe("parseQuantity", () => {
  it.each([
    ["250m", 0.25],
    ["2", 2],
    ["1Ki", 1024],
    ["1.5G", 1.5e9],
    ["1e3", 1000],
  ])("%s", (text, value) => {
    expect(parseQuantity(text)).toBe(value);
  });
  it.each(["", "1X", "abc"])("rejects %j", (text) => {
    expect(() => parseQuantity(text)).toThrow();
  });
});
