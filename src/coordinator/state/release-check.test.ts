import { describe, expect, it } from "vitest";
import { jobRecord } from "../testing/job-fixtures.js";
import type { JobRecord } from "../types.js";
import { ReleaseIndex } from "./release-check.js";
import { settle } from "./settle.js";

type Status = JobRecord["status"];

function pipeline(jobs: JobRecord[]): Map<number, JobRecord> {
  return new Map(jobs.map((j) => [j.id, j]));
}

/** The jobs after `changes` (id → status), as a step's overlay. */
function overlayOf(jobs: Map<number, JobRecord>, changes: [number, Status][]): Map<number, JobRecord> {
  const overlay = new Map<number, JobRecord>();
  for (const [id, status] of changes) {
    const job = jobs.get(id);
    if (job !== undefined) overlay.set(id, { ...job, status });
  }
  return overlay;
}

/** What settle would release after the changes: the ground truth `couldRelease` must never miss. */
function releases(jobs: Map<number, JobRecord>, overlay: Map<number, JobRecord>): boolean {
  return (
    settle(
      [...jobs.values()].map((j) => overlay.get(j.id) ?? j),
      0,
    ).length > 0
  );
}

const running = (name: string, stage = 0, extra: Partial<JobRecord> = {}) => ({
  ...jobRecord(name, stage),
  status: "running" as const,
  ...extra,
});
const created = (name: string, stage: number, extra: Partial<JobRecord> = {}) => ({
  ...jobRecord(name, stage),
  status: "created" as const,
  ...extra,
});

describe("ReleaseIndex", () => {
  it("holds a later stage until the last job of a fan-out finishes, then lets settle run", () => {
    const fan = [running("a 1/3"), running("a 2/3"), running("a 3/3")];
    const deploy = created("deploy", 1);
    let jobs = pipeline([...fan, deploy]);
    const index = new ReleaseIndex(jobs);
    for (const [i, job] of fan.entries()) {
      const overlay = overlayOf(jobs, [[job.id, "success"]]);
      const could = index.couldRelease(jobs, overlay);
      expect(could).toBe(i === fan.length - 1);
      expect(releases(jobs, overlay)).toBe(could);
      jobs = new Map([...jobs, ...overlay]);
    }
  });

  it.each<[string, (ids: { a: number; b: number }) => [number, Status][], boolean]>([
    ["a job it needs finished", ({ a }) => [[a, "success"]], true],
    ["a job it does not need finished", ({ b }) => [[b, "success"]], false],
    ["a job it needs failed", ({ a }) => [[a, "failed"]], true],
  ])("a job gated by needs moves when %s", (_, change, expected) => {
    const a = running("a");
    const b = running("b");
    const deploy = created("deploy", 1, { needs: [{ job: "a", artifacts: false, optional: false }] });
    const jobs = pipeline([a, b, deploy]);
    const overlay = overlayOf(jobs, change({ a: a.id, b: b.id }));
    expect(new ReleaseIndex(jobs).couldRelease(jobs, overlay)).toBe(expected);
    if (expected) expect(releases(jobs, overlay)).toBe(true);
    else expect(releases(jobs, overlay)).toBe(false);
  });

  it.each<[string, boolean, boolean]>([
    ["a manual job that may fail does not hold back the next stage", true, true],
    ["a manual job that must not fail does", false, false],
  ])("%s", (_, allowFailure, expected) => {
    const manual = { ...jobRecord("m", 0, { when: "manual", allowFailure }), status: "manual" as const };
    const last = running("last");
    const next = created("next", 1);
    const jobs = pipeline([manual, last, next]);
    const overlay = overlayOf(jobs, [[last.id, "success"]]);
    expect(new ReleaseIndex(jobs).couldRelease(jobs, overlay)).toBe(expected);
    expect(releases(jobs, overlay)).toBe(expected);
  });

  it("finds another blocking job once the one it remembered has finished", () => {
    const early = [running("e1"), running("e2"), running("e3")];
    const next = created("next", 1);
    let jobs = pipeline([...early, next]);
    const index = new ReleaseIndex(jobs);
    // Finish in an order that retires the remembered (last) job first.
    for (const [i, job] of [...early].reverse().entries()) {
      const overlay = overlayOf(jobs, [[job.id, "success"]]);
      expect(index.couldRelease(jobs, overlay)).toBe(i === early.length - 1);
      jobs = new Map([...jobs, ...overlay]);
    }
  });

  it("says nothing can move once no job is created", () => {
    const jobs = pipeline([running("a"), { ...jobRecord("b", 1), status: "pending" }]);
    const overlay = overlayOf(jobs, [[[...jobs.keys()][0] ?? 0, "success"]]);
    expect(new ReleaseIndex(jobs).couldRelease(jobs, overlay)).toBe(false);
  });
});
