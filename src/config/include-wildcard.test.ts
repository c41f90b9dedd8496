import { describe, expect, it } from "vitest";
import { includeWildcardMatcher } from "./include-wildcard.js";

const FILES = [
  "configs/a.yml",
  "configs/sub/b.yml",
  "configs/sub/deep/c.yml",
  "configs/notes.txt",
  "configsx/d.yml",
  "e.yml",
];

describe("include:local wildcards", () => {
  it.each([
    ["configs/*.yml", ["configs/a.yml"]],
    ["configs/**.yml", ["configs/a.yml", "configs/sub/b.yml", "configs/sub/deep/c.yml"]],
    ["configs/**/*.yml", ["configs/sub/b.yml", "configs/sub/deep/c.yml"]],
    ["configs/*/*.yml", ["configs/sub/b.yml"]],
    ["**.yml", ["configs/a.yml", "configs/sub/b.yml", "configs/sub/deep/c.yml", "configsx/d.yml", "e.yml"]],
    ["*.yml", ["e.yml"]],
    ["configs*/*.yml", ["configs/a.yml", "configsx/d.yml"]],
    ["configs/sub/**", ["configs/sub/b.yml", "configs/sub/deep/c.yml"]],
  ])("%s matches %j", (pattern, expected) => {
    const isMatch = includeWildcardMatcher(pattern);
    expect(FILES.filter(isMatch)).toEqual(expected);
  });

  it.each([
    ["a?.yml", "a?.yml", "ab.yml"],
    ["[ab].yml", "[ab].yml", "a.yml"],
    ["{a,b}.yml", "{a,b}.yml", "a.yml"],
    ["a.yml", "a.yml", "axyml"],
  ])("treats everything but * in %s literally", (pattern, matching, other) => {
    const isMatch = includeWildcardMatcher(pattern);
    expect([isMatch(matching), isMatch(other)]).toEqual([true, false]);
  });
});
