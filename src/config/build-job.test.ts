import { describe, expect, it } from "vitest";
import { jobOf, load, loadFiles, problemsOf } from "./test-helpers.js";

describe("job keywords, typed", () => {
  it("reads a job that uses most keywords", async () => {
    const yaml = `
stages: [build, test, deploy]
build:
  stage: build
  image:
    name: golang:1.23
    entrypoint: [""]
    pull_policy: [if-not-present]
  services:
    - redis:7
    - name: postgres:16
      alias: db,postgres
      command: [postgres, -c, fsync=off]
      variables: { POSTGRES_PASSWORD: secret }
  tags: [linux, spot]
  variables:
    PLAIN: 1
    KEEP: { value: $HOME, expand: false }
  before_script: echo before
  script:
    - go build
    - [go vet, [go test]]
  after_script: [echo after]
  when: delayed
  start_in: 30 minutes
  allow_failure: { exit_codes: [3, 4] }
  retry: { max: 2, when: [runner_system_failure], exit_codes: 137 }
  timeout: 1h 30m
  artifacts:
    paths: [bin/]
    exclude: [bin/*.tmp]
    when: always
    expire_in: 1 week
    name: build-$CI_JOB_ID
    reports:
      junit: report.xml
      dotenv: [build.env]
      coverage_report: { coverage_format: cobertura, path: cov.xml }
  cache:
    - key: { files: [go.sum], prefix: go }
      paths: [.cache/go]
      policy: pull
    - paths: [vendor/]
  environment:
    name: review/$CI_COMMIT_REF_SLUG
    url: https://$CI_COMMIT_REF_SLUG.example.com
    on_stop: stop
    auto_stop_in: 1 day
  coverage: /total:\\s+(\\d+)%/
  interruptible: true
  resource_group: builders
`;
    const job = await jobOf(yaml, "build");
    expect(job).toMatchObject({
      stage: "build",
      image: { name: "golang:1.23", entrypoint: [""], pullPolicy: ["if-not-present"] },
      services: [
        { name: "redis:7", aliases: [], variables: {} },
        {
          name: "postgres:16",
          aliases: ["db", "postgres"],
          command: ["postgres", "-c", "fsync=off"],
          variables: { POSTGRES_PASSWORD: "secret" },
        },
      ],
      tags: ["linux", "spot"],
      variables: { PLAIN: { value: "1", expand: true }, KEEP: { value: "$HOME", expand: false } },
      beforeScript: ["echo before"],
      script: ["go build", "go vet", "go test"],
      afterScript: ["echo after"],
      when: "delayed",
      startIn: 1800,
      allowFailure: { exitCodes: [3, 4] },
      retry: { max: 2, when: ["runner_system_failure"], exitCodes: [137] },
      timeout: 5400,
      artifacts: {
        paths: ["bin/"],
        exclude: ["bin/*.tmp"],
        untracked: false,
        when: "always",
        expireIn: "1 week",
        expireInSeconds: 604800,
        name: "build-$CI_JOB_ID",
        reports: { junit: ["report.xml"], dotenv: ["build.env"] },
        coverageReport: { coverageFormat: "cobertura", path: "cov.xml" },
      },
      cache: [
        {
          key: { kind: "files", files: ["go.sum"], prefix: "go" },
          paths: [".cache/go"],
          policy: "pull",
          when: "on_success",
          untracked: false,
          fallbackKeys: [],
        },
        { key: { kind: "literal", value: "default" }, paths: ["vendor/"], policy: "pull-push" },
      ],
      environment: {
        name: "review/$CI_COMMIT_REF_SLUG",
        action: "start",
        onStop: "stop",
        autoStopIn: "1 day",
      },
      coverage: "/total:\\s+(\\d+)%/",
      interruptible: true,
      resourceGroup: "builders",
      location: { file: ".gitlab-ci.yml", line: 3, column: 1, path: "build" },
    });
  });

  it("reads global variables with description, options and expand", async () => {
    const { config } = await load(
      "variables:\n  DEPLOY:\n    value: staging\n    options: [staging, production]\n    description: where to\n  EMPTY:\nj:\n  script: [x]\n",
    );
    expect(config.variables).toEqual({
      DEPLOY: { value: "staging", options: ["staging", "production"], description: "where to", expand: true },
      EMPTY: { value: "", expand: true },
    });
  });

  it("defaults stages to build, test, deploy between .pre and .post", async () => {
    expect((await load("j:\n  script: [x]\n")).config.stages).toEqual([
      ".pre",
      "build",
      "test",
      "deploy",
      ".post",
    ]);
    expect((await load("stages: [a, b]\nj:\n  stage: a\n  script: [x]\n")).config.stages).toEqual([
      ".pre",
      "a",
      "b",
      ".post",
    ]);
  });

  it("reads rules with every clause", async () => {
    const yaml = `
j:
  script: [x]
  rules:
    - if: $CI_COMMIT_BRANCH == "main"
      changes:
        paths: [src/**/*]
        compare_to: refs/heads/main
      exists: [Dockerfile]
      when: delayed
      start_in: 10m
      allow_failure: true
      variables: { DEPLOY: "yes" }
      needs: [build]
      interruptible: false
    - changes: [docs/*]
      when: never
    - when: on_success
build:
  stage: build
  script: [x]
`;
    const job = await jobOf(yaml, "j");
    expect(job.rules).toMatchObject([
      {
        if: '$CI_COMMIT_BRANCH == "main"',
        changes: { paths: ["src/**/*"], compareTo: "refs/heads/main" },
        exists: { paths: ["Dockerfile"] },
        when: "delayed",
        startIn: 600,
        allowFailure: true,
        variables: { DEPLOY: "yes" },
        needs: [{ kind: "job", job: "build", optional: false, artifacts: true }],
        interruptible: false,
        location: { line: 5, column: 7, path: "j.rules[0]" },
      },
      { changes: { paths: ["docs/*"] }, when: "never" },
      { when: "on_success" },
    ]);
  });

  it("reads workflow name, rules and auto_cancel", async () => {
    const { config } = await load(
      'workflow:\n  name: "pipeline for $CI_COMMIT_REF_NAME"\n  rules:\n    - if: $CI_COMMIT_TAG\n      when: never\n    - when: always\n  auto_cancel:\n    on_new_commit: interruptible\nj:\n  script: [x]\n',
    );
    expect(config.workflow).toMatchObject({
      name: "pipeline for $CI_COMMIT_REF_NAME",
      rules: [{ if: "$CI_COMMIT_TAG", when: "never" }, { when: "always" }],
      autoCancel: { onNewCommit: "interruptible" },
    });
  });

  it.each([
    [
      "refs list",
      "  only: [main, /^release-.*$/]\n",
      { only: { refs: ["main", "/^release-.*$/"], variables: [], changes: [] } },
    ],
    [
      "refs and variables",
      '  except:\n    refs: [tags]\n    variables: [$SKIP == "1"]\n',
      { except: { refs: ["tags"], variables: ['$SKIP == "1"'] } },
    ],
  ])("reads only/except: %s", async (_, yaml, expected) => {
    expect(await jobOf(`j:\n  script: [x]\n${yaml}`, "j")).toMatchObject(expected);
  });

  it.each([
    ["parallel: 5", { kind: "count", count: 5 }],
    [
      "parallel:\n    matrix:\n      - PROVIDER: aws\n        STACK: [a, b]\n      - PROVIDER: [gcp]",
      { kind: "matrix", matrix: [{ PROVIDER: ["aws"], STACK: ["a", "b"] }, { PROVIDER: ["gcp"] }] },
    ],
  ])("reads %s", async (yaml, expected) => {
    expect((await jobOf(`j:\n  script: [x]\n  ${yaml}\n`, "j")).parallel).toEqual(expected);
  });

  it("reads every form of needs", async () => {
    const yaml = `
stages: [build, test]
a:
  stage: build
  script: [x]
m:
  stage: build
  script: [x]
  parallel:
    matrix:
      - P: [x, y]
j:
  script: [x]
  needs:
    - a
    - { job: a, artifacts: false, optional: true }
    - job: m
      parallel:
        matrix:
          - P: x
    - pipeline: $PARENT_PIPELINE_ID
      job: gen
    - project: group/other
      job: lib
      ref: main
`;
    const { config, warnings } = await load(yaml);
    expect(config.jobs[2]?.needs).toEqual([
      { kind: "job", job: "a", optional: false, artifacts: true },
      { kind: "job", job: "a", optional: true, artifacts: false },
      { kind: "job", job: "m", optional: false, artifacts: true, matrix: [{ P: ["x"] }] },
      { kind: "pipeline", pipeline: "$PARENT_PIPELINE_ID", job: "gen", artifacts: true },
      { kind: "project", project: "group/other", job: "lib", ref: "main", artifacts: true },
    ]);
    expect(warnings.map((w) => w.code)).toEqual(["UNSUPPORTED_NEEDS_PROJECT"]);
  });

  it.each([
    ["needs: []", []],
    ["dependencies: []", undefined],
  ])("keeps %s distinct from absent", async (yaml, needs) => {
    expect((await jobOf(`j:\n  script: [x]\n  ${yaml}\n`, "j")).needs).toEqual(needs);
  });

  it.each([
    ["retry: 2", { max: 2, when: ["always"], exitCodes: [] }],
    ["allow_failure: true", true],
    ["timeout: 3600", 3600],
    [
      "cache:\n    key: $CI_COMMIT_REF_SLUG\n    policy: $CACHE_POLICY",
      [{ key: { kind: "literal", value: "$CI_COMMIT_REF_SLUG" }, policy: "$CACHE_POLICY" }],
    ],
    ["environment: production", { name: "production", action: "start" }],
  ])("reads %s", async (yaml, expected) => {
    const job = await jobOf(`j:\n  script: [x]\n  ${yaml}\n`, "j");
    const key = yaml.slice(0, yaml.indexOf(":"));
    const field = {
      retry: job.retry,
      allow_failure: job.allowFailure,
      timeout: job.timeout,
      cache: job.cache,
      environment: job.environment,
    }[key];
    expect(field).toMatchObject(expected as object);
  });
});

