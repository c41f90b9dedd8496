import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SourcesSpec, sourcesSpec } from "../../jobscript/index.js";
import type { StageIo } from "../types.js";
import { CleanCheckout } from "./clean-checkout.js";
import { getSources } from "./git-sources.js";
import { SlotLauncher } from "./slot-launcher.js";

const root = mkdtempSync(join(tmpdir(), "git-sources-"));
const origin = join(root, "origin");
const work = join(root, "slot", "group", "project");
const env = { ...process.env, GIT_TERMINAL_PROMPT: "0" };
const launcher = new SlotLauncher("bash", env);
const launch = launcher.run.bind(launcher);
let first = "";
let second = "";

function g(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@t",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@t",
    },
  }).trim();
}

function spec(sha: string, vars: Record<string, string> = {}, url = origin): SourcesSpec {
  return sourcesSpec({
    git: {
      repo_url: url,
      ref: "main",
      sha,
      before_sha: "",
      ref_type: "branch",
      refspecs: ["+refs/heads/*:refs/remotes/origin/*"],
      depth: 0,
    },
    allowGitFetch: true,
    lookup: (n) => vars[n],
  });
}

function io(): { io: StageIo; output: () => string } {
  const chunks: Uint8Array[] = [];
  return {
    io: { sink: (c) => chunks.push(c), signal: new AbortController().signal, deadline: Date.now() + 30_000 },
    output: () => Buffer.concat(chunks).toString(),
  };
}

beforeAll(() => {
  execFileSync("git", ["init", "-q", "-b", "main", origin]);
  writeFileSync(join(origin, "a.txt"), "one\n");
  writeFileSync(join(origin, ".gitignore"), "ignored/\n");
  g(origin, "add", ".");
  g(origin, "commit", "-qm", "first");
  first = g(origin, "rev-parse", "HEAD");
  writeFileSync(join(origin, "a.txt"), "two\n");
  g(origin, "commit", "-qam", "second");
  second = g(origin, "rev-parse", "HEAD");
});
afterAll(() => {
  launcher.close();
  rmSync(root, { recursive: true, force: true });
});

