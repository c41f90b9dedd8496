import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheKeyForFiles } from "./git-repo.js";

const repo = mkdtempSync(join(tmpdir(), "git-repo-"));
const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
let sha = "";
let lock = "";
let gem = "";

beforeAll(() => {
  git("init", "-q", "-b", "main");
  writeFileSync(join(repo, "package-lock.json"), "{}\n");
  writeFileSync(join(repo, "Gemfile.lock"), "GEM\n");
  git("add", "-A");
  git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x");
  sha = git("rev-parse", "HEAD");
  lock = git("rev-parse", "HEAD:package-lock.json");
  gem = git("rev-parse", "HEAD:Gemfile.lock");
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");

describe("cacheKeyForFiles (GitLab's cache:key:files)", () => {
  it.each<[string, string[], string | undefined, () => string]>([
    ["one file", ["package-lock.json"], undefined, () => sha1(lock)],
    [
      "sorted blob ids, in any order",
      ["package-lock.json", "Gemfile.lock"],
      undefined,
      () => sha1([lock, gem].sort().join("-")),
    ],
    [
      "same key whatever the order",
      ["Gemfile.lock", "./package-lock.json"],
      undefined,
      () => sha1([lock, gem].sort().join("-")),
    ],
    ["a missing file does not count", ["package-lock.json", "nope.lock"], undefined, () => sha1(lock)],
    ["no file at all: default", ["nope.lock"], undefined, () => "default"],
    ["with a prefix", ["package-lock.json"], "deps", () => `deps-${sha1(lock)}`],
  ])("%s", async (_what, files, prefix, expected) => {
    expect(await cacheKeyForFiles(join(repo, ".git"), sha, files, prefix)).toBe(expected());
  });
});
