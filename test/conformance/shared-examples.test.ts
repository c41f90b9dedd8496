// The shared example pipelines (`../shared/examples/`) lint clean and plan as GitLab would, for each
// pipeline source they are written for. Needs the shared folder next to the repository.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadCiConfig } from "../../src/config/index.js";
import { type PlanContext, planPipeline, predefinedVariables, toPlanJson } from "../../src/plan/index.js";
import { requireSuite } from "../support/require-suite.js";

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "shared", "examples");

const available = requireSuite({
  suite: "shared example pipelines",
  available: existsSync(join(EXAMPLES, "hello-fargate", ".gitlab-ci.yml")),
  howToEnable: `put the shared examples at ${EXAMPLES} (the shared folder next to the repository)`,
});

function context(fields: Partial<PlanContext>): PlanContext {
  return {
    ref: "main",
    refType: "branch",
    sha: "1111111111111111111111111111111111111111",
    beforeSha: "0000000000000000000000000000000000000000",
    source: "push",
    defaultBranch: "main",
    repositoryFiles: [],
    variables: {},
    projectPath: "group/project",
    ...fields,
  };
}

async function plan(example: string, fields: Partial<PlanContext> = {}) {
  const ctx = context(fields);
  const { config, warnings } = await loadCiConfig({
    file: ".gitlab-ci.yml",
    projectDir: join(EXAMPLES, example),
    variables: predefinedVariables(ctx),
  });
  return { json: toPlanJson(planPipeline(config, ctx)), warnings };
}

const mergeRequest: Partial<PlanContext> = {
  ref: "topic",
  source: "merge_request_event",
  mergeRequest: { iid: 1, sourceBranch: "topic", targetBranch: "main" },
};

describe.runIf(available)("shared example pipelines", () => {
  it("hello-fargate: 200 instances of one job, no warnings", async () => {
    const { json, warnings } = await plan("hello-fargate");
    expect(warnings).toEqual([]);
    expect(json.jobs.map((j) => j.name)).toEqual(
      Array.from({ length: 200 }, (_, i) => `parallel-fargate-hello-world ${i + 1}/200`),
    );
    expect(new Set(json.jobs.map((j) => j.image))).toEqual(new Set(["public.ecr.aws/docker/library/bash"]));
  });

  it("monorepo-children: one trigger job whose child merges three files into a DAG", async () => {
    const { json } = await plan("monorepo-children");
    expect(json.stages).toEqual(["trigger"]);
    const child = json.jobs.find((j) => j.name === "trigger-services")?.child;
    expect(child?.stages).toEqual(["build", "test"]);
    expect(child?.jobs.map((j) => [j.name, j.needs])).toEqual([
      ["build-api", null],
      ["build-web", null],
      ["build-worker", null],
      ["test-api", ["build-api"]],
      ["test-web", ["build-web"]],
      ["test-worker", ["build-worker"]],
    ]);
  });

  it.each([
    [
      "push to main",
      {},
      [["lint-code"], ["unit-tests"], ["integration-tests"], ["e2e-tests"], ["deploy-production", "manual"]],
    ],
    ["push to a topic branch", { ref: "topic" }, [["lint-code"], ["unit-tests"]]],
    ["merge request", mergeRequest, [["lint-code"], ["unit-tests"], ["integration-tests"], ["e2e-tests"]]],
    [
      "schedule on main",
      { source: "schedule" as const },
      [
        ["lint-code"],
        ["unit-tests"],
        ["integration-tests"],
        ["e2e-tests"],
        ["nightly-comprehensive-scan"],
        ["deploy-production", "manual"],
      ],
    ],
    [
      "branch with an open merge request",
      { ref: "topic", variables: { CI_OPEN_MERGE_REQUESTS: "group/project!1" } },
      [],
    ],
    ["tag", { ref: "v1.0.0", refType: "tag" as const }, []],
  ])("workflow-rules: %s", async (_, fields, expected) => {
    const { json } = await plan("workflow-rules", fields);
    expect(json.jobs.map((j) => (j.when === "on_success" ? [j.name] : [j.name, j.when]))).toEqual(expected);
  });
});
