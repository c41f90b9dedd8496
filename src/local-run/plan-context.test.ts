import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findProject } from "./find-project.js";
import { buildPlanContext, pipelineUser } from "./plan-context.js";
import { newRunId } from "./run-id.js";
import { snapshotProject } from "./snapshot.js";

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "T",
  GIT_AUTHOR_EMAIL: "t@t",
  GIT_COMMITTER_NAME: "T",
  GIT_COMMITTER_EMAIL: "t@t",
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, env, encoding: "utf8" }).trim();

describe("buildPlanContext", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "runfleet-context-"));
    git(dir, "init", "-q", "-b", "feature");
    await writeFile(join(dir, "a.txt"), "a\n");
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "first");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function context(ref?: string) {
    const project = await findProject(dir);
    const snapshot = await snapshotProject(project, newRunId());
    return buildPlanContext({ project, snapshot, ref, source: "push", variables: { X: "1" } });
  }

  it("reads branch, commit, files and author; changes unknown without a remote", async () => {
    const c = await context();
    expect(c).toMatchObject({ ref: "feature", refType: "branch", defaultBranch: "feature", source: "push" });
    expect(c.repositoryFiles).toEqual(["a.txt"]);
    expect(c.changedFiles).toBeUndefined();
    expect(c.commitAuthor).toBe("T <t@t>");
    expect(c.variables).toEqual({ X: "1" });
    expect((await context("other")).ref).toBe("other");
  });

  it("compares with the fork point of origin's default branch, uncommitted work included", async () => {
    git(dir, "update-ref", "refs/remotes/origin/main", "HEAD");
    git(dir, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main");
    await writeFile(join(dir, "b.txt"), "b\n");
    git(dir, "add", "b.txt");
    git(dir, "commit", "-q", "-m", "second");
    await writeFile(join(dir, "c.txt"), "uncommitted\n");
    const c = await context();
    expect(c.defaultBranch).toBe("main");
    expect(c.changedFiles).toEqual(["b.txt", "c.txt"]);
    expect(c.beforeSha).toBe(git(dir, "rev-parse", "HEAD"));
  });
});

describe("pipelineUser", () => {
  it.each([
    ["Testersen", "test@test.com", "root", { login: "test", name: "Testersen", email: "test@test.com" }],
    ["", "ada@example.com\n", "root", { login: "ada", name: "ada", email: "ada@example.com" }],
    ["", "", "root", { login: "root", name: "root", email: "" }],
    ["Bo", "not-an-email", "bo", { login: "bo", name: "Bo", email: "not-an-email" }],
  ])("%j <%j> (os %s)", (name, email, os, expected) => {
    expect(pipelineUser(name, email, os)).toEqual(expected);
  });
});
