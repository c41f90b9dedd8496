import { describe, expect, it } from "vitest";
import { runnerVariables } from "./runner-variables.js";

describe("runnerVariables", () => {
  const env = { buildsDir: "/b", projectDir: "/b/abc/0/g/p", tempDir: "/b/abc/0/g/p.tmp", shared: true };
  it("sets the runner's own CI_* variables", () => {
    expect(runnerVariables({ env, slot: 3, token: "glrt-abcdefghij", timeoutSeconds: 60 })).toMatchObject({
      CI_BUILDS_DIR: "/b",
      CI_PROJECT_DIR: "/b/abc/0/g/p",
      CI_CONCURRENT_ID: "3",
      CI_SERVER: "yes",
      CI_JOB_TIMEOUT: "60",
      CI_RUNNER_SHORT_TOKEN: "abcdefgh",
      RUNNER_TEMP_PROJECT_DIR: "/b/abc/0/g/p.tmp",
      CI_SHARED_ENVIRONMENT: "true",
    });
  });
  it.each([
    [true, "CI_SHARED_ENVIRONMENT", "CI_DISPOSABLE_ENVIRONMENT"],
    [false, "CI_DISPOSABLE_ENVIRONMENT", "CI_SHARED_ENVIRONMENT"],
  ])("shared=%s sets %s only", (shared, present, absent) => {
    const vars = runnerVariables({ env: { ...env, shared }, slot: 0, token: "t", timeoutSeconds: 1 });
    expect(vars[present]).toBe("true");
    expect(vars[absent]).toBeUndefined();
  });
});
