import { describe, expect, it } from "vitest";
import { defaultConcurrency } from "./run-options.js";

describe("defaultConcurrency", () => {
  it.each([
    [2, 8],
    [1, 4],
    [0, 2],
  ])("runs several jobs per core by default (%i cores → %i)", (cores, jobs) => {
    expect(defaultConcurrency(cores)).toBe(jobs);
  });
});
