import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadCiConfig } from "../config/index.js";
import { config, context, job, vars } from "../plan/config-builder.test-support.js";
import { type PipelinePlan, type PlanContext, planPipeline } from "../plan/index.js";
import { submissionFromPlan, userVariablesFromPlan } from "./from-plan.js";
import { ProtocolClient } from "./testing/protocol-client.js";
import { startTestCoordinator, type TestSetup } from "./testing/test-coordinator.js";

const CONFIG = `
stages: [build, test, trigger]
variables:
  GLOBAL: g
build:
  stage: build
  script: [make]
  artifacts:
    paths: [dist/]
    expire_in: 1 week
    reports:
      dotenv: build.env
  cache:
    key:
      files: [package-lock.json]
      prefix: npm
    paths: [node_modules/]
test:
  stage: test
  parallel: 2
  needs: [build]
  before_script: [setup]
  script: [run-tests]
  after_script: [cleanup]
  allow_failure:
    exit_codes: [3]
  retry:
    max: 2
    when: [runner_system_failure]
  timeout: 10m
  variables:
    LOCAL: l
  tags: [linux]
children:
  stage: trigger
  trigger:
    include: [{ local: child.yml }]
    strategy: depend
`;

const CHILD = `
child-job:
  script: [echo child]
`;

describe("submissionFromPlan", () => {
  let t: TestSetup;
  let plan: PipelinePlan;
  beforeEach(async () => {
    t = await startTestCoordinator({ longPollMs: 300 });
    writeFileSync(join(t.repoDir, ".gitlab-ci.yml"), CONFIG);
    writeFileSync(join(t.repoDir, "child.yml"), CHILD);
    mkdirSync(join(t.repoDir, "dist"), { recursive: true });
    const { config } = await loadCiConfig({ file: ".gitlab-ci.yml", projectDir: t.repoDir });
    const context: PlanContext = {
      ref: "main",
      refType: "branch",
      sha: t.sha,
      beforeSha: "0".repeat(40),
      source: "push",
      defaultBranch: "main",
      repositoryFiles: [".gitlab-ci.yml", "child.yml", "README.md"],
      variables: { FROM_CLI: "yes" },
      projectPath: "group/app",
    };
    const result = planPipeline(config, context);
    if (result.kind !== "pipeline") throw new Error("no pipeline");
    plan = result.plan;
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("maps jobs, artifacts with reports, cache, allow_failure, retry, timeout and triggers", () => {
    const s = submissionFromPlan(plan, (files, prefix) => `${prefix}-${files.join(",")}`);
    const byName = new Map(s.jobs.map((j) => [j.name, j]));
    const build = byName.get("build");
    expect(build?.spec.artifacts.map((a) => [a.artifact_type, a.artifact_format, a.paths])).toEqual([
      ["archive", "zip", ["dist/"]],
      ["dotenv", "gzip", ["build.env"]],
    ]);
    expect(build?.spec.cache[0]).toMatchObject({
      key: "npm-package-lock.json",
      paths: ["node_modules/"],
      policy: "pull-push",
    });
    const test = byName.get("test 1/2");
    expect(test).toMatchObject({
      needs: [{ job: "build", artifacts: true, optional: false }],
      allowFailure: false,
      allowFailureExitCodes: [3],
      retry: { max: 2, when: ["runner_system_failure"] },
      timeoutSeconds: 600,
      tags: ["linux"],
      parallel: { index: 1, total: 2 },
    });
    expect(test?.spec.beforeScript).toEqual(["setup"]);
    expect(test?.spec.afterScript).toEqual(["cleanup"]);
    expect(test?.spec.variables).toEqual(
      expect.arrayContaining([
        { key: "GLOBAL", value: "g" },
        { key: "LOCAL", value: "l" },
      ]),
    );
    const trigger = byName.get("children")?.trigger;
    expect(trigger?.kind).toBe("plan");
    if (trigger?.kind === "plan") expect(trigger.child.jobs.map((j) => j.name)).toEqual(["child-job"]);
    expect(userVariablesFromPlan(plan)).toEqual([{ key: "FROM_CLI", value: "yes" }]);
  });

  it("runs a planned pipeline through the coordinator: payload steps, variables, child pipeline", async () => {
    const pipeline = await t.coordinator.submitPipeline({
      projectId: t.project.id,
      commit: { ref: "main", sha: t.sha },
      plan,
    });
    const client = new ProtocolClient(t.coordinator.url, t.runnerToken);
    const build = await client.nextJob();
    expect(build.job_info.name).toBe("build");
    expect(build.steps).toEqual([
      { name: "script", script: ["make"], timeout: 3600, when: "on_success", allow_failure: false },
    ]);
    // The pipeline's commit has no package-lock.json: GitLab's key is then prefix-default.
    expect(build.cache[0]?.key).toBe("npm-default");
    const vars = Object.fromEntries(build.variables.map((v) => [v.key, v.value]));
    expect(vars).toMatchObject({
      GLOBAL: "g",
      FROM_CLI: "yes",
      CI_PIPELINE_ID: String(pipeline.id),
      CI_COMMIT_BRANCH: "main",
    });
    await client.runJob(build);
    const tagged = await t.coordinator.createRunnerToken({ tags: ["linux"] });
    const linux = new ProtocolClient(t.coordinator.url, tagged.token, "s_linux");
    const test = await linux.nextJob();
    expect(test.steps.map((s) => [s.name, s.script])).toEqual([
      ["script", ["setup", "run-tests"]],
      ["after_script", ["cleanup"]],
    ]);
    expect(test.runner_info.timeout).toBe(600);
    await linux.runJob(test, { state: "failed", exitCode: 3, reason: "script_failure" });
    await linux.runJob(await linux.nextJob());
    const child = await client.nextJob();
    expect(child.job_info.name).toBe("child-job");
    await client.runJob(child);
    expect((await t.coordinator.getPipeline(pipeline.id))?.status).toBe("success");
  });
});

describe("submissionFromPlan: environment", () => {
  it.each([
    [
      "name and url expanded, tier given",
      {
        name: "review/$CI_COMMIT_REF_NAME",
        url: "https://$HOST",
        action: "start" as const,
        deploymentTier: "staging",
      },
      {
        CI_ENVIRONMENT_NAME: "review/main",
        CI_ENVIRONMENT_URL: "https://app.test",
        CI_ENVIRONMENT_ACTION: "start",
        CI_ENVIRONMENT_TIER: "staging",
      },
    ],
    [
      "no url, tier guessed",
      { name: "production", action: "stop" as const },
      {
        CI_ENVIRONMENT_NAME: "production",
        CI_ENVIRONMENT_SLUG: "production",
        CI_ENVIRONMENT_TIER: "production",
      },
    ],
  ])("%s: CI_ENVIRONMENT_* come before the job's own variables", (_case, environment, expected) => {
    const deploy = job("deploy", { environment, variables: vars({ HOST: "app.test" }) });
    const result = planPipeline(config([deploy]), context({ ref: "main" }));
    if (result.kind !== "pipeline") throw new Error("no pipeline");
    const variables = submissionFromPlan(result.plan, () => "key").jobs[0]?.spec.variables ?? [];
    const values = Object.fromEntries(variables.map((v) => [v.key, v.value]));
    expect(values).toMatchObject(expected);
    if (!("CI_ENVIRONMENT_URL" in expected)) expect(values.CI_ENVIRONMENT_URL).toBeUndefined();
    const keys = variables.map((v) => v.key);
    expect(keys.indexOf("CI_ENVIRONMENT_NAME")).toBeLessThan(keys.indexOf("HOST"));
  });
});

describe("submissionFromPlan: parallel instances", () => {
  it("share one spec when they differ only in their index", () => {
    const fan = job("fan", { parallel: { kind: "count", count: 3 }, variables: vars({ A: "a" }) });
    const result = planPipeline(config([fan, job("other")]), context());
    if (result.kind !== "pipeline") throw new Error("no pipeline");
    const jobs = submissionFromPlan(result.plan, () => "key").jobs;
    const [a, b, c, other] = jobs;
    expect(jobs.map((j) => j.parallel?.index ?? null)).toEqual([1, 2, 3, null]);
    expect(b?.spec).toBe(a?.spec);
    expect(c?.spec).toBe(a?.spec);
    expect(other?.spec).not.toBe(a?.spec);
    expect(a?.spec.variables.find((v) => v.key === "A")?.value).toBe("a");
  });

  it("keep their own specs when a matrix gives them different variables", () => {
    const fan = job("fan", {
      parallel: { kind: "matrix", matrix: [{ CLOUD: ["aws", "gcp"] }] },
    });
    const result = planPipeline(config([fan]), context());
    if (result.kind !== "pipeline") throw new Error("no pipeline");
    const jobs = submissionFromPlan(result.plan, () => "key").jobs;
    expect(jobs[0]?.spec).not.toBe(jobs[1]?.spec);
    expect(jobs.map((j) => j.spec.variables.find((v) => v.key === "CLOUD")?.value)).toEqual(["aws", "gcp"]);
  });
});
