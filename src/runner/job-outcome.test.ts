import { describe, expect, it } from "vitest";
import type { FailureReason } from "../protocol/index.js";
import { ciJobStatus, type JobOutcome, mapFailureReason, outcomeUpdate } from "./job-outcome.js";

describe("outcomeUpdate", () => {
  it.each<[JobOutcome, object, string]>([
    [{ kind: "success" }, { state: "success" }, "success"],
    [
      { kind: "script_failed", exitCode: 3 },
      { state: "failed", failure_reason: "script_failure", exit_code: 3 },
      "failed",
    ],
    [
      { kind: "timed_out", timeoutSeconds: 5 },
      { state: "failed", failure_reason: "job_execution_timeout" },
      "timedout",
    ],
    [{ kind: "canceled" }, { state: "failed", failure_reason: "job_canceled" }, "canceled"],
    [{ kind: "aborted" }, { state: "failed", failure_reason: "job_canceled" }, "canceled"],
    [
      { kind: "system_failure", message: "x" },
      { state: "failed", failure_reason: "runner_system_failure" },
      "failed",
    ],
    [
      { kind: "system_failure", message: "no such image", reason: "image_pull_failure" },
      { state: "failed", failure_reason: "image_pull_failure" },
      "failed",
    ],
  ])("%j", (outcome, update, status) => {
    expect(outcomeUpdate(outcome, [])).toEqual(update);
    expect(ciJobStatus(outcome)).toBe(status);
  });
});

describe("mapFailureReason", () => {
  const supported = ["script_failure", "api_failure"];
  it.each<[FailureReason, FailureReason]>([
    ["script_failure", "script_failure"],
    ["job_execution_timeout", "job_execution_timeout"],
    ["runner_system_failure", "runner_system_failure"],
    ["image_pull_failure", "runner_system_failure"],
    ["runner_external_dependency_failure", "runner_system_failure"],
    ["runner_configuration_error", "script_failure"],
    ["job_canceled", "unknown_failure"],
  ])("%s → %s when the coordinator lists only a few", (reason, mapped) => {
    expect(mapFailureReason(reason, supported)).toBe(mapped);
  });
  it("passes anything through when the coordinator lists nothing", () => {
    expect(mapFailureReason("job_canceled", [])).toBe("job_canceled");
  });
});
