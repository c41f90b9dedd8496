import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runCli } from "./support/built-cli.js";
import { jobIn, logOf, readReport } from "./support/report.js";
import { cleanup, gitRepo } from "./support/temp-repo.js";

// Real runs of `runfleet run` in temporary git repositories: coordinator, runner and shell executor
// wired together by the built CLI, checked through exit codes, the JSON report and the job logs.

const dirs: string[] = [];
async function repo(files: Record<string, string>): Promise<string> {
  const dir = await gitRepo(files);
  dirs.push(dir);
  return dir;
}
async function run(dir: string, ...args: string[]) {
  const report = join(dir, ".runfleet", "report.json");
  const result = await runCli(["run", "--report", report, ...args], { cwd: dir });
  return { ...result, report: existsSync(report) ? await readReport(report) : null };
}

beforeAll(ensureBuilt, 180_000);
afterAll(async () => {
  for (const d of dirs) await cleanup(d);
});

describe("runfleet run: pipelines", () => {
  it("passes a two-stage pipeline, exits 0 and writes plain logs and the report", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": `stages: [build, test]
build:
  stage: build
  script:
    - echo "building $CI_JOB_NAME"
test:
  stage: test
  script:
    - echo "testing on $CI_COMMIT_REF_NAME"
`,
    });
    const r = await run(dir);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.report?.status).toBe("success");
    expect(r.report?.jobs.map((j) => [j.name, j.stage, j.status, j.exitCode])).toEqual([
      ["build", "build", "success", 0],
      ["test", "test", "success", 0],
    ]);
    const report = r.report;
    if (report === null) throw new Error("no report");
    for (const job of report.jobs) expect(job.durationMs).toBeGreaterThan(0);
    const log = await logOf(report, "build");
    expect(log).toContain("building build");
    expect(log).not.toContain("\x1b");
    expect(log).not.toMatch(/section_(start|end):/);
    expect(await logOf(report, "test")).toContain("testing on main");
    expect(jobIn(report, "build").log).toMatch(/\.runfleet\/logs\/\d+\/build\.log$/);
    // Non-TTY: one line per event, output lines prefixed with the job name, and a summary.
    expect(r.stdout).toMatch(/^build started$/m);
    expect(r.stdout).toMatch(/^build passed \([\d.]+m?s\)$/m);
    expect(r.stdout).toMatch(/^build > building build$/m);
    expect(r.stdout).toMatch(/^Pipeline passed in .*: 2 passed, 0 failed, 0 skipped, 0 manual$/m);
  });

  it("fails with exit 1 and the job's exit code when a script fails; later stages are skipped", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": `stages: [build, test]
build:
  stage: build
  script:
    - echo before
    - exit 3
    - echo never
test:
  stage: test
  script: [echo test]
`,
    });
    const r = await run(dir);
    expect(r.code, r.stderr + r.stdout).toBe(1);
    expect(r.report?.status).toBe("failed");
    const report = r.report;
    if (report === null) throw new Error("no report");
    expect(jobIn(report, "build")).toMatchObject({ status: "failed", exitCode: 3 });
    expect(jobIn(report, "test")).toMatchObject({ status: "skipped", log: null });
    expect(await logOf(report, "build")).not.toContain("never");
    expect(r.stdout).toMatch(/^build failed \(exit 3\)$/m);
  });

  it("starts needs jobs out of stage order and skips stage-gated ones after a failure", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": `stages: [one, two]
broken:
  stage: one
  script: [exit 1]
independent:
  stage: two
  needs: []
  script: [echo free]
gated:
  stage: two
  script: [echo gated]
`,
    });
    const r = await run(dir, "--quiet");
    expect(r.code).toBe(1);
    const report = r.report;
    if (report === null) throw new Error("no report");
    expect(jobIn(report, "independent").status).toBe("success");
    expect(jobIn(report, "gated").status).toBe("skipped");
    expect(r.stdout).not.toContain(" > free");
  });

  it("passes artifacts and dotenv variables to later jobs, and only to those that depend on them", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": `stages: [build, test]
build:
  stage: build
  script:
    - mkdir -p out && echo "artifact-content" > out/result.txt
    - echo "VERSION=1.2.3" > build.env
  artifacts:
    paths: [out/]
    reports:
      dotenv: build.env
test:
  stage: test
  needs: [build]
  script:
    - cat out/result.txt
    - echo "version=$VERSION"
isolated:
  stage: test
  needs: []
  script:
    - test ! -e out/result.txt && echo "clean checkout"
`,
    });
    const r = await run(dir);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = r.report;
    if (report === null) throw new Error("no report");
    const test = await logOf(report, "test");
    expect(test).toContain("artifact-content");
    expect(test).toContain("version=1.2.3");
    expect(await logOf(report, "isolated")).toContain("clean checkout");
  });

  it("keeps a cache between runs", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": `job:
  cache:
    key: deps
    paths: [vendor/]
  script:
    - if [ -f vendor/lib.txt ]; then echo "cache hit"; else echo "cache miss"; mkdir -p vendor; echo x > vendor/lib.txt; fi
`,
    });
    const first = await run(dir, "--quiet");
    expect(first.code).toBe(0);
    if (first.report === null) throw new Error("no report");
    expect(await logOf(first.report, "job")).toContain("cache miss");
    const second = await run(dir, "--quiet");
    expect(second.code).toBe(0);
    if (second.report === null) throw new Error("no report");
    expect(await logOf(second.report, "job")).toContain("cache hit");
  });

  it("passes with allow_failure and counts the job apart", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": `flaky:
  allow_failure: true
  script: [exit 2]
coded:
  allow_failure:
    exit_codes: [4]
  script: [exit 4]
fine:
  script: [echo ok]
`,
    });
    const r = await run(dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.report?.status).toBe("success");
    const report = r.report;
    if (report === null) throw new Error("no report");
    expect(jobIn(report, "flaky")).toMatchObject({ status: "failed", exitCode: 2 });
    expect(jobIn(report, "coded")).toMatchObject({ status: "failed", exitCode: 4 });
    expect(r.stdout).toMatch(/^flaky failed \(exit 2\), allowed to fail$/m);
    expect(r.stdout).toMatch(/1 passed, 0 failed, 2 failed \(allowed\)/);
  });

  it("fails when allow_failure:exit_codes does not match (GitLab's rule)", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": `coded:
  allow_failure:
    exit_codes: [4]
  script: [exit 5]
`,
    });
    const r = await run(dir, "--quiet");
    expect(r.code).toBe(1);
    expect(r.report?.jobs[0]).toMatchObject({ status: "failed", exitCode: 5 });
  });

  it("retries a failing job per retry: and keeps each attempt's log", async () => {
    const marker = join(await repo({}), "attempts");
    const dir = await repo({
      ".gitlab-ci.yml": `flaky:
  retry: 2
  script:
    - echo attempt >> "${marker}"
    - test "$(wc -l < "${marker}")" -ge 2
`,
    });
    const r = await run(dir);
    expect(r.code, r.stdout).toBe(0);
    const report = r.report;
    if (report === null) throw new Error("no report");
    expect(report.jobs).toHaveLength(1);
    expect(jobIn(report, "flaky").status).toBe("success");
    expect(r.stdout).toMatch(/^flaky failed \(exit 1\), retrying$/m);
    const logDir = join(jobIn(report, "flaky").log ?? "", "..");
    expect((await readdir(logDir)).sort()).toEqual(["flaky.attempt-1.log", "flaky.log"]);
  });

  it("fails a job past its timeout with job_execution_timeout", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": `slow:
  timeout: 3 seconds
  script: [sleep 60]
`,
    });
    const started = Date.now();
    const r = await run(dir);
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.report?.jobs[0]).toMatchObject({ status: "failed" });
    expect(r.stdout).toMatch(/^slow failed \(job_execution_timeout/m);
  });

  it("leaves manual jobs alone unless named, and runs named jobs with their needs", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": `stages: [build, deploy]
build:
  stage: build
  script: [echo built]
lint:
  stage: build
  script: [echo lint]
deploy:
  stage: deploy
  needs: [build]
  when: manual
  script: [echo deployed]
`,
    });
    const all = await run(dir);
    expect(all.code, all.stdout).toBe(0);
    if (all.report === null) throw new Error("no report");
    expect(jobIn(all.report, "deploy")).toMatchObject({ status: "manual", log: null });
    expect(all.stdout).toMatch(/2 passed, 0 failed, 0 skipped, 1 manual/);

    const named = await run(dir, "deploy");
    expect(named.code, named.stdout).toBe(0);
    if (named.report === null) throw new Error("no report");
    expect(named.report.jobs.map((j) => [j.name, j.status])).toEqual([
      ["build", "success"],
      ["deploy", "success"],
    ]);
    expect(await logOf(named.report, "deploy")).toContain("deployed");
  });

  it("names the ignored image once and runs the job on the shell executor", async () => {
    const dir = await repo({
      ".gitlab-ci.yml": `a:
  image: alpine:3.20
  script: [echo a]
b:
  image: alpine:3.20
  script: [echo b]
`,
    });
    const r = await run(dir, "--quiet");
    expect(r.code).toBe(0);
    const notices = `${r.stdout}${r.stderr}`.split("\n").filter((l) => l.includes("alpine:3.20"));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toBe(
      'notice: --executor shell runs every job on this machine, so this image is ignored: "alpine:3.20" (a, b)',
    );
  });
});
