import { describe, expect, it } from "vitest";
import { runnerRecord } from "../testing/job-fixtures.js";
import type { JobRecord, RunnerRecord } from "../types.js";
import { runnerCanTake } from "./runner-matching.js";

const job = (tags: string[], projectId = 1) => ({ tags, projectId }) as unknown as JobRecord;

describe("runnerCanTake", () => {
  it.each<[string, Partial<RunnerRecord>, string[], number, boolean]>([
    ["untagged job, run_untagged runner", {}, [], 1, true],
    ["untagged job, tagged-only runner", { tags: ["a"], runUntagged: false }, [], 1, false],
    ["all tags present", { tags: ["a", "b", "c"] }, ["a", "b"], 1, true],
    ["a tag missing", { tags: ["a"] }, ["a", "b"], 1, false],
    ["paused runner", { paused: true }, [], 1, false],
    ["project runner, its project", { projectId: 1 }, [], 1, true],
    ["project runner, another project", { projectId: 2 }, [], 1, false],
  ])("%s", (_t, r, tags, projectId, expected) => {
    expect(runnerCanTake(runnerRecord(r), job(tags, projectId))).toBe(expected);
  });
});
