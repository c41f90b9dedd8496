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

describe("valid in GitLab, not runnable here: warnings", () => {
  it.each([
    ["secrets", "  secrets:\n    DB:\n      vault: db/password@prod\n", "UNSUPPORTED_SECRETS"],
    ["id_tokens", "  id_tokens:\n    TOKEN:\n      aud: https://example.com\n", "UNSUPPORTED_ID_TOKENS"],
    ["a docker:dind service", "  services: [docker:24-dind]\n", "PRIVILEGED_SERVICE"],
    ["release", "  release:\n    tag_name: v1\n", "IGNORED_KEYWORD"],
  ])("%s", async (_, yaml, code) => {
    const { warnings } = await load(`j:\n  script: [x]\n${yaml}`);
    expect(warnings.map((w) => w.code)).toEqual([code]);
  });
});

describe("wrong values", () => {
  it.each([
    [
      "an unknown keyword with a suggestion",
      "  scirpt: [y]\n",
      "(j.scirpt): unknown job keyword `scirpt`\n  hint: did you mean `script`?",
    ],
    [
      "a bad when",
      "  when: manual2\n",
      "`when` must be one of on_success, on_failure, always, manual, delayed, never (found manual2)\n  hint: did you mean `manual`?",
    ],
    ["start_in without delayed", "  start_in: 5m\n", "`start_in` needs `when: delayed`"],
    ["delayed without start_in", "  when: delayed\n", "`when: delayed` needs `start_in`"],
    ["a bad duration", "  timeout: forever\n", "`timeout` must be a duration"],
    ["parallel over 200", "  parallel: 201\n", "`parallel` must be a whole number from 1 to 200 (found 201)"],
    ["parallel under 1", "  parallel: 0\n", "`parallel` must be a whole number from 1 to 200 (found 0)"],
    [
      "a matrix over 200",
      "  parallel:\n    matrix:\n      - A: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]\n        B: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]\n",
      "`parallel: matrix` makes 225 jobs; the limit is 200",
    ],
    ["retry over 2", "  retry: 3\n", "`retry` must be between 0 and 2 (found 3)"],
    ["a bad retry reason", "  retry:\n    max: 1\n    when: [sometimes]\n", "`retry:when` must be one of"],
    ["tags as a string", "  tags: docker\n", "`tags` must be a list"],
    ["variables as a list", "  variables: [A]\n", "`variables` must be a mapping"],
    ["a non-boolean interruptible", "  interruptible: yes please\n", "`interruptible` must be true or false"],
    [
      "a coverage without slashes",
      "  coverage: 'total (\\d+)%'\n",
      "`coverage` must be a regular expression between slashes",
    ],
    [
      "three cache key files",
      "  cache:\n    key:\n      files: [a, b, c]\n",
      "cache:key:files should be an array of one or two file paths. Got 3",
    ],
    [
      "a bad cache policy",
      "  cache:\n    policy: pul\n",
      "`policy` must be one of pull, push, pull-push (found pul)",
    ],
    [
      "a bad artifacts:when",
      "  artifacts:\n    when: sometimes\n",
      "`when` must be one of on_success, on_failure, always",
    ],
    [
      "a numeric junit report",
      "  artifacts:\n    reports:\n      junit: 3\n",
      "'junit' property type must be string",
    ],
    ["an image without a name", "  image:\n    entrypoint: [sh]\n", "an image needs a `name`"],
    [
      "rules with only",
      "  rules:\n    - when: always\n  only: [main]\n",
      "j: `only` cannot be used with `rules`",
    ],
    ["a bad rule expression", "  rules:\n    - if: $A ==\n", "(j.rules[0].if): invalid expression `$A ==`"],
    [
      "an unknown rule keyword",
      "  rules:\n    - iff: $A\n",
      "unknown rule keyword `iff`\n  hint: did you mean `if`?",
    ],
    [
      "a bad environment action",
      "  environment:\n    name: x\n    action: destroy\n",
      "`action` must be one of start, prepare, stop, verify, access",
    ],
    ["an empty script", "  script: []\n", "j has empty script"],
  ])("reports %s", async (_, yaml, message) => {
    const base = yaml.includes("script:") ? "j:\n" : "j:\n  script: [x]\n";
    expect((await problemsOf(`${base}${yaml}`)).join("\n")).toContain(message);
  });

  it.each([
    ["a job without script", "j:\n  stage: test\n", "j must have script specified"],
    [
      "a trigger job with script",
      "t:\n  trigger: group/p\n  script: [x]\n",
      "t: a trigger job cannot use `script`",
    ],
    [
      "a job that is not a mapping",
      "job: echo\n",
      "`job` is not a keyword, and as a job it must be a mapping",
    ],
    ["a typo of a global keyword", "stagse: [a]\nj:\n  script: [x]\n", "hint: did you mean `stages`?"],
    ["stages that are not a list", "stages: test\nj:\n  script: [x]\n", "stages: must be an array"],
    [
      "an unknown workflow keyword",
      "workflow:\n  rule: []\nj:\n  script: [x]\n",
      "unknown workflow keyword `rule`",
    ],
    [
      "a bad workflow rule when",
      "workflow:\n  rules:\n    - when: manual\nj:\n  script: [x]\n",
      "`when` must be one of always, never (found manual)",
    ],
  ])("reports %s", async (_, yaml, message) => {
    expect((await problemsOf(yaml)).join("\n")).toContain(message);
  });

  it("reports every problem, not just the first", async () => {
    const problems = await problemsOf(
      "a:\n  when: x\n  script: [x]\nb:\n  tags: y\n  script: [x]\nc:\n  stage: nope\n  script: [x]\n",
    );
    expect(problems).toHaveLength(3);
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
