import { describe, expect, it } from "vitest";
import { closest, levenshtein } from "./did-you-mean.js";

describe("did you mean", () => {
  it.each([
    ["script", "script", 0],
    ["scrpt", "script", 1],
    ["kitten", "sitting", 3],
    ["", "abc", 3],
  ])("levenshtein(%s, %s) = %d", (a, b, d) => {
    expect(levenshtein(a, b)).toBe(d);
  });

  it.each([
    ["scirpt", "script"],
    ["befor_script", "before_script"],
    ["STAGE", "stage"],
    ["completely-different", undefined],
  ])("%s → %s", (word, expected) => {
    expect(closest(word, ["script", "before_script", "stage", "stages"])).toBe(expected);
  });
});
