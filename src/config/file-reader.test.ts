import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigInvalidError } from "./config-invalid-error.js";
import { nodeFileReader } from "./file-reader.js";
import { loadCiConfig } from "./load-ci-config.js";

let root: string;
let project: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "runfleet-reader-"));
  project = join(root, "project");
  await mkdir(join(project, "ci", "deep"), { recursive: true });
  await mkdir(join(project, ".git"), { recursive: true });
  await mkdir(join(project, "node_modules", "x"), { recursive: true });
  await mkdir(join(root, "outside"), { recursive: true });
  await writeFile(join(project, ".gitlab-ci.yml"), "include: ci/*.yml\nmain:\n  script: [make]\n");
  await writeFile(join(project, "ci", "a.yml"), "a:\n  script: [a]\n");
  await writeFile(join(project, "ci", "deep", "b.yml"), "b:\n  script: [b]\n");
  await writeFile(join(project, ".git", "config.yml"), "x: 1\n");
  await writeFile(join(project, "node_modules", "x", "ci.yml"), "x: 1\n");
  await writeFile(join(root, "outside", "secret.yml"), "stolen:\n  script: [cat]\n");
  await symlink(join(root, "outside"), join(project, "linked"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("nodeFileReader", () => {
  it("reads, sizes and lists files, skipping .git and node_modules", async () => {
    expect(await nodeFileReader.readFile(join(project, "ci", "a.yml"))).toBe("a:\n  script: [a]\n");
    expect(await nodeFileReader.size(join(project, "ci", "a.yml"))).toBe(17);
    expect(await nodeFileReader.readFile(join(project, "missing.yml"))).toBeUndefined();
    expect(await nodeFileReader.size(join(project, "ci"))).toBeUndefined();
    expect(await nodeFileReader.listFiles(project)).toEqual([".gitlab-ci.yml", "ci/a.yml", "ci/deep/b.yml"]);
  });

  it("loads a project from disk with a wildcard include", async () => {
    const { config } = await loadCiConfig({ file: ".gitlab-ci.yml", projectDir: project });
    expect(config.jobs.map((j) => j.name)).toEqual(["a", "main"]);
  });

  it("refuses an include that leaves the project through a symbolic link", async () => {
    await writeFile(join(project, "escape.yml"), "include: linked/secret.yml\nmain:\n  script: [make]\n");
    const err = await loadCiConfig({ file: "escape.yml", projectDir: project }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigInvalidError);
    expect((err as ConfigInvalidError).errors[0]?.format()).toContain(
      "escape.yml:1:10 (include): include `linked/secret.yml` leads outside the project directory through a symbolic link",
    );
  });
});