describe("shell get_sources", () => {
  it("fetches on first use and checks out the job's sha", async () => {
    const { io: stageIo, output } = io();
    expect(await getSources({ projectDir: work, launch }, spec(first), stageIo)).toEqual({
      kind: "exited",
      exitCode: 0,
    });
    expect(readFileSync(join(work, "a.txt"), "utf8")).toBe("one\n");
    expect(output()).toContain("Fetching changes");
    expect(output()).toContain(`Checking out ${first.slice(0, 8)}`);
  });

  it("reuses the slot's repository without network and leaves a clean tree", async () => {
    writeFileSync(join(work, "a.txt"), "dirty\n");
    writeFileSync(join(work, "untracked.txt"), "x");
    execFileSync("mkdir", ["-p", join(work, "ignored")]);
    writeFileSync(join(work, "ignored", "f"), "x");
    const { io: stageIo, output } = io();
    // An unreachable URL proves that no fetch happens for a sha the slot already has.
    const outcome = await getSources(
      { projectDir: work, launch },
      spec(second, {}, join(root, "nowhere")),
      stageIo,
    );
    expect(outcome).toEqual({ kind: "exited", exitCode: 0 });
    expect(output()).not.toContain("Fetching changes");
    expect(readFileSync(join(work, "a.txt"), "utf8")).toBe("two\n");
    expect(existsSync(join(work, "untracked.txt"))).toBe(false);
    expect(existsSync(join(work, "ignored"))).toBe(false);
  });

  it("fetches again when the sha is new", async () => {
    writeFileSync(join(origin, "b.txt"), "b\n");
    g(origin, "add", ".");
    g(origin, "commit", "-qm", "third");
    const third = g(origin, "rev-parse", "HEAD");
    const { io: stageIo, output } = io();
    expect(await getSources({ projectDir: work, launch }, spec(third), stageIo)).toEqual({
      kind: "exited",
      exitCode: 0,
    });
    expect(output()).toContain("Fetching changes");
    expect(readFileSync(join(work, "b.txt"), "utf8")).toBe("b\n");
  });

  it("GIT_CLEAN_FLAGS=none keeps untracked files", async () => {
    writeFileSync(join(work, "keep.txt"), "x");
    const { io: stageIo } = io();
    await getSources({ projectDir: work, launch }, spec(first, { GIT_CLEAN_FLAGS: "none" }), stageIo);
    expect(existsSync(join(work, "keep.txt"))).toBe(true);
  });

  it("clone starts from an empty directory", async () => {
    const { io: stageIo, output } = io();
    expect(
      await getSources({ projectDir: work, launch }, spec(first, { GIT_STRATEGY: "clone" }), stageIo),
    ).toEqual({ kind: "exited", exitCode: 0 });
    expect(existsSync(join(work, "keep.txt"))).toBe(false);
    expect(output()).toContain("Initialized empty Git repository");
  });

  it("none creates the directory and does no git work", async () => {
    const dir = join(root, "none-project");
    const { io: stageIo } = io();
    expect(
      await getSources({ projectDir: dir, launch }, spec(first, { GIT_STRATEGY: "none" }), stageIo),
    ).toEqual({ kind: "exited", exitCode: 0 });
    expect(existsSync(join(dir, ".git"))).toBe(false);
    expect(existsSync(dir)).toBe(true);
  });

  it("a missing repository fails the stage with git's message", async () => {
    const { io: stageIo, output } = io();
    const outcome = await getSources(
      { projectDir: join(root, "other"), launch },
      spec(first, {}, join(root, "nowhere")),
      stageIo,
    );
    expect(outcome.kind === "exited" && outcome.exitCode !== 0).toBe(true);
    expect(output()).toMatch(/nowhere/);
  });

  it("a slot's next job of the same commit skips git while the tree is untouched, not once touched", async () => {
    const dir = join(root, "stamped");
    const cleanCheckout = new CleanCheckout();
    let launched = 0;
    const counting: typeof launch = (s, i) => {
      launched++;
      return launch(s, i);
    };
    const run = { projectDir: dir, launch: counting, cleanCheckout };
    await getSources(run, spec(second), io().io);
    expect(launched).toBeGreaterThan(0);

    launched = 0;
    const again = io();
    expect(await getSources(run, spec(second), again.io)).toEqual({ kind: "exited", exitCode: 0 });
    expect(launched).toBe(0);
    expect(again.output()).toContain(`Checking out ${second.slice(0, 8)} as detached HEAD`);
    expect(g(dir, "status", "--porcelain", "--ignored")).toBe("");

    // The job dirties the tree: the next job gets git's checkout and clean again.
    writeFileSync(join(dir, "a.txt"), "dirty\n");
    execFileSync("mkdir", ["-p", join(dir, "ignored")]);
    writeFileSync(join(dir, "ignored", "f"), "x");
    expect(await getSources(run, spec(second), io().io)).toEqual({ kind: "exited", exitCode: 0 });
    expect(launched).toBeGreaterThan(0);
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("two\n");
    expect(existsSync(join(dir, "ignored"))).toBe(false);

    // A job of another commit is never served by the stamp.
    launched = 0;
    expect(await getSources(run, spec(first), io().io)).toEqual({ kind: "exited", exitCode: 0 });
    expect(launched).toBeGreaterThan(0);
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("one\n");
  });

  it("a shallow fetch honours GIT_DEPTH", async () => {
    const dir = join(root, "shallow");
    const { io: stageIo } = io();
    const url = `file://${origin}`;
    await getSources(
      { projectDir: dir, launch },
      spec(g(origin, "rev-parse", "HEAD"), { GIT_DEPTH: "1" }, url),
      stageIo,
    );
    expect(g(dir, "rev-list", "--count", "HEAD")).toBe("1");
  });
});
