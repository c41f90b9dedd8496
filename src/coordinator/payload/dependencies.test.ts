import { describe, expect, it } from "vitest";
import { jobRecord as record } from "../testing/job-fixtures.js";
import type { NeedRef, SubmittedJob } from "../types.js";
import { dependencyJobs, mayHaveDependencies } from "./dependencies.js";

const need = (job: string, artifacts = true): NeedRef => ({ job, artifacts, optional: false });

describe("dependencyJobs", () => {
  const one = record("one", 0);
  const two = record("two", 0);
  const trigger = record("bridge", 0, {
    trigger: { kind: "artifact", strategy: "depend", job: "one", artifact: "child.yml" },
  });
  const pipeline = [one, two, trigger];

  it.each([
    ["earlier stages, no trigger jobs", {}, ["one", "two"]],
    ["dependencies alone", { dependencies: ["two"] }, ["two"]],
    ["needs asking for artifacts", { needs: [need("one", false), need("two")] }, ["two"]],
    [
      "needs narrowed by dependencies: artifacts: false wins over a listed dependency",
      { needs: [need("one", false), need("two")], dependencies: ["two", "one"] },
      ["two"],
    ],
    ["needs with empty dependencies", { needs: [need("one")], dependencies: [] }, []],
    ["needs none of which ask for artifacts", { needs: [need("one", false)], dependencies: ["one"] }, []],
  ] as const)("%s", (_, overrides, expected) => {
    const job = record("job", 1, overrides as Partial<SubmittedJob>);
    expect(dependencyJobs(job, [...pipeline, job]).map((j) => j.name)).toEqual(expected);
    expect(mayHaveDependencies(job)).toBe(expected.length > 0);
  });

  it("skips retried attempts", () => {
    const old = { ...record("one", 0), retried: true };
    const job = record("job", 1, { dependencies: ["one"] });
    expect(dependencyJobs(job, [old, job])).toEqual([]);
  });
});