describe("trigger jobs", () => {
  it("loads a local child pipeline under the trigger", async () => {
    const { config } = await loadFiles({
      ".gitlab-ci.yml":
        "child:\n  trigger:\n    include:\n      - local: ci/child.yml\n    strategy: depend\n    forward: { pipeline_variables: true }\n",
      "ci/child.yml": "stages: [one]\ninner:\n  stage: one\n  script: [x]\n",
    });
    const trigger = config.jobs[0]?.trigger;
    expect(trigger).toMatchObject({
      kind: "child",
      strategy: "depend",
      forward: { yamlVariables: true, pipelineVariables: true },
      include: [{ kind: "local", path: "ci/child.yml" }],
    });
    expect(trigger?.kind === "child" ? trigger.config?.jobs.map((j) => j.name) : undefined).toEqual([
      "inner",
    ]);
    expect(trigger?.kind === "child" ? trigger.config?.stages : undefined).toEqual([".pre", "one", ".post"]);
  });

  it("keeps an artifact child for run time", async () => {
    const job = await jobOf(
      "gen:\n  stage: build\n  script: [x]\nchild:\n  trigger:\n    include:\n      - artifact: out.yml\n        job: gen\n",
      "child",
    );
    expect(job.trigger).toEqual({
      kind: "child",
      include: [{ kind: "artifact", artifact: "out.yml", job: "gen" }],
      forward: { yamlVariables: true, pipelineVariables: false },
    });
  });

  it("warns about downstream projects instead of refusing them", async () => {
    const { config, warnings } = await load(
      "down:\n  trigger:\n    project: group/other\n    branch: main\n",
    );
    expect(config.jobs[0]?.trigger).toMatchObject({
      kind: "project",
      project: "group/other",
      branch: "main",
    });
    expect(warnings).toMatchObject([
      { code: "UNSUPPORTED_TRIGGER_PROJECT", location: { path: "down.trigger" } },
    ]);
  });

  it("reports problems inside the child pipeline file", async () => {
    const found = await problemsOf({
      ".gitlab-ci.yml": "child:\n  trigger:\n    include: ci/child.yml\n",
      "ci/child.yml": "inner:\n  scrip: [x]\n",
    });
    expect(found.join("\n")).toContain("ci/child.yml:2:3 (inner.scrip): unknown job keyword `scrip`");
  });
});

