import { describe, expect, it } from "vitest";
import { submittedJob } from "../testing/job-fixtures.js";
import type { PipelineSubmission, SubmittedJob } from "../types.js";
import { settleNewJobs } from "./plan-step.js";
import { newJobsFor } from "./submission.js";

function settled(jobs: SubmittedJob[]) {
  const submission: PipelineSubmission = { stages: ["build", "test"], variables: [], jobs };
  return settleNewJobs(newJobsFor(submission, 1, 50), 100).map((j) => [
    j.name,
    j.status,
    j.queuedAt,
    j.scheduledAt,
    j.finishedAt,
  ]);
}

describe("settleNewJobs", () => {
  it.each([
    {
      what: "the first stage is queued, later stages wait",
      jobs: [submittedJob("a", { stage: "build" }), submittedJob("b", { stage: "test" })],
      expected: [
        ["a", "pending", 100, null, null],
        ["b", "created", null, null, null],
      ],
    },
    {
      what: "empty needs start at once, whatever their stage",
      jobs: [submittedJob("a", { stage: "build" }), submittedJob("b", { stage: "test", needs: [] })],
      expected: [
        ["a", "pending", 100, null, null],
        ["b", "pending", 100, null, null],
      ],
    },
    {
      what: "manual, delayed and on_failure jobs take their first state",
      jobs: [
        submittedJob("m", { stage: "build", when: "manual" }),
        submittedJob("d", { stage: "build", when: "delayed", startInSeconds: 3 }),
        submittedJob("f", { stage: "build", when: "on_failure" }),
      ],
      expected: [
        ["m", "manual", null, null, null],
        ["d", "scheduled", null, 3100, null],
        ["f", "skipped", null, null, 100],
      ],
    },
    {
      what: "a skipped first stage releases the next one in the same settle",
      jobs: [submittedJob("f", { stage: "build", when: "on_failure" }), submittedJob("b", { stage: "test" })],
      expected: [
        ["f", "skipped", null, null, 100],
        ["b", "pending", 100, null, null],
      ],
    },
  ])("$what", ({ jobs, expected }) => {
    expect(settled(jobs)).toEqual(expected);
  });
});
