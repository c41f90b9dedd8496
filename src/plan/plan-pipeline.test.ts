import { describe, expect, it } from "vitest";
import type { MatrixEntry } from "../config/types.js";
import { RunfleetError } from "../errors/index.js";
import { config, context, job, rule, vars } from "./config-builder.test-support.js";
import { planPipeline } from "./plan-pipeline.js";
import type { PipelinePlan, PlanResult } from "./types.js";

function planOf(result: PlanResult): PipelinePlan {
  if (result.kind !== "pipeline") throw new Error(`expected a pipeline, got: ${result.noPipeline.reason}`);
  return result.plan;
}

const names = (result: PlanResult): string[] => planOf(result).jobs.map((j) => j.name);

function thrown(fn: () => unknown): RunfleetError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RunfleetError) return err;
    throw err;
  }
  throw new Error("expected a RunfleetError");
}

describe("planPipeline", () => {
  it("orders jobs by stage and keeps only stages with jobs", () => {
    const plan = planOf(
      planPipeline(config([job("deploy", { stage: "deploy" }), job("build", { stage: "build" })]), context()),
    );
    expect(plan.stages).toEqual(["build", "deploy"]);
    expect(plan.jobs.map((j) => [j.name, j.stageIndex])).toEqual([
      ["build", 0],
      ["deploy", 1],
    ]);
  });

  it.each([
    ["push on main", context(), ["always", "main-only", "plain"]],
    ["tag", context({ ref: "v1.0", refType: "tag" }), ["always", "plain", "tags"]],
    [
      "merge request",
      context({
        ref: "feature",
        source: "merge_request_event",
        mergeRequest: { iid: 3, sourceBranch: "feature", targetBranch: "main" },
      }),
      ["always", "mr"],
    ],
    ["schedule on a branch", context({ source: "schedule" }), ["always", "main-only", "plain"]],
  ])("rules and only/except for %s", (_, ctx, expected) => {
    const cfg = config([
      job("always", { rules: [rule({ when: "always" })] }),
      job("main-only", { rules: [rule({ if: "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" })] }),
      job("mr", { rules: [rule({ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' })] }),
      job("plain"),
      job("tags", { only: { refs: ["tags"], variables: [], changes: [], location: job("x").location } }),
    ]);
    expect(names(planPipeline(cfg, ctx))).toEqual(expected);
  });

  it("expands parallel and matrix with GitLab's names and node variables", () => {
    const plan = planOf(
      planPipeline(
        config([
          job("unit", { parallel: { kind: "count", count: 3 } }),
          job("deploy", {
            stage: "deploy",
            parallel: {
              kind: "matrix",
              matrix: [{ CLOUD: ["aws", "gcp"], REGION: ["eu"] }, { CLOUD: ["azure"] }],
            },
          }),
        ]),
        context(),
      ),
    );
    expect(plan.jobs.map((j) => j.name)).toEqual([
      "unit 1/3",
      "unit 2/3",
      "unit 3/3",
      "deploy: [aws, eu]",
      "deploy: [gcp, eu]",
      "deploy: [azure]",
    ]);
    expect(plan.jobs[1]?.variables).toEqual({ CI_NODE_INDEX: "2", CI_NODE_TOTAL: "3" });
    expect(plan.jobs[4]?.variables).toEqual({
      CLOUD: "gcp",
      REGION: "eu",
      CI_NODE_INDEX: "2",
      CI_NODE_TOTAL: "3",
    });
  });

  it("resolves needs on parallel jobs to every instance or the matrix subset", () => {
    const plan = planOf(
      planPipeline(
        config([
          job("build", { stage: "build", parallel: { kind: "count", count: 2 } }),
          job("pkg", { stage: "build", parallel: { kind: "matrix", matrix: [{ OS: ["linux", "mac"] }] } }),
          job("test", {
            needs: [
              { kind: "job", job: "build", optional: false, artifacts: true },
              { kind: "job", job: "pkg", optional: false, artifacts: false, matrix: [{ OS: ["mac"] }] },
            ],
          }),
        ]),
        context(),
      ),
    );
    expect(plan.jobs.find((j) => j.name === "test")?.needs).toEqual([
      { name: "build 1/2", artifacts: true, optional: false },
      { name: "build 2/2", artifacts: true, optional: false },
      { name: "pkg: [mac]", artifacts: false, optional: false },
    ]);
  });

  it.each<[string, MatrixEntry[], string[]]>([
    ["a partial selector: every instance agreeing on it", [{ ARCH: ["x64"] }], ["x64, linux", "x64, mac"]],
    ["a full selector: that instance", [{ ARCH: ["x64"], OS: ["mac"] }], ["x64, mac"]],
    [
      "a partial selector with several values",
      [{ OS: ["linux"], ARCH: ["x64", "arm"] }],
      ["x64, linux", "arm, linux"],
    ],
    ["an exact row before rows with more variables", [{ ARCH: ["riscv"] }], ["riscv"]],
    [
      "two selectors, each instance once",
      [{ ARCH: ["arm"] }, { OS: ["mac"] }],
      ["arm, linux", "arm, mac", "x64, mac"],
    ],
  ])("resolves a matrix need with %s", (_, selector, instances) => {
    const plan = planOf(
      planPipeline(
        config([
          job("build", {
            stage: "build",
            parallel: {
              kind: "matrix",
              matrix: [
                { ARCH: ["x64", "arm"], OS: ["linux", "mac"] },
                { ARCH: ["riscv"] },
                { ARCH: ["riscv"], OS: ["linux"] },
              ],
            },
          }),
          job("test", {
            needs: [{ kind: "job", job: "build", optional: false, artifacts: true, matrix: selector }],
          }),
        ]),
        context(),
      ),
    );
    expect(plan.jobs.find((j) => j.name === "test")?.needs?.map((n) => n.name)).toEqual(
      instances.map((i) => `build: [${i}]`),
    );
  });

  it("rejects a matrix selector no instance agrees with", () => {
    const err = thrown(() =>
      planPipeline(
        config([
          job("build", {
            stage: "build",
            parallel: { kind: "matrix", matrix: [{ ARCH: ["x64"], OS: ["linux"] }] },
          }),
          job("test", {
            needs: [
              { kind: "job", job: "build", optional: false, artifacts: true, matrix: [{ ARCH: ["arm"] }] },
            ],
          }),
        ]),
        context(),
      ),
    );
    expect(err.message).toBe(
      "job `test` needs `build` with matrix ARCH=arm, but no such instance is in this pipeline",
    );
  });

  it("rejects a need on a job that rules removed, unless optional", () => {
    const removed = job("build", { stage: "build", rules: [rule({ if: "$NOPE" })] });
    const need = (optional: boolean) =>
      job("test", { needs: [{ kind: "job", job: "build", optional, artifacts: true }] });
    const err = thrown(() => planPipeline(config([removed, need(false)]), context()));
    expect(err.code).toBe("PLAN_INVALID");
    expect(err.message).toContain("`build` is not in this pipeline");
    expect(planOf(planPipeline(config([removed, need(true)]), context())).jobs[0]?.needs).toEqual([]);
  });

  it.each([
    [
      "unknown job",
      [job("test", { needs: [{ kind: "job", job: "ghost", optional: false, artifacts: true }] })],
      "not defined",
    ],
    [
      "later stage",
      [
        job("build", {
          stage: "build",
          needs: [{ kind: "job", job: "test", optional: false, artifacts: true }],
        }),
        job("test"),
      ],
      "a later stage",
    ],
    [
      "cycle",
      [
        job("a", { needs: [{ kind: "job", job: "b", optional: false, artifacts: true }] }),
        job("b", { needs: [{ kind: "job", job: "a", optional: false, artifacts: true }] }),
      ],
      "cycle: `a` → `b` → `a`",
    ],
  ])("rejects needs: %s", (_, jobs, message) => {
    expect(thrown(() => planPipeline(config(jobs), context())).message).toContain(message);
  });

  it.each([
    [
      [rule({ if: '$CI_PIPELINE_SOURCE == "schedule"', when: "never" }), rule({ when: "always" })],
      "push",
      true,
    ],
    [[rule({ if: '$CI_PIPELINE_SOURCE == "push"', when: "never" }), rule({ when: "always" })], "push", false],
    [[rule({ if: '$CI_PIPELINE_SOURCE == "web"' })], "push", false],
  ] as const)("workflow:rules %#", (rules, source, runs) => {
    const result = planPipeline(config([job("a")], { workflow: { rules } }), context({ source }));
    expect(result.kind === "pipeline").toBe(runs);
  });

  it("says which workflow rule stopped the pipeline", () => {
    const result = planPipeline(
      config([job("a")], { workflow: { rules: [rule({ if: "$CI_COMMIT_BRANCH", when: "never" })] } }),
      context(),
    );
    expect(result).toMatchObject({ kind: "none", noPipeline: { reason: expect.stringContaining("rule 1") } });
  });

  it("gives workflow:rules:variables to jobs and their rules", () => {
    const cfg = config(
      [
        job("deploy", { rules: [rule({ if: '$TARGET == "prod"' })] }),
        job("other", { inheritVariables: false }),
      ],
      { variables: vars({ TARGET: "dev" }), workflow: { rules: [rule({ variables: { TARGET: "prod" } })] } },
    );
    const plan = planOf(planPipeline(cfg, context()));
    expect(plan.jobs.map((j) => [j.name, j.globalVariables])).toEqual([
      ["deploy", { TARGET: "prod" }],
      ["other", {}],
    ]);
  });

  it("applies the first matching rule's when, allow_failure, variables and needs", () => {
    const cfg = config([
      job("build", { stage: "build" }),
      job("lint", { stage: "build" }),
      job("test", {
        variables: vars({ LEVEL: "job" }),
        needs: [{ kind: "job", job: "build", optional: false, artifacts: true }],
        rules: [
          rule({ if: "$NOPE", when: "never" }),
          rule({
            if: "$CI_COMMIT_BRANCH",
            when: "delayed",
            startIn: 300,
            allowFailure: { exitCodes: [3] },
            variables: { LEVEL: "rule" },
            needs: [{ kind: "job", job: "lint", optional: false, artifacts: true }],
          }),
        ],
      }),
    ]);
    const test = planOf(planPipeline(cfg, context())).jobs[2];
    expect(test).toMatchObject({
      when: "delayed",
      startIn: 300,
      allowFailure: { exitCodes: [3] },
      variables: { LEVEL: "rule" },
      needs: [{ name: "lint", artifacts: true, optional: false }],
    });
  });

  it.each([
    ["job-level manual", job("m", { when: "manual" }), true],
    ["manual from a rule", job("m", { rules: [rule({ when: "manual" })] }), false],
    [
      "manual rule, allow_failure true",
      job("m", { rules: [rule({ when: "manual", allowFailure: true })] }),
      true,
    ],
    ["plain job", job("m"), false],
  ])("allow_failure default: %s", (_, j, expected) => {
    expect(planOf(planPipeline(config([j, job("other")]), context())).jobs[0]?.allowFailure).toBe(expected);
  });

  it.each([
    [undefined, true],
    [["src/main.ts"], true],
    [["docs/readme.md"], false],
  ])("rules:changes with changed files %j → %s", (changedFiles, included) => {
    const cfg = config([job("a", { rules: [rule({ changes: { paths: ["src/**/*.ts"] } })] }), job("b")]);
    const ctx = context(changedFiles === undefined ? {} : { changedFiles });
    expect(names(planPipeline(cfg, ctx)).includes("a")).toBe(included);
  });

  it.each([
    [["Dockerfile"], true],
    [["app/Dockerfile"], false],
    [[".hidden/config.yml"], true],
  ])("rules:exists against %j → %s", (repositoryFiles, included) => {
    const cfg = config([
      job("a", { rules: [rule({ exists: { paths: ["Dockerfile", ".hidden/*.yml"] } })] }),
      job("b"),
    ]);
    expect(names(planPipeline(cfg, context({ repositoryFiles }))).includes("a")).toBe(included);
  });

  it.each([
    ["a node variable", { rules: [rule({ if: '$CI_NODE_INDEX == "2"' })] }, ["shard 2/3"]],
    ["the instance name", { rules: [rule({ if: "$CI_JOB_NAME =~ /3\\/3$/" })] }, ["shard 3/3"]],
    [
      "a job variable built from the node index",
      { variables: vars({ SHARD: "n$CI_NODE_INDEX" }), rules: [rule({ if: '$SHARD == "n1"' })] },
      ["shard 1/3"],
    ],
    [
      "nothing instance-specific",
      { rules: [rule({ if: "$CI_COMMIT_BRANCH" })] },
      ["shard 1/3", "shard 2/3", "shard 3/3"],
    ],
  ])("rules that read %s decide per parallel instance", (_, fields, expected) => {
    const cfg = config([job("shard", { parallel: { kind: "count", count: 3 }, ...fields }), job("other")]);
    expect(names(planPipeline(cfg, context())).filter((n) => n !== "other")).toEqual(expected);
  });

  it.each([
    ["a job without parallel", {}, '$CI_NODE_TOTAL == "1"', true],
    ["a job that sets it itself", { variables: vars({ CI_NODE_TOTAL: "7" }) }, '$CI_NODE_TOTAL == "7"', true],
    ["a job without parallel, compared with another total", {}, '$CI_NODE_TOTAL == "2"', false],
  ])("rules of %s see CI_NODE_TOTAL", (_, fields, condition, included) => {
    const result = planPipeline(
      config([job("one", { ...fields, rules: [rule({ if: condition })] }), job("other")]),
      context(),
    );
    expect(names(result).includes("one")).toBe(included);
    // Predefined variables are not job variables in the plan.
    expect(planOf(result).jobs.find((j) => j.name === "other")?.variables).toEqual({});
  });

  it("creates no pipeline when only .pre/.post jobs remain", () => {
    const result = planPipeline(config([job("pre", { stage: ".pre" }), job("x", { rules: [] })]), context());
    expect(result.kind).toBe("none");
  });
});
