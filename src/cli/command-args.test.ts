import { describe, expect, it } from "vitest";
import { RunfleetError } from "../errors/index.js";
import { parseCommandArgs, parseVariablePairs } from "./command-args.js";

function usageOf(work: () => unknown): RunfleetError {
  try {
    work();
  } catch (err) {
    if (err instanceof RunfleetError) return err;
    throw err;
  }
  throw new Error("expected a usage error");
}

describe("parseCommandArgs", () => {
  const config = { strict: true, allowPositionals: false, options: { file: { type: "string" } } } as const;

  it("returns node's parsed values", () => {
    expect(parseCommandArgs("lint", { ...config, args: ["--file", "a.yml"] }).values).toEqual({
      file: "a.yml",
    });
  });

  it.each([
    [["--nope"], /Unknown option '--nope'/],
    [["--file"], /--file/],
    [["extra"], /positional/i],
  ])("%j is a usage error pointing at the command's help", (args, message) => {
    const err = usageOf(() => parseCommandArgs("lint", { ...config, args }));
    expect(err.code).toBe("USAGE");
    expect(err.message).toMatch(message);
    expect(err.hint).toBe("see `runfleet lint --help`");
  });
});

describe("parseVariablePairs", () => {
  it("reads KEY=VALUE pairs, the value may hold = and be empty, a later key wins", () => {
    expect(parseVariablePairs("plan", ["A=1", "B=x=y", "C=", "A=2"])).toEqual({ A: "2", B: "x=y", C: "" });
  });

  it.each([
    ["NOEQUALS", '--var expects KEY=VALUE, got "NOEQUALS"'],
    ["=x", '--var expects KEY=VALUE, got "=x"'],
    ["1BAD=x", '--var: "1BAD" is not a valid variable name'],
    ["A-B=x", '--var: "A-B" is not a valid variable name'],
  ])("%s is refused", (pair, message) => {
    const err = usageOf(() => parseVariablePairs("plan", [pair]));
    expect(err.code).toBe("USAGE");
    expect(err.message).toBe(message);
  });
});
