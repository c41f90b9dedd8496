import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runCli } from "./support/built-cli.js";
import { logOf, readReport } from "./support/report.js";
import { cleanup, gitIn, gitRepo, tempDir, writeFiles } from "./support/temp-repo.js";

// Which project and which files a run uses: the working tree with its uncommitted changes, a
// subdirectory of a repository, a plain directory; and how bad input is reported (exit 1 and 2).

const dirs: string[] = [];
beforeAll(ensureBuilt, 180_000);
afterAll(async () => {
  for (const d of dirs) await cleanup(d);
});

const LIST_JOB = `show:
  script:
    - ls -A | sort
    - cat tracked.txt
`;

describe("runfleet run: the project", () => {
  it("runs the work tree with uncommitted and untracked files, leaving HEAD, index and status untouched", async () => {
    const dir = await gitRepo({
      ".gitlab-ci.yml": LIST_JOB,
      "tracked.txt": "committed\n",
      "gone.txt": "x\n",
    });
    dirs.push(dir);
    await writeFile(join(dir, "tracked.txt"), "edited, not committed\n");
    await writeFile(join(dir, "staged.txt"), "staged\n");
    gitIn(dir, "add", "staged.txt");
    await writeFile(join(dir, "untracked.txt"), "untracked\n");
    await writeFile(join(dir, "ignored.log"), "ignored\n");
    await writeFile(join(dir, ".gitignore"), ".runfleet/\n*.log\n");
    gitIn(dir, "rm", "-q", "--cached", "gone.txt");
    await rm(join(dir, "gone.txt"));
    const head = gitIn(dir, "rev-parse", "HEAD");
    const index = await readFile(join(dir, ".git", "index"));
    const status = gitIn(dir, "status", "--porcelain");
    const branches = gitIn(dir, "for-each-ref", "refs/heads", "refs/tags");

    const out = await tempDir();
    dirs.push(out);
    const report = join(out, "report.json");
    const r = await runCli(["run", "--report", report], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const log = await logOf(await readReport(report), "show");
    expect(log).toContain("edited, not committed");
    expect(log).toMatch(/^untracked\.txt$/m);
    expect(log).toMatch(/^staged\.txt$/m);
    expect(log).not.toMatch(/^gone\.txt$/m);
    expect(log).not.toMatch(/^ignored\.log$/m);
    expect(log).not.toMatch(/^\.runfleet$/m);

    expect(gitIn(dir, "rev-parse", "HEAD")).toBe(head);
    expect(gitIn(dir, "symbolic-ref", "HEAD")).toBe("refs/heads/main");
    expect(await readFile(join(dir, ".git", "index"))).toEqual(index);
    expect(gitIn(dir, "status", "--porcelain")).toBe(status);
    expect(gitIn(dir, "for-each-ref", "refs/heads", "refs/tags")).toBe(branches);
    expect(gitIn(dir, "stash", "list")).toBe("");
  });

  it("treats a subdirectory as its repository: the root's config, the whole tree checked out", async () => {
    const dir = await gitRepo({
      ".gitlab-ci.yml": LIST_JOB,
      "tracked.txt": "root file\n",
      "sub/deep/x.txt": "x\n",
    });
    dirs.push(dir);
    const report = join(dir, "report.json");
    const r = await runCli(["run", "--report", report], { cwd: join(dir, "sub", "deep") });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await logOf(await readReport(report), "show")).toContain("root file");
    expect(existsSync(join(dir, ".runfleet", "logs"))).toBe(true);
    expect(existsSync(join(dir, "sub", "deep", ".runfleet"))).toBe(false);
  });

  it("uses a subdirectory's own config with --cwd, the repository still being the project", async () => {
    const dir = await gitRepo({
      "tracked.txt": "root file\n",
      "examples/demo/.gitlab-ci.yml": `demo:\n  script:\n    - test -f examples/demo/.gitlab-ci.yml\n    - echo "in $CI_PROJECT_DIR"\n`,
    });
    dirs.push(dir);
    const r = await runCli(["run", "--cwd", "examples/demo"], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^demo passed/m);
  });

  it("runs a directory outside git as the project, with a notice, never snapshotting .runfleet/", async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFiles(dir, { ".gitlab-ci.yml": LIST_JOB, "tracked.txt": "plain dir\n" });
    const report = join(dir, "report.json");
    const first = await runCli(["run", "--report", report], { cwd: dir });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(`${first.stdout}${first.stderr}`).toMatch(/not a git repository/i);
    await writeFile(join(dir, "tracked.txt"), "changed plain dir\n");
    const second = await runCli(["run", "--report", report], { cwd: dir });
    expect(second.code).toBe(0);
    const log = await logOf(await readReport(report), "show");
    expect(log).toContain("changed plain dir");
    expect(log).not.toMatch(/^\.runfleet$/m);
    expect(existsSync(join(dir, ".git"))).toBe(false);
  });
});

describe("runfleet run: exit codes", () => {
  it("exits 1 and prints file, line and column for an invalid config", async () => {
    const dir = await gitRepo({ ".gitlab-ci.yml": "job:\n  script: [echo]\n  when: sometimes\n" });
    dirs.push(dir);
    const r = await runCli(["run"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\.gitlab-ci\.yml:3:\d+/);
  });

  it("exits 1 when there is no config file", async () => {
    const dir = await gitRepo({ "README.md": "hi\n" });
    dirs.push(dir);
    const r = await runCli(["run"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(".gitlab-ci.yml");
  });

  it.each([
    [["--concurrency", "0"]],
    [["--no-such-flag"]],
    [["--var", "novalue"]],
    [["no-such-job"]],
  ])("exits 2 for the usage error %j", async (args) => {
    const dir = await gitRepo({ ".gitlab-ci.yml": "job:\n  script: [echo]\n" });
    dirs.push(dir);
    const r = await runCli(["run", ...args], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
  });

  it("prints help with the default concurrency and exits 0", async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await mkdir(join(dir, "x"));
    const r = await runCli(["run", "--help"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--concurrency N .*default: \d+ per CPU core, here \d+/);
    expect(r.stdout).toMatch(/--executor E +where jobs run: docker or shell \(default: automatic/);
    expect(r.stdout).toMatch(/--image I +with --executor docker: the image of jobs that have no image:/);
  });
});
