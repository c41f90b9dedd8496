// Fixture folders, one per feature: `.gitlab-ci.yml` (+ includes, + optional context.json) and either
// `expected-plan.json` (the `runfleet plan --json` shape) or `expected-error.txt`. `error-*` folders
// hold configs that lint must reject, each line of `expected-errors.txt` appearing in the report.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadCiConfig } from "../src/config/index.js";
import { RunfleetError } from "../src/errors/index.js";
import {
  type MergeRequestContext,
  type PipelineSource,
  type PlanContext,
  type PlannedJob,
  planPipeline,
  predefinedVariables,
  toPlanJson,
} from "../src/plan/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(here, "fixtures");
const EXAMPLES = join(here, "..", "examples");
const META_FILES = new Set([
  "expected-plan.json",
  "expected-error.txt",
  "expected-errors.txt",
  "context.json",
]);

/** What a fixture's context.json may set; everything else takes the defaults of a push to `main`. */
interface FixtureContext {
  readonly ref?: string;
  readonly tag?: string;
  readonly source?: PipelineSource;
  readonly defaultBranch?: string;
  readonly variables?: Record<string, string>;
  readonly changedFiles?: string[];
  readonly changedFilesByRef?: Record<string, string[]>;
  readonly commitMessage?: string;
  readonly mergeRequest?: MergeRequestContext;
}

const folders = readdirSync(FIXTURES).filter((name) => statSync(join(FIXTURES, name)).isDirectory());
const planFolders = folders.filter((name) => !name.startsWith("error-"));
const errorFolders = folders.filter((name) => name.startsWith("error-"));

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .filter((path) => !META_FILES.has(path))
    .sort();
}

function fixtureContext(dir: string): PlanContext {
  const file = join(dir, "context.json");
  const fixture: FixtureContext = existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as FixtureContext)
    : {};
  return {
    ref: fixture.tag ?? fixture.ref ?? "main",
    refType: fixture.tag === undefined ? "branch" : "tag",
    sha: "5f3c2a1b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
    beforeSha: "0000000000000000000000000000000000000000",
    source: fixture.source ?? "push",
    defaultBranch: fixture.defaultBranch ?? "main",
    repositoryFiles: listFiles(dir),
    variables: fixture.variables ?? {},
    projectPath: "group/project",
    ...(fixture.changedFiles === undefined ? {} : { changedFiles: fixture.changedFiles }),
    ...(fixture.changedFilesByRef === undefined ? {} : { changedFilesByRef: fixture.changedFilesByRef }),
    ...(fixture.commitMessage === undefined ? {} : { commitMessage: fixture.commitMessage }),
    ...(fixture.mergeRequest === undefined ? {} : { mergeRequest: fixture.mergeRequest }),
  };
}

async function loadAndPlan(dir: string, context: PlanContext) {
  const { config, warnings } = await loadCiConfig({
    file: ".gitlab-ci.yml",
    projectDir: dir,
    variables: { ...predefinedVariables(context), ...context.variables },
  });
  return { result: planPipeline(config, context), warnings };
}

async function failure(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (err) {
    if (err instanceof RunfleetError) return err.format();
    throw err;
  }
  throw new Error("expected the config to be rejected, but it planned");
}

describe("fixtures", () => {
  it("has at least 60 plan fixtures", () => {
    expect(planFolders.length).toBeGreaterThanOrEqual(60);
  });

  it.each(planFolders)("%s", async (name) => {
    const dir = join(FIXTURES, name);
    const context = fixtureContext(dir);
    const errorFile = join(dir, "expected-error.txt");
    if (existsSync(errorFile)) {
      const message = await failure(() => loadAndPlan(dir, context));
      for (const line of lines(errorFile)) expect(message).toContain(line);
      return;
    }
    const expected: unknown = JSON.parse(readFileSync(join(dir, "expected-plan.json"), "utf8"));
    const { result } = await loadAndPlan(dir, context);
    expect(toPlanJson(result)).toEqual(expected);
  });

  it.each(errorFolders)("%s is rejected", async (name) => {
    const dir = join(FIXTURES, name);
    const message = await failure(() => loadAndPlan(dir, fixtureContext(dir)));
    for (const line of lines(join(dir, "expected-errors.txt"))) expect(message).toContain(line);
  });
});

function lines(file: string): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

