import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectFiles, staticBase } from "./collect-files.js";

const root = mkdtempSync(join(tmpdir(), "collect-"));
const files = [
  "build/app.bin",
  "build/sub/deep.txt",
  "build/.hidden",
  "logs/a.log",
  "logs/b.txt",
  "README.md",
  "x/y/z/report.xml",
  "x/report.xml",
];

beforeAll(() => {
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), f);
  }
  symlinkSync("app.bin", join(root, "build", "link"));
  execFileSync("git", ["init", "-q"], { cwd: root });
  execFileSync("git", ["add", "README.md"], { cwd: root });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("staticBase", () => {
  it.each([
    ["build/**/*.txt", "build"],
    ["**/*.xml", ""],
    ["a/b/c.txt", "a/b/c.txt"],
    ["a/*/c", "a"],
  ])("%s → %j", (p, base) => expect(staticBase(p)).toBe(base));
});

describe("collectFiles", () => {
  it.each([
    [["build/"], [], ["build/.hidden", "build/app.bin", "build/link", "build/sub/deep.txt"]],
    [["./build"], ["build/sub/**", "**/.hidden"], ["build/app.bin", "build/link"]],
    [["logs/*.log"], [], ["logs/a.log"]],
    [["**/report.xml"], [], ["x/report.xml", "x/y/z/report.xml"]],
    [["x/**/report.xml"], [], ["x/report.xml", "x/y/z/report.xml"]],
    [["README.md", "logs"], ["**/*.txt"], ["README.md", "logs/a.log"]],
  ])("paths %j exclude %j", async (paths, exclude, expected) => {
    expect((await collectFiles(root, { paths, exclude, untracked: false })).files).toEqual(expected);
  });

  it.each([
    [["build/"], [], ["build", "build/sub"]],
    // `build/sub/**` matches what is under build/sub, not the directory: it stays, empty (GitLab Runner).
    [["build"], ["build/sub/**"], ["build", "build/sub"]],
    [["build"], ["build/sub"], ["build"]],
    [["**/report.xml"], [], []],
  ])("directories of paths %j exclude %j", async (paths, exclude, expected) => {
    expect((await collectFiles(root, { paths, exclude, untracked: false })).dirs).toEqual(expected);
  });

  it("reports patterns that matched nothing, and never leaves the root", async () => {
    const out = await collectFiles(root, {
      paths: ["nothing/*", "../etc/passwd", "README.md"],
      exclude: [],
      untracked: false,
    });
    expect(out.files).toEqual(["README.md"]);
    expect(out.unmatched).toEqual(["nothing/*", "../etc/passwd"]);
  });

  it("adds git's untracked files (ignored ones too) when asked", async () => {
    const out = await collectFiles(root, { paths: [], exclude: ["logs/**"], untracked: true });
    expect(out.files).toContain("build/app.bin");
    expect(out.files).not.toContain("README.md");
    expect(out.files).not.toContain("logs/a.log");
  });
});
