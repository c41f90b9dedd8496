import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { JobCache } from "../protocol/index.js";
import {
  archiveCaches,
  type CacheContext,
  cacheFile,
  projectPaths,
  relativeToProject,
  restoreCaches,
  sanitizeCacheKey,
  whenApplies,
} from "./cache-stage.js";

const root = mkdtempSync(join(tmpdir(), "cache-stage-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("sanitizeCacheKey", () => {
  it.each([
    ["default", "default"],
    ["main-linux", "main-linux"],
    ["with space", "with%20space"],
    ["a/b", undefined],
    ["a\\b", undefined],
    ["..", undefined],
    [".", undefined],
    ["  ", undefined],
  ])("%j → %j", (key, expected) => expect(sanitizeCacheKey(key)).toBe(expected));
});

describe("whenApplies", () => {
  it.each([
    ["on_success", true, true],
    ["on_success", false, false],
    ["on_failure", true, false],
    ["on_failure", false, true],
    ["always", true, true],
    ["always", false, true],
  ] as const)("%s with success=%s → %s", (when, ok, expected) =>
    expect(whenApplies(when, ok)).toBe(expected));
});

describe("restoreCaches / archiveCaches", () => {
  const cache = (key: string, extra: Partial<JobCache> = {}): JobCache => ({
    key,
    untracked: false,
    paths: ["deps/"],
    policy: "pull-push",
    when: "on_success",
    fallback_keys: [],
    ...extra,
  });
  function ctx(name: string, vars: Record<string, string> = {}): CacheContext & { logs: string[] } {
    const logs: string[] = [];
    const projectDir = join(root, name);
    mkdirSync(projectDir, { recursive: true });
    return {
      cacheDir: join(root, "cache"),
      projectPath: "group/app",
      projectDir,
      lookup: (n) => vars[n],
      log: (l) => logs.push(l),
      logs,
    };
  }

  it("archives by expanded key and restores into another project dir", async () => {
    const a = ctx("a", { BRANCH: "main" });
    mkdirSync(join(a.projectDir, "deps"));
    writeFileSync(join(a.projectDir, "deps", "lib"), "v1");
    await archiveCaches(a, [cache("deps-$BRANCH")], true);
    expect(existsSync(cacheFile(a, "deps-main"))).toBe(true);
    const b = ctx("b", { BRANCH: "main" });
    await restoreCaches(b, [cache("deps-$BRANCH")]);
    expect(readFileSync(join(b.projectDir, "deps", "lib"), "utf8")).toBe("v1");
  });

  it.each([
    ["pull never saves", cache("p1", { policy: "pull" }), true, false],
    ["on_success does not save after a failure", cache("p2"), false, false],
    ["on_failure saves after a failure", cache("p3", { when: "on_failure" }), false, true],
  ])("%s", async (_name, c, succeeded, saved) => {
    const x = ctx(`policy-${c.key}`);
    mkdirSync(join(x.projectDir, "deps"), { recursive: true });
    writeFileSync(join(x.projectDir, "deps", "f"), "x");
    await archiveCaches(x, [c], succeeded);
    expect(existsSync(cacheFile(x, c.key))).toBe(saved);
  });

  it("falls back to fallback_keys, then CACHE_FALLBACK_KEY; push does not restore", async () => {
    const seed = ctx("seed");
    mkdirSync(join(seed.projectDir, "deps"));
    writeFileSync(join(seed.projectDir, "deps", "lib"), "global");
    await archiveCaches(seed, [cache("global-key")], true);
    const viaGlobal = ctx("via-global", { CACHE_FALLBACK_KEY: "global-key" });
    await restoreCaches(viaGlobal, [cache("missing", { fallback_keys: ["also-missing"] })]);
    expect(readFileSync(join(viaGlobal.projectDir, "deps", "lib"), "utf8")).toBe("global");
    const pushOnly = ctx("push-only");
    await restoreCaches(pushOnly, [cache("global-key", { policy: "push" })]);
    expect(existsSync(join(pushOnly.projectDir, "deps"))).toBe(false);
    expect(pushOnly.logs).toContain("Not downloading cache global-key due to policy");
  });
});

describe("paths relative to the project", () => {
  it.each([
    ["dist/", "dist/"],
    ["/b/p/dist/", "dist/"],
    ["/b/p/path/file", "path/file"],
    ["/b/p", "**"],
    ["/b/p/../other", undefined],
    ["/b/pp/x", undefined],
    ["/etc/passwd", undefined],
  ])("%s → %s", (path, expected) => {
    expect(relativeToProject(path, "/b/p")).toBe(expected);
  });

  it("expands, relativizes and warns about paths outside the project", () => {
    const lines: string[] = [];
    const ctx = {
      projectDir: "/b/p",
      lookup: (name: string) => (name === "CI_PROJECT_DIR" ? "/b/p" : undefined),
      log: (line: string) => lines.push(line),
    };
    expect(projectPaths(["$CI_PROJECT_DIR/path/", "/tmp/x", "a/*.txt"], ctx)).toEqual(["path/", "a/*.txt"]);
    expect(lines).toEqual(["WARNING: /tmp/x: not inside the project directory /b/p"]);
  });
});
