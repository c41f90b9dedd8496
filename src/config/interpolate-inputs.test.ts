import { describe, expect, it } from "vitest";
import { loadFiles, problemsOf } from "./test-helpers.js";

const TEMPLATE = [
  "spec:",
  "  inputs:",
  "    name:",
  "    stage:",
  "      default: test",
  "      options: [build, test]",
  "    count:",
  "      type: number",
  "      default: 2",
  "    verbose:",
  "      type: boolean",
  "      default: false",
  "    flags:",
  "      type: array",
  "      default: [--a, --b]",
  "    version:",
  "      default: '1.0'",
  "      regex: ^\\d+\\.\\d+$",
  "---",
  "scan-$[[ inputs.name ]]:",
  "  stage: $[[ inputs.stage ]]",
  "  parallel: $[[ inputs.count ]]",
  "  variables:",
  "    VERBOSE: $[[ inputs.verbose ]]",
  "    VERSION: v$[[inputs.version]]",
  "  script:",
  "    - echo $[[ inputs.name ]] $[[ inputs.name | truncate(0,3) ]]",
  "    - $[[ inputs.flags ]]",
  "",
].join("\n");

function withInputs(inputs: string) {
  return { ".gitlab-ci.yml": `include:\n  - local: t.yml\n    inputs:\n${inputs}`, "t.yml": TEMPLATE };
}

describe("include inputs", () => {
  it("interpolates keys and values, applies defaults and keeps whole-value types", async () => {
    const { config } = await loadFiles(withInputs("      name: website\n      count: 3\n"));
    const job = config.jobs[0];
    expect(job?.name).toBe("scan-website");
    expect(job?.stage).toBe("test");
    expect(job?.parallel).toEqual({ kind: "count", count: 3 });
    expect(job?.variables.VERBOSE?.value).toBe("false");
    expect(job?.variables.VERSION?.value).toBe("v1.0");
    expect(job?.script).toEqual(["echo website web", "--a", "--b"]);
  });

  it("includes one template twice with different inputs", async () => {
    const { config } = await loadFiles({
      ".gitlab-ci.yml":
        "include:\n  - local: t.yml\n    inputs: { name: a }\n  - local: t.yml\n    inputs: { name: b, stage: build }\n",
      "t.yml": TEMPLATE,
    });
    expect(config.jobs.map((j) => [j.name, j.stage])).toEqual([
      ["scan-a", "test"],
      ["scan-b", "build"],
    ]);
  });

  it.each([
    [
      "a missing required input",
      "      stage: test\n",
      "`t.yml`: `name` input: required value has not been provided",
    ],
    [
      "an unknown input",
      "      name: x\n      colour: red\n",
      "`t.yml`: unknown input name provided: `colour`",
    ],
    [
      "a value outside options",
      "      name: x\n      stage: deploy\n",
      "`stage` input: `deploy` cannot be used because it is not in the list of allowed options",
    ],
    [
      "a number given as a string",
      "      name: x\n      count: many\n",
      "`count` input: provided value is not a number",
    ],
    ["a string given as a boolean", "      name: true\n", "`name` input: provided value is not a string"],
    [
      "a scalar given for an array",
      "      name: x\n      flags: --c\n",
      "`flags` input: provided value is not a array",
    ],
    [
      "a boolean given as text",
      "      name: x\n      verbose: 'yes'\n",
      "`verbose` input: provided value is not a boolean",
    ],
    [
      "a value failing the regex",
      "      name: x\n      version: latest\n",
      "`version` input: provided value does not match required RegEx pattern",
    ],
  ])("reports %s", async (_, inputs, message) => {
    const problems = await problemsOf(withInputs(inputs));
    // One mistake, one problem: a rejected input is not also an unknown interpolation key.
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it.each([
    [
      "an unknown interpolation key",
      "spec:\n  inputs:\n    a:\n      default: x\n---\nj:\n  script:\n    - echo $[[ inputs.foo ]]\n",
      "unknown interpolation key: `foo`",
    ],
    [
      "too many functions",
      "spec:\n  inputs:\n    a:\n      default: x\n---\nj:\n  script:\n    - echo $[[ inputs.a | expand_vars | expand_vars | expand_vars | expand_vars ]]\n",
      "too many functions in interpolation block",
    ],
    [
      "an unknown input type",
      "spec:\n  inputs:\n    a:\n      type: foo\n---\nj:\n  script: [x]\n",
      "header:spec:inputs:a input type unknown value: foo",
    ],
  ])("reports %s in the template", async (_, template, message) => {
    const problems = await problemsOf({ ".gitlab-ci.yml": "include: t.yml\n", "t.yml": template });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it("refuses inputs for a file without a spec header", async () => {
    const problems = await problemsOf({
      ".gitlab-ci.yml": "include:\n  - local: t.yml\n    inputs: { a: 1 }\n",
      "t.yml": "j:\n  script: [x]\n",
    });
    expect(problems[0]).toContain("`t.yml` takes no inputs: it has no `spec: inputs:` header");
  });

  it("substitutes a whole array input as a list, e.g. rules", async () => {
    const template =
      'spec:\n  inputs:\n    rules-config:\n      type: array\n      default:\n        - if: $CI_PIPELINE_SOURCE == "schedule"\n---\nj:\n  rules: $[[ inputs.rules-config ]]\n  script: ls\n';
    const { config } = await loadFiles({ ".gitlab-ci.yml": "include: t.yml\n", "t.yml": template });
    expect(config.jobs[0]?.rules?.map((r) => r.if)).toEqual(['$CI_PIPELINE_SOURCE == "schedule"']);
  });

  it("keeps regex-like values verbatim", async () => {
    const value = "^v?(?P<major>[0-9]+)\\.(?P<minor>[0-9]+)$";
    const { config } = await loadFiles({
      ".gitlab-ci.yml": `include:\n  - local: t.yml\n    inputs:\n      foo: '${value}'\n`,
      "t.yml": "spec:\n  inputs:\n    foo:\n---\nj:\n  script:\n    - echo $[[ inputs.foo ]]\n",
    });
    expect(config.jobs[0]?.script).toEqual([`echo ${value}`]);
  });
});
