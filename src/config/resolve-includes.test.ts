import { describe, expect, it } from "vitest";
import type { ConfigInvalidError } from "./config-invalid-error.js";
import { MAX_FILE_BYTES } from "./resolve-includes.js";
import { loadFiles, problemsOf } from "./test-helpers.js";

const job = (name: string, extra = "") => `${name}:\n  script: [echo ${name}]\n${extra}`;

async function jobNames(files: Record<string, string>, options = {}): Promise<string[]> {
  const { config } = await loadFiles(files, options);
  return config.jobs.map((j) => j.name);
}

describe("include: local", () => {
  it.each([
    ["a string", "include: ci/a.yml\n"],
    ["a string with a leading slash", "include: /ci/a.yml\n"],
    ["a list of strings", "include:\n  - ci/a.yml\n"],
    ["a {local} mapping", "include:\n  local: ci/a.yml\n"],
    ["a list of {local} mappings", "include:\n  - local: /ci/a.yml\n"],
  ])("accepts %s", async (_, include) => {
    expect(await jobNames({ ".gitlab-ci.yml": `${include}${job("main")}`, "ci/a.yml": job("a") })).toEqual([
      "a",
      "main",
    ]);
  });

  it("expands * within a folder and ** across folders, in sorted order", async () => {
    const files = {
      "ci/b.yml": job("b"),
      "ci/a.yml": job("a"),
      "ci/deep/c.yml": job("c"),
      "ci/notes.txt": "not yaml",
    };
    expect(await jobNames({ ".gitlab-ci.yml": "include: ci/*.yml\n", ...files })).toEqual(["a", "b"]);
    expect(await jobNames({ ".gitlab-ci.yml": "include: ci/**.yml\n", ...files })).toEqual(["a", "b", "c"]);
    expect(await jobNames({ ".gitlab-ci.yml": "include: ci/**/*.yml\n", ...files })).toEqual(["c"]);
  });

  it("warns when a wildcard matches nothing", async () => {
    const { warnings } = await loadFiles({ ".gitlab-ci.yml": `include: none/*.yml\n${job("main")}` });
    expect(warnings.map((w) => w.code)).toEqual(["INCLUDE_MATCHED_NOTHING"]);
  });

  it("follows nested includes, always relative to the project root", async () => {
    const files = {
      ".gitlab-ci.yml": "include: ci/a.yml\n",
      "ci/a.yml": `include: ci/b.yml\n${job("a")}`,
      "ci/b.yml": job("b"),
    };
    const { config } = await loadFiles(files);
    expect(config.jobs.map((j) => j.name)).toEqual(["b", "a"]);
    expect(config.files).toEqual([".gitlab-ci.yml", "ci/a.yml", "ci/b.yml"]);
  });

  it("deep-merges: the including file wins, later includes win over earlier ones", async () => {
    const files = {
      ".gitlab-ci.yml": "include: [one.yml, two.yml]\nvariables:\n  MAIN: m\nbuild:\n  stage: test\n",
      "one.yml":
        "variables:\n  ONE: '1'\n  SHARED: one\nbuild:\n  stage: build\n  script: [make]\n  tags: [a, b]\n",
      "two.yml": "variables:\n  SHARED: two\nbuild:\n  tags: [c]\n",
    };
    const { config } = await loadFiles(files);
    expect(Object.fromEntries(Object.entries(config.variables).map(([k, v]) => [k, v.value]))).toEqual({
      ONE: "1",
      SHARED: "two",
      MAIN: "m",
    });
    expect(config.jobs[0]).toMatchObject({ name: "build", stage: "test", script: ["make"], tags: ["c"] });
  });

  it("expands pipeline variables in the path", async () => {
    const files = { ".gitlab-ci.yml": "include: $CI_DIR/a.yml\n", "ci/a.yml": job("a") };
    expect(await jobNames(files, { variables: { CI_DIR: "ci" } })).toEqual(["a"]);
  });

  it.each([
    [
      "a missing file",
      { ".gitlab-ci.yml": "include:\n  - local: nope.yml\n" },
      ".gitlab-ci.yml:2:5 (include[0]): Local include file cannot be found nope.yml",
    ],
    [
      "a cycle",
      { ".gitlab-ci.yml": "include: a.yml\n", "a.yml": "include: b.yml\n", "b.yml": "include: a.yml\n" },
      "b.yml:1:10 (include): include cycle: .gitlab-ci.yml → a.yml → b.yml → a.yml",
    ],
    [
      "directory traversal",
      { ".gitlab-ci.yml": "include: ../outside.yml\n" },
      "`../outside.yml` for include:local is invalid. GitLab does not support directory traversal.",
    ],
    ["a ./ path", { ".gitlab-ci.yml": "include: ./a.yml\n" }, "GitLab does not support relative path"],
    [
      "a non-YAML file",
      { ".gitlab-ci.yml": "include: ci/a.json\n" },
      "Included file `ci/a.json` does not have YAML extension!",
    ],
    [
      "an unknown include keyword",
      { ".gitlab-ci.yml": "include:\n  - lokal: a.yml\n" },
      "(include[0].lokal): unknown include keyword `lokal`",
    ],
    [
      "a path that expands to nothing",
      { ".gitlab-ci.yml": "include: $UNSET\n" },
      "include `$UNSET` expands to an empty path",
    ],
    [
      "malformed YAML in an included file",
      { ".gitlab-ci.yml": "include: a.yml\n", "a.yml": "job: [\n" },
      "a.yml:2:1: malformed YAML",
    ],
  ])("reports %s", async (_, files, message) => {
    expect((await problemsOf(files)).join("\n")).toContain(message);
  });

  it("refuses a file over the size limit before parsing it", async () => {
    const big = `# ${"x".repeat(MAX_FILE_BYTES)}\n`;
    const problems = await problemsOf({ ".gitlab-ci.yml": "include: big.yml\n", "big.yml": big });
    expect(problems[0]).toContain(
      `big.yml is ${MAX_FILE_BYTES + 3} bytes; config files are limited to ${MAX_FILE_BYTES} bytes (1 MiB)`,
    );
    expect(problems[0]).toMatch(/^\.gitlab-ci\.yml:1:10 \(include\)/);
  });
});

