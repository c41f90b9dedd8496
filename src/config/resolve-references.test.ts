import { describe, expect, it } from "vitest";
import { jobOf, problemsOf } from "./test-helpers.js";

describe("!reference", () => {
  it("inserts scripts from hidden jobs, nested lists flattened", async () => {
    const yaml = [
      ".setup:",
      "  script: [echo setup, echo more]",
      "  variables:",
      "    MYVAR: from-setup",
      ".arr:",
      "  - echo array",
      ".chain:",
      "  script:",
      "    - !reference [.setup, script]",
      "    - !reference [.arr]",
      "job:",
      "  variables:",
      "    MYVAR: !reference [.setup, variables, MYVAR]",
      "  script:",
      "    - !reference [.chain, script]",
      "    - echo $MYVAR",
    ].join("\n");
    const job = await jobOf(yaml, "job");
    expect(job.script).toEqual(["echo setup", "echo more", "echo array", "echo $MYVAR"]);
    expect(job.variables.MYVAR?.value).toBe("from-setup");
  });

  it("works in rules and other keys, and across includes", async () => {
    const yaml =
      ".rules:\n  rules:\n    - if: $CI_COMMIT_TAG\njob:\n  rules:\n    - !reference [.rules, rules]\n    - when: manual\n  script: [x]\n";
    const job = await jobOf(yaml, "job");
    expect(job.rules?.map((r) => r.if ?? r.when)).toEqual(["$CI_COMMIT_TAG", "manual"]);
  });

  it.each([
    [
      "a self-reference",
      "test-job:\n  script:\n    - !reference [test-job, script]\n",
      "!reference circular chain detected [test-job,script]",
    ],
    [
      "a cycle through two jobs",
      ".a:\n  script: [!reference [.b, script]]\n.b:\n  script: [!reference [.a, script]]\nj:\n  script: [!reference [.a, script]]\n",
      "!reference circular chain detected",
    ],
    [
      "a missing target",
      "j:\n  script:\n    - !reference [.nope, script]\n",
      "(j.script[0]): !reference [.nope,script] could not be found",
    ],
  ])("reports %s", async (_, yaml, message) => {
    const problems = await problemsOf(yaml);
    expect(problems.join("\n")).toContain(message);
  });

  it("reports a circular reference once, at the reference", async () => {
    const problems = await problemsOf("test-job:\n  script:\n    - !reference [test-job, script]\n");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\.gitlab-ci\.yml:3:18 \(test-job\.script\[0\]/);
  });

  it("refuses script nesting deeper than GitLab's 10 levels", async () => {
    const deep = `${"[".repeat(11)}echo${"]".repeat(11)}`;
    const problems = await problemsOf(`j:\n  script: ${deep}\n`);
    expect(problems[0]).toContain(
      "j.script config should be string or a nested array of strings up to 10 level deep",
    );
  });
});

describe("!reference and extends", () => {
  it("finds keys a hidden job inherits through extends", async () => {
    const yaml = [
      ".default-variables:",
      "  variables:",
      "    FOO: foo",
      ".variables-wrapper:",
      "  variables: !reference [.default-variables, variables]",
      ".variables:",
      "  extends: .variables-wrapper",
      "job:",
      "  variables: !reference [.variables, variables]",
      "  script: [echo $FOO]",
    ].join("\n");
    expect((await jobOf(yaml, "job")).variables.FOO?.value).toBe("foo");
  });
});
