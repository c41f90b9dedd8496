import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigInvalidError } from "./config-invalid-error.js";
import { loadCiConfig } from "./load-ci-config.js";
import { MAX_FILE_BYTES } from "./resolve-includes.js";
import { load, loadFiles, problemsOf } from "./test-helpers.js";

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples");

describe("loadCiConfig", () => {
  it.each([
    "hello-fargate",
    "monorepo-children",
    "workflow-rules",
  ])("loads the %s example clean from disk", async (example) => {
    const dir = join(EXAMPLES, example);
    const { config, warnings } = await loadCiConfig({ file: join(dir, ".gitlab-ci.yml"), projectDir: dir });
    expect(warnings).toEqual([]);
    expect(config.file).toBe(".gitlab-ci.yml");
    expect(config.jobs.length).toBeGreaterThan(0);
  });

  it("the monorepo example's trigger carries its merged child pipeline", async () => {
    const dir = join(EXAMPLES, "monorepo-children");
    const { config } = await loadCiConfig({ file: ".gitlab-ci.yml", projectDir: dir });
    const trigger = config.jobs.find((j) => j.name === "trigger-services")?.trigger;
    expect(trigger?.kind).toBe("child");
    if (trigger?.kind !== "child") return;
    expect(trigger.config?.files).toEqual([
      ".gitlab/ci/api-service.yml",
      ".gitlab/ci/web-service.yml",
      ".gitlab/ci/worker-service.yml",
    ]);
    expect(trigger.config?.jobs.map((j) => j.name)).toEqual([
      "build-api",
      "test-api",
      "build-web",
      "test-web",
      "build-worker",
      "test-worker",
    ]);
  });

  it("a missing root file is CONFIG_NOT_FOUND", async () => {
    const err = await loadFiles({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigInvalidError);
    expect((err as ConfigInvalidError).code).toBe("CONFIG_NOT_FOUND");
    expect((err as ConfigInvalidError).errors[0]?.message).toBe("config file not found: .gitlab-ci.yml");
  });

  it("refuses a root file over the size limit", async () => {
    const problems = await problemsOf(`# ${"x".repeat(MAX_FILE_BYTES)}\n`);
    expect(problems[0]).toContain(`config files are limited to ${MAX_FILE_BYTES} bytes (1 MiB)`);
  });

  it("collects problems from every file into one error", async () => {
    const err = await loadFiles({
      ".gitlab-ci.yml": "include: [a.yml, b.yml]\nmain:\n  script: [x]\n  stage: nowhere\n",
      "a.yml": "a:\n  script: [x]\n  when: sometimes\n",
      "b.yml": "b: [\n",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigInvalidError);
    const invalid = err as ConfigInvalidError;
    expect(invalid.errors.map((e) => e.location?.file)).toEqual(["b.yml", "a.yml", ".gitlab-ci.yml"]);
    expect(invalid.message).toBe(".gitlab-ci.yml: 3 problems");
    expect(
      invalid
        .format()
        .split("\n")
        .filter((l) => !l.startsWith("  ")),
    ).toHaveLength(3);
  });

  it("refuses child pipelines nested deeper than GitLab allows", async () => {
    const level = (n: number) => `t${n}:\n  trigger:\n    include: c${n + 1}.yml\n`;
    const problems = await problemsOf({
      ".gitlab-ci.yml": level(0),
      "c1.yml": level(1),
      "c2.yml": level(2),
      "c3.yml": "j:\n  script: [x]\n",
    });
    expect(problems.join("\n")).toContain("t2: child pipelines nest more than 2 levels deep");
  });

  it("a child pipeline from a remote include is an unavailable include", async () => {
    const err = await load(
      "t:\n  trigger:\n    include:\n      - remote: https://example.com/child.yml\n",
    ).catch((e: unknown) => e);
    expect((err as ConfigInvalidError).errors[0]).toMatchObject({
      code: "INCLUDE_UNAVAILABLE",
      location: { path: "t.trigger.include" },
    });
  });

  it("loads a file in a sub-folder of the project, naming it relative to the project", async () => {
    const { config } = await loadFiles({ "ci/main.yml": "j:\n  script: [x]\n" }, { file: "ci/main.yml" });
    expect(config.file).toBe("ci/main.yml");
    expect(config.jobs[0]?.location).toEqual({ file: "ci/main.yml", line: 1, column: 1, path: "j" });
  });
});

describe("a file system that fails", () => {
  it("reports an unreadable file as a problem instead of crashing", async () => {
    const failing = {
      readFile: async () => {
        throw new Error("EACCES: permission denied");
      },
      size: async () => 10,
      listFiles: async () => [],
    };
    const err = await loadCiConfig({ file: ".gitlab-ci.yml", projectDir: "/p", reader: failing }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigInvalidError);
    expect((err as ConfigInvalidError).errors[0]?.format()).toBe(
      ".gitlab-ci.yml:1:1: cannot read .gitlab-ci.yml: EACCES: permission denied\n  hint: check the file's permissions",
    );
  });

  it("lists a file included twice once", async () => {
    const { config } = await loadFiles({
      ".gitlab-ci.yml": "include: [a.yml, a.yml]\n",
      "a.yml": "a:\n  script: [x]\n",
    });
    expect(config.files).toEqual([".gitlab-ci.yml", "a.yml"]);
  });
});
