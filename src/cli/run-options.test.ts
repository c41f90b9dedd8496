import { describe, expect, it } from "vitest";
import { defaultConcurrency } from "../local-run/index.js";
import { parseRunOptions } from "./run-options.js";

describe("parseRunOptions", () => {
  it("reads every option", () => {
    const o = parseRunOptions(
      [
        "build",
        "test",
        "--file",
        "ci.yml",
        "--cwd",
        "sub",
        "--concurrency",
        "3",
        "--var",
        "A=1",
        "--var",
        "B=x=y",
      ].concat([
        "--ref",
        "feature",
        "--source",
        "web",
        "--quiet",
        "--report",
        "out.json",
        "--executor",
        "shell",
        "--manual",
        "deploy",
      ]),
      "/home/me/repo",
    );
    expect(o).toEqual({
      jobs: ["build", "test"],
      manual: ["deploy"],
      file: "ci.yml",
      cwd: "/home/me/repo/sub",
      concurrency: 3,
      variables: { A: "1", B: "x=y" },
      ref: "feature",
      source: "web",
      quiet: true,
      report: "/home/me/repo/out.json",
      executor: "shell",
      image: undefined,
      help: false,
    });
  });

  it("has defaults for everything", () => {
    expect(parseRunOptions([], "/r")).toMatchObject({
      jobs: [],
      file: undefined,
      cwd: "/r",
      concurrency: defaultConcurrency(),
      variables: {},
      source: "push",
      quiet: false,
      executor: undefined,
      image: undefined,
    });
  });

  it.each<[string[], string | undefined, string | undefined]>([
    [["--executor", "docker"], "docker", undefined],
    [["--executor=shell"], "shell", undefined],
    [["--executor", "docker", "--image", "alpine:3"], "docker", "alpine:3"],
  ])("%j chooses the executor", (args, executor, image) => {
    expect(parseRunOptions(args, "/r")).toMatchObject({ executor, image });
  });

  it.each([
    [["--bogus"]],
    [["--var", "NOEQUALS"]],
    [["--var", "1BAD=x"]],
    [["--concurrency", "0"]],
    [["--concurrency", "two"]],
    [["--source", "moon"]],
    [["--executor", "kubernetes"]],
    [["--executor", ""]],
    [["--image", "alpine:3"]],
    [["--executor", "shell", "--image", "alpine:3"]],
    [["--executor", "docker", "--image", ""]],
    [["--file"]],
    [["--file", ""]],
  ])("%j is a usage error", (args) => {
    expect(() => parseRunOptions(args, "/r")).toThrow(expect.objectContaining({ code: "USAGE" }));
  });

  it("points usage errors at the command's help", () => {
    expect(() => parseRunOptions(["--var", "NOEQUALS"], "/r")).toThrow(
      expect.objectContaining({ code: "USAGE", hint: "see `runfleet run --help`" }),
    );
  });
});
