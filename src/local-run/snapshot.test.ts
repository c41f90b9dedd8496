import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findProject } from "./find-project.js";
import { newRunId } from "./run-id.js";
import { snapshotProject } from "./snapshot.js";

const sh = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "T",
      GIT_AUTHOR_EMAIL: "t@t",
      GIT_COMMITTER_NAME: "T",
      GIT_COMMITTER_EMAIL: "t@t",
    },
  }).trim();

const filesAt = (repo: string, gitDir: string, sha: string) =>
  sh(repo, "--git-dir", gitDir, "ls-tree", "-r", "--name-only", sha).split("\n").filter(Boolean).sort();

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "runfleet-snapshot-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function repoWithCommit(): Promise<string> {
  sh(dir, "init", "-q", "-b", "trunk");
  await writeFile(join(dir, "tracked.txt"), "v1\n");
  await writeFile(join(dir, ".gitignore"), "ignored.txt\n");
  sh(dir, "add", "-A");
  sh(dir, "commit", "-q", "-m", "first");
  return sh(dir, "rev-parse", "HEAD");
}

describe("snapshotProject in a git repository", () => {
  it("includes uncommitted, untracked and deleted files and leaves HEAD, index, branch and stash alone", async () => {
    const head = await repoWithCommit();
    await writeFile(join(dir, "tracked.txt"), "v2\n");
    await writeFile(join(dir, "staged.txt"), "staged\n");
    sh(dir, "add", "staged.txt");
    await writeFile(join(dir, "untracked.txt"), "new\n");
    await writeFile(join(dir, "ignored.txt"), "secret\n");
    sh(dir, "stash", "list");
    const indexBefore = await readFile(join(dir, ".git", "index"));
    const statusBefore = sh(dir, "status", "--porcelain");

    const project = await findProject(dir);
    const snap = await snapshotProject(project, newRunId());

    expect(snap.dirty).toBe(true);
    expect(snap.headSha).toBe(head);
    expect(snap.branch).toBe("trunk");
    expect(sh(dir, "rev-parse", `${snap.sha}^`)).toBe(head);
    expect(filesAt(dir, project.gitDir, snap.sha)).toEqual([
      ".gitignore",
      "staged.txt",
      "tracked.txt",
      "untracked.txt",
    ]);
    expect(sh(dir, "show", `${snap.sha}:tracked.txt`)).toBe("v2");
    expect(sh(dir, "rev-parse", snap.ref)).toBe(snap.sha);
    // The user's state is exactly as before.
    expect(sh(dir, "rev-parse", "HEAD")).toBe(head);
    expect(sh(dir, "symbolic-ref", "HEAD")).toBe("refs/heads/trunk");
    expect(await readFile(join(dir, ".git", "index"))).toEqual(indexBefore);
    expect(sh(dir, "status", "--porcelain")).toBe(statusBefore);
    expect(sh(dir, "stash", "list")).toBe("");
  });

  it.each([
    ["not ignored", ""],
    ["ignored by .gitignore", ".runfleet/\n"],
  ])("reuses HEAD when the work tree is clean, and never snapshots .runfleet/ (%s)", async (_, ignore) => {
    await repoWithCommit();
    await writeFile(join(dir, ".gitignore"), `ignored.txt\n${ignore}`);
    sh(dir, "commit", "-q", "--allow-empty", "-am", "ignore");
    const head = sh(dir, "rev-parse", "HEAD");
    await mkdir(join(dir, ".runfleet", "logs"), { recursive: true });
    await writeFile(join(dir, ".runfleet", "logs", "x.log"), "log\n");
    const snap = await snapshotProject(await findProject(dir), newRunId());
    expect(snap).toMatchObject({ sha: head, dirty: false });
  });

  it("treats a subdirectory as the repository it belongs to", async () => {
    await repoWithCommit();
    await mkdir(join(dir, "sub", "deeper"), { recursive: true });
    await writeFile(join(dir, "sub", "deeper", "f.txt"), "f\n");
    const project = await findProject(join(dir, "sub", "deeper"));
    expect(project).toMatchObject({ kind: "git", root: dir, stateDir: join(dir, ".runfleet") });
    const snap = await snapshotProject(project, newRunId());
    expect(filesAt(dir, project.gitDir, snap.sha)).toContain("sub/deeper/f.txt");
  });

  it("snapshots a repository without any commit", async () => {
    sh(dir, "init", "-q");
    await writeFile(join(dir, "a.txt"), "a\n");
    const project = await findProject(dir);
    const snap = await snapshotProject(project, newRunId());
    expect(snap.headSha).toBeNull();
    expect(filesAt(dir, project.gitDir, snap.sha)).toEqual(["a.txt"]);
  });

  it("keeps only the newest snapshot refs", async () => {
    await repoWithCommit();
    const project = await findProject(dir);
    for (let i = 0; i < 23; i++) await snapshotProject(project, newRunId(1_700_000_000_000 + i));
    const refs = sh(dir, "for-each-ref", "--format=%(refname)", "refs/runfleet/runs/").split("\n");
    expect(refs).toHaveLength(20);
    expect(refs[0]).toContain((1_700_000_000_003).toString(36));
  });
});

describe("snapshotProject outside git", () => {
  it("snapshots the directory into .runfleet/repo.git, excluding .runfleet/ itself", async () => {
    await writeFile(join(dir, "a.txt"), "a\n");
    await mkdir(join(dir, "src"));
    await writeFile(join(dir, "src", "b.txt"), "b\n");
    const project = await findProject(dir);
    expect(project).toMatchObject({
      kind: "directory",
      root: dir,
      gitDir: join(dir, ".runfleet", "repo.git"),
    });
    const first = await snapshotProject(project, newRunId());
    expect(first).toMatchObject({ branch: null, headSha: null, dirty: true });
    expect(filesAt(dir, project.gitDir, first.sha)).toEqual(["a.txt", "src/b.txt"]);
    await writeFile(join(dir, "a.txt"), "changed\n");
    const second = await snapshotProject(project, newRunId());
    expect(sh(dir, "--git-dir", project.gitDir, "show", `${second.sha}:a.txt`)).toBe("changed");
    expect(await stat(join(dir, ".git")).catch(() => null)).toBeNull();
  });

  it("rejects a path that is not a directory", async () => {
    await expect(findProject(join(dir, "missing"))).rejects.toMatchObject({ code: "USAGE" });
  });
});
