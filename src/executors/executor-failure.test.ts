import { describe, expect, it } from "vitest";
import { RunfleetError } from "../errors/index.js";
import { ExecutorFailure, failureReasonOf } from "./executor-failure.js";

describe("failureReasonOf", () => {
  it("reads the reason an executor failure carries", () => {
    const err = new ExecutorFailure("image_pull_failure", "UNAVAILABLE", "image nope:1 not found");
    expect(failureReasonOf(err)).toBe("image_pull_failure");
    expect(err).toBeInstanceOf(RunfleetError);
  });

  it("has none for other errors", () => {
    expect(failureReasonOf(new RunfleetError("INTERNAL", "boom"))).toBeUndefined();
    expect(failureReasonOf(new Error("boom"))).toBeUndefined();
  });
});
