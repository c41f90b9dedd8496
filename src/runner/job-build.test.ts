import { describe, expect, it } from "vitest";
import { attemptsFrom } from "./job-build.js";

describe("attemptsFrom", () => {
  it.each([
    [undefined, 1],
    ["", 1],
    ["3", 3],
    ["0", 1],
    ["42", 10],
    ["x", 1],
  ])("%j → %i", (value, n) => expect(attemptsFrom(value)).toBe(n));
});