describe("GitLab's finer points", () => {
  it("treats a keyword written without a value as not written", async () => {
    const job = await jobOf("j:\n  script: [x]\n  artifacts:\n  cache:\n  image:\n", "j");
    expect(job.artifacts).toBeUndefined();
    expect(job.cache).toEqual([]);
    expect(job.image).toBeUndefined();
  });

  it("refuses when: never outside rules", async () => {
    expect((await problemsOf("j:\n  script: [x]\n  when: never\n")).join("\n")).toContain(
      "j: when:never can only be used in a rules section or workflow:rules",
    );
  });

  it("expands the trigger job's variables in child include paths", async () => {
    const { config } = await loadFiles({
      ".gitlab-ci.yml":
        "t:\n  variables:\n    SERVICE: api\n  trigger:\n    include:\n      - local: $SERVICE/.gitlab-ci.yml\n",
      "api/.gitlab-ci.yml": "api-build:\n  script: [make]\n",
    });
    const trigger = config.jobs[0]?.trigger;
    expect(trigger?.kind === "child" ? trigger.config?.jobs.map((j) => j.name) : undefined).toEqual([
      "api-build",
    ]);
  });
});

describe("child pipelines with inputs", () => {
  it("passes trigger include inputs to the child file's spec header", async () => {
    const { config } = await loadFiles({
      ".gitlab-ci.yml":
        "deploy:\n  trigger:\n    include:\n      - local: ci/deploy.yml\n        inputs:\n          env: prod\n",
      "ci/deploy.yml":
        "spec:\n  inputs:\n    env:\n---\ndeploy-$[[ inputs.env ]]:\n  script:\n    - deploy $[[ inputs.env ]]\n",
    });
    const trigger = config.jobs[0]?.trigger;
    expect(trigger?.kind === "child" ? trigger.include : undefined).toEqual([
      { kind: "local", path: "ci/deploy.yml", inputs: { env: "prod" } },
    ]);
    expect(
      trigger?.kind === "child" ? trigger.config?.jobs.map((j) => [j.name, j.script]) : undefined,
    ).toEqual([["deploy-prod", ["deploy prod"]]]);
  });

  it("reports a required input the trigger does not give", async () => {
    const problems = await problemsOf({
      ".gitlab-ci.yml": "deploy:\n  trigger:\n    include: ci/deploy.yml\n",
      "ci/deploy.yml": "spec:\n  inputs:\n    env:\n---\nd:\n  script: [x]\n",
    });
    expect(problems.join("\n")).toContain(
      "`ci/deploy.yml`: `env` input: required value has not been provided",
    );
  });
});
