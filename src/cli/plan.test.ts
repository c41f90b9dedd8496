import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunfleetError } from "../errors/index.js";
import { parsePlanOptions, projectPathFrom } from "./plan.js";

const MAIN = join(import.meta.dirname, "main.ts");
const TSX = join(import.meta.dirname, "..", "..", "node_modules", ".bin", "tsx");

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runfleet(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(TSX, [MAIN, ...args], { cwd }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

function git(cwd: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd }, (error) => (error === null ? resolve() : reject(error)));
  });
}

describe("parsePlanOptions", () => {
  it("reads every flag", () => {
    expect(
      parsePlanOptions([
        "--file",
        "ci.yml",
        "--tag",
        "v1",
        "--source",
        "web",
        "--var",
        "A=1",
        "--var",
        "B=x=y",
        "--changed-file",
        "a.txt",
        "--changed-file",
        "b/c.txt",
        "--component-dir",
        "vendor",
        "--json",
      ]),
    ).toEqual({
      file: "ci.yml",
      ref: undefined,
      tag: "v1",
      source: "web",
      variables: { A: "1", B: "x=y" },
      changedFiles: ["a.txt", "b/c.txt"],
      componentDir: "vendor",
      json: true,
      help: false,
    });
  });

  it.each([
    [["--bogus"], "Unknown option"],
    [["--file"], "argument missing"],
    [["--source", "cron"], "--source must be one of"],
    [["--var", "NOEQUALS"], "KEY=VALUE"],
    [["--var", "1BAD=x"], "not a valid variable name"],
    [["--ref", "a", "--tag", "b"], "cannot be used together"],
    [["extra"], "unexpected argument"],
  ])("rejects %j as a usage error", (args, message) => {
    let error: unknown;
    try {
      parsePlanOptions(args);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RunfleetError);
    expect((error as RunfleetError).code).toBe("USAGE");
    expect((error as RunfleetError).message).toContain(message);
  });
});

describe.each([
  ["git@gitlab.com:group/sub/project.git", "group/sub/project"],
  ["https://gitlab.example.com/group/project.git", "group/project"],
  ["ssh://git@host:2222/group/project", "group/project"],
  [undefined, undefined],
])("projectPathFrom(%j)", (url, expected) => {
  it(`is ${expected}`, () => expect(projectPathFrom(url)).toBe(expected));
});

