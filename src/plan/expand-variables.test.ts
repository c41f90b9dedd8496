// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitLab's ${VAR} syntax under test
import { describe, expect, it } from "vitest";
import { expandAll, expandString } from "./expand-variables.js";

describe("expandString", () => {
  it.each([
    ["apps/$APP/**", "apps/pay/**"],
    ["${APP}-x", "pay-x"],
    ["$$APP", "$APP"],
    ["$MISSING/x", "/x"],
    ["no vars", "no vars"],
  ])("%j → %j", (input, expected) => {
    expect(expandString(input, { APP: "pay" })).toBe(expected);
  });
});

describe("expandAll", () => {
  it("resolves chains, keeps raw names and stops on self-reference", () => {
    expect(
      expandAll({ A: "$B-a", B: "${C}b", C: "c", RAW: "$A", SELF: "x$SELF", LIT: "$$A" }, new Set(["RAW"])),
    ).toEqual({ A: "cb-a", B: "cb", C: "c", RAW: "$A", SELF: "x$SELF", LIT: "$$A" });
  });
});
