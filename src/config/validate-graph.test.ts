import { describe, expect, it } from "vitest";
import { load, problemsOf } from "./test-helpers.js";

const STAGES = "stages: [build, test, deploy]\n";
const job = (name: string, stage: string, extra = "") =>
  `${name}:\n  stage: ${stage}\n  script: [x]\n${extra}`;

describe("the job graph", () => {
  it.each([
    ["needs in an earlier stage", job("a", "build") + job("b", "test", "  needs: [a]\n")],
    ["needs in the same stage", job("a", "test") + job("b", "test", "  needs: [a]\n")],
    [
      "an optional need to a job that does not exist",
      job("b", "test", "  needs:\n    - job: gone\n      optional: true\n"),
    ],
    ["dependencies on an earlier stage", job("a", "build") + job("b", "test", "  dependencies: [a]\n")],
    [
      "dependencies inside needs",
      job("a", "build") + job("b", "test", "  needs: [a]\n  dependencies: [a]\n"),
    ],
    [
      "a partial matrix selector",
      job("m", "build", "  parallel:\n    matrix:\n      - OS: [linux, mac]\n        ARCH: [x64]\n") +
        job("b", "test", "  needs:\n    - job: m\n      parallel:\n        matrix:\n          - ARCH: x64\n"),
    ],
    ["jobs in .pre and .post", job("first", ".pre") + job("last", ".post")],
  ])("accepts %s", async (_, yaml) => {
    await expect(load(STAGES + yaml)).resolves.toBeDefined();
  });

  it.each([
    [
      "a stage not in stages",
      job("a", "tset"),
      "(a.stage): stage:tset not found for a\n  hint: did you mean `test`? stages: .pre, build, test, deploy, .post",
    ],
    [
      "a need to an unknown job",
      job("a", "test", "  needs: [bulid]\n") + job("build", "build"),
      "needs: [bulid] for a could not be found\n  hint: did you mean `build`?",
    ],
    [
      "a need to a later stage",
      job("a", "build", "  needs: [b]\n") + job("b", "test"),
      "needs: [b] for a is in a future stage",
    ],
    [
      "a need to itself",
      job("a", "test", "  needs: [a]\n"),
      "The pipeline has circular dependencies: self-dependency: a.",
    ],
    [
      "a needs cycle",
      job("a", "test", "  needs: [b]\n") +
        job("b", "test", "  needs: [c]\n") +
        job("c", "test", "  needs: [a]\n"),
      "The pipeline has circular dependencies: cycle: a → b → c → a.",
    ],
    [
      "a rules:needs to an unknown job",
      job("a", "test", "  rules:\n    - needs: [nope]\n"),
      "needs: [nope] for a could not be found",
    ],
    [
      "dependencies on an unknown job",
      job("a", "test", "  dependencies: [invalid]\n"),
      "dependencies: [invalid] for a cannot be found",
    ],
    [
      "dependencies on the same stage",
      job("a", "test") + job("b", "test", "  dependencies: [a]\n"),
      "dependencies: [a] for b is not defined in a prior stage",
    ],
    [
      "dependencies outside needs",
      job("one", "build") +
        job("two", "build") +
        job("three", "build") +
        job("t", "test", "  needs: [{ job: one, artifacts: false }, three]\n  dependencies: [one, two]\n"),
      "t needs: 'one,three' doesn't fully contain dependencies: 'one,two'",
    ],
    [
      "a matrix need on a job without a matrix",
      job("p", "build", "  parallel: 3\n") +
        job("b", "test", "  needs:\n    - job: p\n      parallel:\n        matrix:\n          - NAME: foo\n"),
      "b uses needs.parallel.matrix targeting p, but p has no parallel:matrix configuration",
    ],
    [
      "a matrix need that names no instance",
      job("p", "build", "  parallel:\n    matrix:\n      - NAME: [foo, bar]\n") +
        job(
          "b",
          "test",
          "  needs:\n    - job: p\n      parallel:\n        matrix:\n          - NAME: nope\n",
        ),
      "b needs.parallel.matrix selector for p matched zero permutations: [nope]",
    ],
  ])("rejects %s", async (_, yaml, message) => {
    expect((await problemsOf(STAGES + yaml)).join("\n")).toContain(message);
  });
});

describe("graph problems point at what the job wrote", () => {
  it("names the line of `needs`, `stage` and `dependencies`, reporting every wrong name", async () => {
    const yaml =
      "stages: [build, test]\nj:\n  stage: nope\n  script: [x]\n  needs: [a, b]\n  dependencies: [c, d]\n";
    const problems = await problemsOf(yaml);
    expect(problems).toEqual([
      expect.stringMatching(/^\.gitlab-ci\.yml:3:10 \(j\.stage\): stage:nope not found for j/),
      expect.stringMatching(/^\.gitlab-ci\.yml:5:10 \(j\.needs\): needs: \[a\] for j could not be found/),
      expect.stringMatching(/^\.gitlab-ci\.yml:5:10 \(j\.needs\): needs: \[b\] for j could not be found/),
      expect.stringMatching(
        /^\.gitlab-ci\.yml:6:17 \(j\.dependencies\): dependencies: \[c\] for j cannot be found/,
      ),
      expect.stringMatching(
        /^\.gitlab-ci\.yml:6:17 \(j\.dependencies\): dependencies: \[d\] for j cannot be found/,
      ),
      expect.stringContaining("j needs: 'a,b' doesn't fully contain dependencies: 'c,d'"),
    ]);
  });
});