describe("runfleet plan (the command)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "runfleet-plan-"));
    writeFileSync(
      join(dir, ".gitlab-ci.yml"),
      [
        "build:",
        "  stage: build",
        "  image: alpine",
        "  tags: [linux]",
        "  script: echo",
        "feature-only:",
        "  rules:",
        "    - if: $CI_COMMIT_BRANCH =~ /^feature\\//",
        "  script: echo",
        "release:",
        "  stage: deploy",
        "  rules:",
        "    - if: $CI_COMMIT_TAG",
        "      when: manual",
        "  script: echo",
        "flagged:",
        "  rules:",
        "    - if: $FLAG == 'on'",
        "  script: echo",
        "",
      ].join("\n"),
    );
    writeFileSync(join(dir, "broken.yml"), "build:\n  scrpt: echo\n");
    await git(dir, "init", "-q", "-b", "feature/x");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("defaults --ref to the checked-out branch and prints only JSON on stdout", async () => {
    const run = await runfleet(["plan", "--json"], dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      stages: ["build", "test"],
      jobs: [
        {
          name: "build",
          stage: "build",
          needs: null,
          when: "on_success",
          allowFailure: false,
          image: "alpine",
          tags: ["linux"],
          variables: {},
        },
        {
          name: "feature-only",
          stage: "test",
          needs: null,
          when: "on_success",
          allowFailure: false,
          image: null,
          tags: [],
          variables: {},
        },
      ],
    });
  });

  it("plans a tag pipeline with --tag and pipeline variables with --var", async () => {
    const run = await runfleet(["plan", "--json", "--tag", "v1.0.0", "--var", "FLAG=on"], dir);
    expect(run.code).toBe(0);
    const names = (JSON.parse(run.stdout) as { jobs: { name: string; when: string }[] }).jobs.map((j) => [
      j.name,
      j.when,
    ]);
    expect(names).toEqual([
      ["build", "on_success"],
      ["flagged", "on_success"],
      ["release", "manual"],
    ]);
  });

  it("lets rules see project variables from --variables-file, below --var", async () => {
    writeFileSync(join(dir, "vars.yml"), "FLAG: on\n");
    const names = (out: string) => (JSON.parse(out) as { jobs: { name: string }[] }).jobs.map((j) => j.name);
    const withFile = await runfleet(["plan", "--json", "--variables-file", "vars.yml"], dir);
    expect(withFile.code, withFile.stderr).toBe(0);
    expect(names(withFile.stdout)).toContain("flagged");
    const overridden = await runfleet(
      ["plan", "--json", "--variables-file", "vars.yml", "--var", "FLAG=off"],
      dir,
    );
    expect(names(overridden.stdout)).not.toContain("flagged");
    const bad = await runfleet(["plan", "--variables-file", "missing.yml"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("cannot read the variables file missing.yml");
  });

  it("prints a readable plan", async () => {
    const run = await runfleet(["plan", "--ref", "main"], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("stage build");
    expect(run.stdout).toContain("image: alpine | tags: linux");
    expect(run.stdout).toContain("not in this pipeline: feature-only (no rule matched)");
    expect(run.stdout).not.toContain("    feature-only");
  });

  it.each([
    [["plan", "--file", "broken.yml"], 1, "scrpt"],
    [["plan", "--file", "missing.yml"], 1, "missing.yml"],
    [["plan", "--nope"], 2, "Unknown option"],
    [["plan", "--source", "cron"], 2, "--source"],
  ])("%j exits %d", async (args, code, message) => {
    const run = await runfleet(args, dir);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(message);
  });
});

describe("runfleet plan: rules:changes from git", () => {
  let dir: string;
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const commit = async (message: string): Promise<void> => {
    await git(dir, "add", "-A");
    await git(dir, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", message);
  };
  const jobs = async (...args: string[]): Promise<string[]> => {
    const run = await runfleet(["plan", "--json", ...args], dir);
    expect(run.stderr).toBe("");
    return (JSON.parse(run.stdout) as { jobs: { name: string }[] }).jobs.map((j) => j.name);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "runfleet-plan-changes-"));
    write(
      ".gitlab-ci.yml",
      [
        "always:",
        "  script: echo",
        "docs:",
        "  rules:",
        "    - changes: [docs/**/*]",
        "  script: echo",
        "app:",
        "  rules:",
        "    - changes: [src/**/*]",
        "  script: echo",
        "legacy:",
        "  only:",
        "    changes: [src/**/*]",
        "  script: echo",
        "since-base:",
        "  rules:",
        "    - changes:",
        "        paths: [docs/**/*]",
        "        compare_to: base",
        "  script: echo",
        "",
      ].join("\n"),
    );
    write("docs/index.md", "one\n");
    write("src/main.ts", "one\n");
    await git(dir, "init", "-q", "-b", "main");
    await commit("first");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("counts every change as true for a first commit (no parent), as GitLab does for a new branch", async () => {
    expect(await jobs()).toEqual(["always", "docs", "app", "legacy", "since-base"]);
  });

  it("diffs the checked-out commit against its parent, and compare_to against the merge base", async () => {
    await git(dir, "branch", "base");
    write("docs/index.md", "two\n");
    await commit("docs");
    write("src/main.ts", "two\n");
    await commit("src");
    // HEAD changed src/ only; since `base`, docs/ changed too.
    expect(await jobs()).toEqual(["always", "app", "legacy", "since-base"]);
    await git(dir, "mv", "src/main.ts", "docs/main.ts");
    await commit("move");
    // A rename changes both its paths.
    expect(await jobs()).toEqual(["always", "docs", "app", "legacy", "since-base"]);
    await git(
      dir,
      "-c",
      "user.name=T",
      "-c",
      "user.email=t@example.com",
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      "empty",
    );
    expect(await jobs()).toEqual(["always", "since-base"]);
  });

  it("takes --changed-file instead of the diff, for compare_to too", async () => {
    expect(await jobs("--changed-file", "docs/a.md")).toEqual(["always", "docs", "since-base"]);
    expect(await jobs("--changed-file", "./src/x.ts", "--changed-file", "README.md")).toEqual([
      "always",
      "app",
      "legacy",
    ]);
  });

  it("diffs a merge request against the merge base with its target branch", async () => {
    await git(dir, "checkout", "-q", "-b", "feature", "base");
    write("src/feature.ts", "x\n");
    await commit("feature");
    write("notes.txt", "x\n");
    await commit("notes");
    expect(await jobs()).toEqual(["always"]);
    // Jobs without rules are not in merge request pipelines; `only: changes` sets no refs.
    expect(await jobs("--source", "merge_request_event")).toEqual(["app", "legacy"]);
  });

  it("ignores the diff where GitLab has none (a tag pipeline)", async () => {
    expect(await jobs("--tag", "v1")).toEqual(["always", "docs", "app", "legacy", "since-base"]);
  });
});

describe("runfleet plan --component-dir", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "runfleet-plan-component-"));
    writeFileSync(
      join(dir, ".gitlab-ci.yml"),
      "include:\n  - component: gitlab.example.com/ci/lint/check@1.0\n",
    );
    mkdirSync(join(dir, "vendor", "ci", "lint", "templates"), { recursive: true });
    writeFileSync(join(dir, "vendor", "ci", "lint", "templates", "check.yml"), "check:\n  script: [lint]\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves component includes from the directory", async () => {
    const missing = await runfleet(["plan", "--json"], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      "include `component: gitlab.example.com/ci/lint/check@1.0` cannot be fetched",
    );
    const served = await runfleet(["plan", "--json", "--component-dir", "vendor"], dir);
    expect(served.code).toBe(0);
    expect((JSON.parse(served.stdout) as { jobs: { name: string }[] }).jobs.map((j) => j.name)).toEqual([
      "check",
    ]);
  });
});
