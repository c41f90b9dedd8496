import { describe, expect, it } from "vitest";
import type { JobRecord, RunnerRecord } from "../types.js";
import { runnerCanTake } from "./runner-matching.js";

const runner = (o: Partial<RunnerRecord>): RunnerRecord => ({
  id: 1,
  description: "",
  tags: [],
  runUntagged: true,
  locked: false,
  paused: false,
  projectId: null,
  maximumTimeout: null,
  createdAt: 0,
  contactedAt: null,
  ...o,
});
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
    expect(runnerCanTake(runner(r), job(tags, projectId))).toBe(expected);
  });
});
