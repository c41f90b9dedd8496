import { describe, expect, it } from "vitest";
import { context } from "./config-builder.test-support.js";
import { refsMatch } from "./evaluate-only-except.js";
import type { PlanContext } from "./types.js";

const mr: Partial<PlanContext> = {
  ref: "feature/login",
  source: "merge_request_event",
  mergeRequest: { iid: 4, sourceBranch: "feature/login", targetBranch: "main" },
};

describe("refsMatch (only/except refs)", () => {
  it.each([
    [["branches"], {}, true],
    [["branches"], { ref: "v1", refType: "tag" }, false],
    [["branches"], mr, false],
    [["tags"], { ref: "v1", refType: "tag" }, true],
    [["tags"], {}, false],
    [["main"], {}, true],
    [["main"], { ref: "mainline" }, false],
    [["/^release-\\d+$/"], { ref: "release-12" }, true],
    [["/^release-\\d+$/"], { ref: "release-x" }, false],
    [["/^FEATURE/i"], { ref: "feature-a" }, true],
    [["merge_requests"], mr, true],
    [["merge_requests"], {}, false],
    [["/^feature\\//"], mr, true],
    [["schedules"], { source: "schedule" }, true],
    [["pushes"], {}, true],
    [["pushes"], { source: "web" }, false],
    [["web"], { source: "web" }, true],
    [["api"], { source: "api" }, true],
    [["triggers"], { source: "trigger" }, true],
    [["pipelines"], { source: "parent_pipeline" }, true],
    [["main@group/project"], {}, true],
    [["main@other/project"], {}, false],
    [["branches@group/project"], {}, true],
    [["docs", "main"], {}, true],
  ] as const)("%j with %j → %s", (refs, fields, expected) => {
    expect(refsMatch(refs, context(fields as Partial<PlanContext>))).toBe(expected);
  });
});
