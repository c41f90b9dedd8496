import { describe, expect, it } from "vitest";
import { parseJobPayload } from "./parse-job-payload.js";

const minimal = {
  id: 5,
  token: "glcbt-x",
  job_info: { name: "build", stage: "test", project_id: 1, project_name: "app" },
  git_info: { repo_url: "http://gitlab-ci-token:x@127.0.0.1/app.git", sha: "a".repeat(40), ref: "main" },
  steps: [{ name: "script", script: ["echo hi"], timeout: 3600, when: "on_success", allow_failure: false }],
};

describe("parseJobPayload", () => {
  it("fills what GitLab may send as null or leave out", () => {
    const job = parseJobPayload({
      ...minimal,
      variables: null,
      artifacts: null,
      cache: [{ paths: ["x"] }],
      dependencies: null,
      features: null,
    });
    expect(job.variables).toEqual([]);
    expect(job.artifacts).toEqual([]);
    expect(job.dependencies).toEqual([]);
    expect(job.cache).toEqual([
      {
        key: "default",
        untracked: false,
        paths: ["x"],
        policy: "pull-push",
        when: "on_success",
        fallback_keys: [],
      },
    ]);
    expect(job.features).toEqual({ trace_sections: true, failure_reasons: [], token_mask_prefixes: [] });
    expect(job.git_info).toMatchObject({ refspecs: [], depth: 0 });
    expect(job.runner_info.timeout).toBe(0);
    expect(job.allow_git_fetch).toBe(true);
    expect(job.image).toBeNull();
  });

  it("normalises artifact entries", () => {
    const job = parseJobPayload({
      ...minimal,
      artifacts: [{ paths: ["out/"], artifact_type: "", when: "always", artifact_format: "gzip" }],
    });
    expect(job.artifacts[0]).toEqual({
      name: "",
      untracked: false,
      paths: ["out/"],
      exclude: [],
      when: "always",
      expire_in: null,
      artifact_type: "archive",
      artifact_format: "gzip",
    });
  });

  it.each([
    ["not an object", "x", "job"],
    ["no id", { ...minimal, id: "5" }, "id"],
    ["no token", { ...minimal, token: undefined }, "token"],
    ["no job name", { ...minimal, job_info: {} }, "job_info.name"],
    ["no sha", { ...minimal, git_info: { repo_url: "u" } }, "git_info"],
  ])("refuses %s", (_name, raw, field) => {
    expect(() => parseJobPayload(raw)).toThrow(`\`${field}\``);
  });
});