describe("includes that cannot be fetched offline", () => {
  it.each([
    [
      "remote",
      "include: https://example.com/ci.yml\n",
      "include `remote: https://example.com/ci.yml` cannot be fetched",
    ],
    [
      "remote mapping",
      "include:\n  - remote: https://example.com/ci.yml\n",
      "include `remote: https://example.com/ci.yml` cannot be fetched",
    ],
    [
      "project",
      "include:\n  - project: group/shared\n    file: /ci.yml\n",
      "include `project: group/shared, file: /ci.yml` cannot be fetched",
    ],
    [
      "template",
      "include:\n  - template: Auto-DevOps.gitlab-ci.yml\n",
      "include `template: Auto-DevOps.gitlab-ci.yml` cannot be fetched",
    ],
    [
      "component",
      "include:\n  - component: gitlab.com/org/proj/build@1.0\n",
      "include `component: gitlab.com/org/proj/build@1.0` cannot be fetched",
    ],
  ])("%s is an error naming the include", async (_, yaml, message) => {
    try {
      await loadFiles({ ".gitlab-ci.yml": `${yaml}${job("main")}` });
      expect.unreachable();
    } catch (err) {
      const first = (err as ConfigInvalidError).errors[0];
      expect(first?.code).toBe("INCLUDE_UNAVAILABLE");
      expect(first?.message).toContain(message);
      expect(first?.location?.line).toBeGreaterThan(0);
    }
  });

  it("serves component includes from a component directory, with inputs", async () => {
    const template =
      "spec:\n  inputs:\n    stage:\n      default: test\n---\ncomponent-job:\n  stage: $[[ inputs.stage ]]\n  script: [lint]\n";
    const { config } = await loadFiles(
      {
        ".gitlab-ci.yml":
          "include:\n  - component: gitlab.com/org/proj/lint@1.0\n    inputs:\n      stage: build\n",
      },
      { componentDir: "/components", extraFiles: { "/components/org/proj/templates/lint.yml": template } },
    );
    expect(config.jobs).toMatchObject([{ name: "component-job", stage: "build", script: ["lint"] }]);
  });
});

describe("include: rules", () => {
  const files = {
    ".gitlab-ci.yml": [
      "include:",
      "  - local: tag.yml",
      "    rules:",
      "      - if: $CI_COMMIT_TAG",
      "  - local: docs.yml",
      "    rules:",
      "      - exists: [docs/**/*.md]",
      "  - local: never.yml",
      "    rules:",
      "      - if: $CI_COMMIT_TAG",
      "        when: never",
      "      - when: always",
      job("main"),
    ].join("\n"),
    "tag.yml": job("release"),
    "docs.yml": job("docs"),
    "never.yml": job("sometimes"),
    "docs/guide/intro.md": "# hi",
  };

  it.each([
    [{}, ["docs", "sometimes", "main"]],
    [{ CI_COMMIT_TAG: "v1.0" }, ["release", "docs", "main"]],
  ])("with variables %j includes %j", async (variables, expected) => {
    expect(await jobNames(files, { variables })).toEqual(expected);
  });

  it("reports a bad expression in an include rule", async () => {
    const problems = await problemsOf({
      ".gitlab-ci.yml": `include:\n  - local: a.yml\n    rules:\n      - if: '$A ==== "x"'\n${job("main")}`,
      "a.yml": job("a"),
    });
    expect(problems[0]).toContain("(include[0].rules[0].if): invalid expression");
  });
});

describe("include limits", () => {
  it("refuses more than 150 included files", async () => {
    const files: Record<string, string> = { ".gitlab-ci.yml": "include: ci/*.yml\n" };
    for (let i = 0; i < 151; i++) files[`ci/f${String(i).padStart(3, "0")}.yml`] = `j${i}:\n  script: [x]\n`;
    const problems = await problemsOf(files);
    expect(problems).toEqual([expect.stringContaining("more than 150 includes")]);
  });
});
