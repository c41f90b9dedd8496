// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GIT_CLONE_PATH values are shell syntax
import { describe, expect, it } from "vitest";
import type { JobPayload } from "../protocol/index.js";
import { projectDirFor, safeProjectPath } from "./clone-path.js";
import type { ExecutorJob } from "./types.js";

function job(vars: Record<string, string> = {}): ExecutorJob {
  const payload = {
    job_info: {
      id: 1,
      name: "j",
      stage: "test",
      pipeline_id: 1,
      project_id: 1,
      project_name: "app",
      project_full_path: "group/app",
    },
    variables: [
      ...Object.entries(vars).map(([key, value]) => ({ key, value, public: true, masked: false })),
      { key: "CI_PROJECT_NAME", value: "app", public: true, masked: false },
    ],
  } as unknown as JobPayload;
  return { payload, slot: 2, runnerShortToken: "abcd1234" };
}

describe("safeProjectPath", () => {
  it.each([
    ["group/app", "group/app"],
    ["../../etc", "etc"],
    ["/abs//x/./y", "abs/x/y"],
    ["", "project"],
  ])("%j → %j", (p, s) => expect(safeProjectPath(p)).toBe(s));
});

describe("projectDirFor", () => {
  it("uses builds_dir/<token>/<slot>/<project path>", () => {
    expect(projectDirFor(job(), "/builds", false)).toBe("/builds/abcd1234/2/group/app");
  });

  it.each([
    ["$CI_BUILDS_DIR/$CI_CONCURRENT_ID/${CI_PROJECT_NAME}", "/builds/2/app"],
    ["/builds/fixed/place", "/builds/fixed/place"],
    ["relative/dir", "/builds/relative/dir"],
  ])("GIT_CLONE_PATH %j → %s when enabled", (value, dir) => {
    expect(projectDirFor(job({ GIT_CLONE_PATH: value }), "/builds", true)).toBe(dir);
  });

  it.each([
    [{ GIT_CLONE_PATH: "/tmp/elsewhere" }, true, /outside the builds directory/],
    [{ GIT_CLONE_PATH: "$CI_BUILDS_DIR/../escape" }, true, /outside the builds directory/],
    [{ GIT_CLONE_PATH: "$CI_BUILDS_DIR" }, true, /outside the builds directory/],
    [{ GIT_CLONE_PATH: "$CI_BUILDS_DIR/x" }, false, /does not allow custom build directories/],
  ])("refuses %j (enabled %s)", (vars, enabled, message) => {
    expect(() => projectDirFor(job(vars), "/builds", enabled)).toThrow(message);
  });
});
