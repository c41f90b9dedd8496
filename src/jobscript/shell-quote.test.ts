import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellQuote } from "./shell-quote.js";

describe("shellQuote", () => {
  it.each([
    ["simple", "simple"],
    ["", "''"],
    ["with space", "'with space'"],
    ["it's", `'it'"'"'s'`],
    ["$HOME", "'$HOME'"],
  ])("%j → %s", (input, expected) => {
    expect(shellQuote(input)).toBe(expected);
  });

  it.each([
    ["a b"],
    ['it\'s "quoted"'],
    ["$(rm -rf /) `x` $HOME \\n"],
    ["line1\nline2"],
    ["ünï ✓"],
  ])("round-trips %j through sh", (value) => {
    const out = execFileSync("sh", ["-c", `printf '%s' ${shellQuote(value)}`], { encoding: "utf8" });
    expect(out).toBe(value);
  });
});
