import { describe, expect, it } from "vitest";
import type { Pod, PodPhase } from "../kube/types.js";
import { podHostname, restartBackoffMs, type StopCause, stopVerdict } from "./worker-support.js";

describe("podHostname", () => {
  it.each([
    { name: "job-1", hostname: undefined, out: "job-1" },
    { name: "job-1", hostname: "build", out: "build" },
    { name: `${"a".repeat(62)}-bcd`, hostname: undefined, out: "a".repeat(62) },
  ])("$name / $hostname → $out", ({ name, hostname, out }) => {
    const pod: Pod = { metadata: { name }, spec: { containers: [], ...(hostname ? { hostname } : {}) } };
    expect(podHostname(pod)).toBe(out);
  });
});

describe("stopVerdict", () => {
  it.each<{ cause: StopCause; phase: PodPhase; verdict: string | undefined }>([
    { cause: "shutdown", phase: "Succeeded", verdict: "Failed/Terminated" },
    { cause: "shutdown", phase: "Running", verdict: "Failed/Terminated" },
    { cause: "deleted", phase: "Succeeded", verdict: undefined },
    { cause: "deleted", phase: "Failed", verdict: undefined },
    { cause: "deleted", phase: "Pending", verdict: "Failed/Terminated" },
  ])("$cause while $phase → $verdict", ({ cause, phase, verdict }) => {
    const v = stopVerdict(cause, phase);
    expect(v ? `${v.phase}/${v.reason}` : undefined).toBe(verdict);
  });
});

describe("restartBackoffMs", () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [5, 16_000],
    [10, 30_000],
  ])("restart %i waits %i ms", (restarts, ms) => {
    expect(restartBackoffMs(restarts)).toBe(ms);
  });
});
