import { describe, expect, it } from "vitest";
import type { GitInfo } from "../protocol/index.js";
import { sourcesSpec } from "./git-sources.js";

const git: GitInfo = {
  repo_url: "http://gitlab-ci-token:t@127.0.0.1/p.git",
  ref: "main",
  sha: "a".repeat(40),
  before_sha: "0".repeat(40),
  ref_type: "branch",
  refspecs: ["+refs/pipelines/1:refs/pipelines/1"],
  depth: 20,
};

describe("sourcesSpec", () => {
  it.each([
    [{}, true, { strategy: "fetch", depth: 20, checkout: true, cleanFlags: ["-ffdx"] }],
    [{}, false, { strategy: "clone", depth: 20, checkout: true, cleanFlags: ["-ffdx"] }],
    [{ GIT_STRATEGY: "none" }, true, { strategy: "none", depth: 20, checkout: true, cleanFlags: ["-ffdx"] }],
    [
      { GIT_STRATEGY: "clone", GIT_DEPTH: "0" },
      true,
      { strategy: "clone", depth: 0, checkout: true, cleanFlags: ["-ffdx"] },
    ],
    [{ GIT_DEPTH: "bogus" }, true, { strategy: "fetch", depth: 20, checkout: true, cleanFlags: ["-ffdx"] }],
    [
      { GIT_CHECKOUT: "false", GIT_CLEAN_FLAGS: "none" },
      true,
      { strategy: "fetch", depth: 20, checkout: false, cleanFlags: [] },
    ],
    [
      { GIT_CLEAN_FLAGS: "-ffdx -e cache/" },
      true,
      { strategy: "fetch", depth: 20, checkout: true, cleanFlags: ["-ffdx", "-e", "cache/"] },
    ],
  ])("variables %j, allow fetch %s", (vars: Record<string, string>, allowGitFetch, expected) => {
    const spec = sourcesSpec({ git, allowGitFetch, lookup: (n) => vars[n] });
    expect({
      strategy: spec.strategy,
      depth: spec.depth,
      checkout: spec.checkout,
      cleanFlags: spec.cleanFlags,
    }).toEqual(expected);
  });
});
