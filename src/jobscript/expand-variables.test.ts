// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell syntax under test
import { describe, expect, it } from "vitest";
import { expandVariables } from "./expand-variables.js";

const vars: Record<string, string> = { A: "alpha", B_2: "beta", EMPTY: "", NESTED: "$A" };
const lookup = (name: string): string | undefined => vars[name];

describe("expandVariables", () => {
  it.each([
    ["plain text", "plain text"],
    ["$A", "alpha"],
    ["${A}", "alpha"],
    ["x-${B_2}-y", "x-beta-y"],
    ["$A$B_2", "alphabeta"],
    ["$$A", "$A"],
    ["$$$A", "$alpha"],
    ["cost: 5$", "cost: 5$"],
    ["a $ b", "a $ b"],
    ["$MISSING!", "!"],
    ["${MISSING}", ""],
    ["$EMPTY.", "."],
    ["$NESTED", "$A"],
    ["${A", "${A"],
    ["$A/sub", "alpha/sub"],
  ])("%j → %j", (input, expected) => {
    expect(expandVariables(input, lookup)).toBe(expected);
  });
});
