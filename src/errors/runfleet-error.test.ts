import { describe, expect, it } from "vitest";
import { RunfleetError, toRunfleetError } from "./runfleet-error.js";

describe("RunfleetError", () => {
  it("formats location, key path and hint for a user", () => {
    const err = new RunfleetError("CONFIG_INVALID", "unknown keyword `scrpt`", {
      location: { file: ".gitlab-ci.yml", line: 3, column: 5, path: "build.scrpt" },
      hint: "did you mean `script`?",
    });
    expect(err.format()).toBe(
      ".gitlab-ci.yml:3:5 (build.scrpt): unknown keyword `scrpt`\n  hint: did you mean `script`?",
    );
  });

  it("wraps foreign errors as INTERNAL and keeps the cause", () => {
    const cause = new TypeError("boom");
    const err = toRunfleetError(cause);
    expect(err.code).toBe("INTERNAL");
    expect(err.cause).toBe(cause);
    expect(toRunfleetError(err)).toBe(err);
  });
});
