import { describe, expect, it } from "vitest";
import { jobOf, load, problemsOf } from "./test-helpers.js";

describe("extends", () => {
  it("deep-merges hashes, replaces arrays, and lets the job win", async () => {
    const yaml = [
      ".base:",
      "  image: alpine",
      "  variables: { A: base, B: base }",
      "  tags: [x, y]",
      "  script: [base]",
      "job:",
      "  extends: .base",
      "  variables: { B: job }",
      "  tags: [z]",
    ].join("\n");
    const job = await jobOf(yaml, "job");
    expect(job.image).toEqual({ name: "alpine" });
    expect(Object.fromEntries(Object.entries(job.variables).map(([k, v]) => [k, v.value]))).toEqual({
      A: "base",
      B: "job",
    });
    expect(job.tags).toEqual(["z"]);
    expect(job.script).toEqual(["base"]);
  });

  it("follows several levels and several parents (later parents win)", async () => {
    const yaml = [
      ".a:",
      "  stage: build",
      "  script: [a]",
      ".b:",
      "  extends: .a",
      "  script: [b]",
      ".c:",
      "  stage: deploy",
      "job:",
      "  extends: [.b, .c]",
    ].join("\n");
    expect(await jobOf(yaml, "job")).toMatchObject({ stage: "deploy", script: ["b"] });
  });

  it("may extend a visible job", async () => {
    const { config } = await load("build:\n  script: [make]\n  tags: [t]\nbuild-too:\n  extends: build\n");
    expect(config.jobs.map((j) => [j.name, j.tags])).toEqual([
      ["build", ["t"]],
      ["build-too", ["t"]],
    ]);
  });

  it.each([
    [
      "a cycle",
      ".a:\n  extends: .b\n.b:\n  extends: .a\nj:\n  extends: .a\n  script: [x]\n",
      "circular dependency detected in `extends`",
    ],
    [
      "an unknown parent with a suggestion",
      ".base:\n  script: [x]\nj:\n  extends: .bse\n",
      "j: unknown key in `extends`: `.bse`\n  hint: did you mean `.base`?",
    ],
    [
      "a parent that is not a mapping",
      ".v: [1]\nj:\n  extends: .v\n  script: [x]\n",
      "`extends` target `.v` is not a mapping",
    ],
  ])("reports %s", async (_, yaml, message) => {
    expect((await problemsOf(yaml)).join("\n")).toContain(message);
  });
});

describe("default and inherit", () => {
  const base = [
    "default:",
    "  image: ruby:3",
    "  before_script: [bundle install]",
    "  tags: [docker]",
    "  retry: 1",
    "  timeout: 1h",
    "  interruptible: true",
    "variables:",
    "  GLOBAL: g",
    "  OTHER: o",
  ].join("\n");

  it("fills keys the job lacks; the job's own keys win", async () => {
    const { config } = await load(`${base}\na:\n  script: [x]\nb:\n  image: node\n  script: [y]\n`);
    expect(config.jobs[0]).toMatchObject({
      image: { name: "ruby:3" },
      beforeScript: ["bundle install"],
      tags: ["docker"],
      retry: { max: 1 },
      timeout: 3600,
      interruptible: true,
    });
    expect(config.jobs[1]?.image).toEqual({ name: "node" });
  });

  it.each([
    ["inherit:default false", "    default: false\n", undefined, []],
    ["inherit:default list", "    default: [tags]\n", undefined, ["docker"]],
  ])("%s", async (_, inherit, image, tags) => {
    const job = await jobOf(`${base}\nj:\n  script: [x]\n  inherit:\n${inherit}`, "j");
    expect(job.image).toEqual(image);
    expect(job.tags).toEqual(tags);
  });

  it.each([
    ["    variables: false\n", false],
    ["    variables: [GLOBAL]\n", ["GLOBAL"]],
    ["    default: true\n", true],
  ])("inherit variables %j", async (inherit, expected) => {
    expect((await jobOf(`${base}\nj:\n  script: [x]\n  inherit:\n${inherit}`, "j")).inheritVariables).toEqual(
      expected,
    );
  });

  it("applies deprecated top-level defaults", async () => {
    expect(
      (await jobOf("image: alpine\nbefore_script: [setup]\nj:\n  script: [x]\n", "j")).beforeScript,
    ).toEqual(["setup"]);
  });

  it("ignores default hooks with a warning", async () => {
    const { warnings } = await load(
      "default:\n  hooks:\n    pre_get_sources_script: [echo]\nj:\n  script: [x]\n",
    );
    expect(warnings).toMatchObject([
      { code: "IGNORED_KEYWORD", location: { line: 2, column: 3, path: "default.hooks" } },
    ]);
  });

  it("does not give trigger jobs script defaults", async () => {
    const job = await jobOf(`${base}\nt:\n  trigger: group/other\n`, "t");
    expect(job.beforeScript).toEqual([]);
    expect(job.image).toBeUndefined();
  });

  it.each([
    [
      "an unknown default keyword",
      "default:\n  imag: ruby\nj:\n  script: [x]\n",
      "(default.imag): unknown default keyword `imag`\n  hint: did you mean `image`?",
    ],
    [
      "an unknown inherit keyword",
      "j:\n  script: [x]\n  inherit:\n    defaults: false\n",
      "unknown inherit keyword `defaults`",
    ],
    [
      "a non-default key in inherit:default",
      "j:\n  script: [x]\n  inherit:\n    default: [script]\n",
      "`inherit:default` lists `script`, which is not a default keyword",
    ],
  ])("reports %s", async (_, yaml, message) => {
    expect((await problemsOf(yaml)).join("\n")).toContain(message);
  });
});

describe("hidden jobs", () => {
  it("are templates, not jobs", async () => {
    const { config } = await load(".hidden:\n  script: [x]\n.values: [1, 2]\nreal:\n  script: [y]\n");
    expect(config.jobs.map((j) => j.name)).toEqual(["real"]);
  });

  it("a config with only hidden jobs has no visible job", async () => {
    expect(await problemsOf(".hidden:\n  script: [x]\n")).toEqual([
      expect.stringContaining("jobs config should contain at least one visible job"),
    ]);
  });
});

describe("limits", () => {
  it("refuses extends nested deeper than GitLab's 11 levels", async () => {
    const levels = Array.from({ length: 13 }, (_, i) => `.l${i}:\n  extends: .l${i + 1}\n`).join("");
    const problems = await problemsOf(`${levels}.l13:\n  script: [x]\nj:\n  extends: .l0\n`);
    expect(problems.join("\n")).toContain("`extends` is nested more than 11 levels deep");
  });
});
