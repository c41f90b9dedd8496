import { describe, expect, it } from "vitest";
import { load, problemsOf } from "./test-helpers.js";

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
    [
      "a typo of a global keyword holding a mapping",
      "workfow:\n  rules: []\nj:\n  script: [x]\n",
      "workfow must have script specified\n  hint: did you mean the `workflow` keyword?",
    ],
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

describe("warnings from default:", () => {
  it("are given once, at the default, not once per job", async () => {
    const { warnings } = await load(
      "default:\n  services: [docker:24-dind]\na:\n  script: [x]\nb:\n  script: [y]\n",
    );
    expect(warnings).toMatchObject([{ code: "PRIVILEGED_SERVICE", location: { line: 2, column: 13 } }]);
  });
});

describe("expression errors", () => {
  it.each([
    [
      "a rules:if",
      "  rules:\n    - if: $A ==\n",
      ".gitlab-ci.yml:4:11 (j.rules[0].if): invalid expression `$A ==`: expected an operand after `==` at the end at column 6",
    ],
    [
      "an only:variables entry",
      "  only:\n    variables: [$A =~ /(?=x)/]\n",
      ".gitlab-ci.yml:4:17 (j.only.variables[0]): invalid expression `$A =~ /(?=x)/`: invalid regular expression /(?=x)/: look-around assertions are not supported by RE2 at column 7",
    ],
  ])("names the expression once in %s", async (_, yaml, message) => {
    const [first] = await problemsOf(`j:\n  script: [x]\n${yaml}`);
    expect(first?.split("\n")[0]).toBe(message);
  });
});
