import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findConfigFile } from "./find-config-file.js";

describe("findConfigFile", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "runfleet-config-"));
    await mkdir(join(root, "a", "b"), { recursive: true });
    await mkdir(join(root, "ex"), { recursive: true });
    await writeFile(join(root, ".gitlab-ci.yml"), "x: 1\n");
    await writeFile(join(root, "ex", ".gitlab-ci.yml"), "x: 1\n");
    await writeFile(join(root, "a", "other.yml"), "x: 1\n");
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    ["the root from the root", "", undefined, ".gitlab-ci.yml"],
    ["the root from a subdirectory", "a/b", undefined, ".gitlab-ci.yml"],
    ["a subdirectory's own file", "ex", undefined, "ex/.gitlab-ci.yml"],
    ["--file relative to --cwd", "a", "other.yml", "a/other.yml"],
  ])("finds %s", async (_, cwd, file, expected) => {
    expect(await findConfigFile(join(root, cwd), root, file)).toBe(join(root, expected));
  });

  it("reports a missing file as CONFIG_NOT_FOUND", async () => {
    await expect(findConfigFile(root, root, "nope.yml")).rejects.toMatchObject({ code: "CONFIG_NOT_FOUND" });
    await rm(join(root, ".gitlab-ci.yml"));
    await expect(findConfigFile(join(root, "a"), root, undefined)).rejects.toMatchObject({
      code: "CONFIG_NOT_FOUND",
    });
  });
});