describe("fixture details beyond the JSON shape", () => {
  const plannedJobs = async (name: string): Promise<PlannedJob[]> => {
    const dir = join(FIXTURES, name);
    const { result } = await loadAndPlan(dir, fixtureContext(dir));
    if (result.kind !== "pipeline") throw new Error(`${name}: no pipeline: ${result.noPipeline.reason}`);
    return [...result.plan.jobs];
  };

  it("job-keywords: the planned job carries what the coordinator queues", async () => {
    const [build, test] = await plannedJobs("job-keywords");
    expect(build).toMatchObject({
      beforeScript: ["echo before"],
      script: ["go build ./...", "go vet ./...", "echo done"],
      afterScript: ["echo after"],
      image: { name: "golang:1.23", pullPolicy: ["if-not-present"] },
      services: [{ name: "postgres:16", aliases: ["db"], variables: { POSTGRES_PASSWORD: "secret" } }],
      artifacts: {
        paths: ["bin/"],
        exclude: ["bin/*.tmp"],
        when: "always",
        reports: { junit: ["report.xml"] },
      },
      cache: [
        {
          key: { kind: "files", files: ["go.sum"], prefix: "go" },
          paths: [".cache/go"],
          policy: "pull-push",
        },
      ],
      retry: { max: 2, when: ["runner_system_failure", "stuck_or_timeout_failure"] },
      timeout: 5400,
      environment: { name: "review/main", slug: expect.stringMatching(/^review-main-[a-z0-9]{6}$/) },
      coverage: "/coverage: \\d+\\.\\d+%/",
      interruptible: false,
      resourceGroup: "builders",
    });
    expect(test).toMatchObject({
      beforeScript: ["echo default-before"],
      retry: { max: 1 },
      interruptible: true,
      dependencies: ["build"],
    });
  });

  it("when-delayed and rules-delayed keep start_in in seconds", async () => {
    expect((await plannedJobs("when-delayed"))[1]?.startIn).toBe(1800);
    expect((await plannedJobs("rules-delayed"))[0]?.startIn).toBe(600);
  });

  it("workflow-rules-variables become the jobs' global variables", async () => {
    const [deploy] = await plannedJobs("workflow-rules-variables");
    expect(deploy?.globalVariables).toEqual({ DEPLOY_ENV: "production" });
  });

  it("variables-job-level marks expand: false variables raw", async () => {
    const [build] = await plannedJobs("variables-job-level");
    expect(build?.rawVariables).toEqual(["STRUCTURED"]);
    expect(build?.globalVariables).toEqual({ GLOBAL: "g" });
  });

  it("needs-object-form keeps artifacts and optional per edge", async () => {
    const test = (await plannedJobs("needs-object-form")).find((j) => j.name === "test");
    expect(test?.needs).toEqual([
      { name: "build", artifacts: false, optional: false },
      { name: "docs", artifacts: true, optional: true },
    ]);
  });

  it("unsupported-but-valid plans with warnings for what cannot run here", async () => {
    const dir = join(FIXTURES, "unsupported-but-valid");
    const { warnings } = await loadAndPlan(dir, fixtureContext(dir));
    const codes = warnings.map((w) => w.code);
    expect(codes).toEqual(
      expect.arrayContaining(["UNSUPPORTED_SECRETS", "UNSUPPORTED_ID_TOKENS", "PRIVILEGED_SERVICE"]),
    );
  });

  it("trigger-artifact-child warns that the child is planned at run time", async () => {
    const dir = join(FIXTURES, "trigger-artifact-child");
    const { result } = await loadAndPlan(dir, fixtureContext(dir));
    expect(result.kind === "pipeline" ? result.plan.warnings.map((w) => w.code) : []).toEqual([
      "UNSUPPORTED_TRIGGER_ARTIFACT",
    ]);
  });
});

describe("the project's examples", () => {
  const plan = async (example: string, context: Partial<PlanContext> = {}) => {
    const dir = join(EXAMPLES, example);
    return (await loadAndPlan(dir, { ...fixtureContext(dir), ...context })).result;
  };

  it("hello-fargate fans out to 200 jobs named GitLab's way", async () => {
    const json = toPlanJson(await plan("hello-fargate"));
    expect(json.stages).toEqual(["build"]);
    expect(json.jobs).toHaveLength(200);
    expect(json.jobs[0]).toEqual({
      name: "parallel-fargate-hello-world 1/200",
      stage: "build",
      needs: null,
      when: "on_success",
      allowFailure: false,
      image: "public.ecr.aws/docker/library/bash",
      tags: [],
      variables: { CI_NODE_INDEX: "1", CI_NODE_TOTAL: "200" },
    });
    expect(json.jobs[199]?.name).toBe("parallel-fargate-hello-world 200/200");
  });

  it("monorepo-children plans the merged child pipeline under its trigger job", async () => {
    const json = toPlanJson(await plan("monorepo-children"));
    const trigger = json.jobs.find((j) => j.name === "trigger-services");
    expect(trigger?.child?.stages).toEqual(["build", "test"]);
    expect(trigger?.child?.jobs.map((j) => j.name)).toEqual(
      expect.arrayContaining(["build-api", "test-api"]),
    );
    expect(trigger?.child?.jobs.find((j) => j.name === "test-api")?.needs).toEqual(["build-api"]);
  });

  it.each([
    ["push to main", {}, ["lint-code", "unit-tests", "integration-tests", "deploy-production"]],
    ["push to a topic branch", { ref: "topic" }, ["lint-code", "unit-tests"]],
    [
      "schedule on main",
      { source: "schedule" as const },
      ["lint-code", "unit-tests", "integration-tests", "nightly-scan", "deploy-production"],
    ],
    [
      "topic branch with an open merge request",
      { ref: "topic", variables: { CI_OPEN_MERGE_REQUESTS: "g/p!1" } },
      [],
    ],
  ])("workflow-rules: %s", async (_, context, expected) => {
    expect(toPlanJson(await plan("workflow-rules", context)).jobs.map((j) => j.name)).toEqual(expected);
  });
});
