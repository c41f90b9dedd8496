import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runCli } from "./support/built-cli.js";
import { readReport } from "./support/report.js";
import { cleanup, gitRepo } from "./support/temp-repo.js";

// A manual job that may not fail blocks the pipeline on GitLab: `runfleet run` must not call that
// pipeline passed, and must say how to play it (`--manual JOB`, or naming it).

const dirs: string[] = [];
beforeAll(ensureBuilt, 180_000);
afterAll(async () => {
  for (const d of dirs) await cleanup(d);
});

function pipeline(rule: string): string {
  return `stages: [build, test]
a:
  stage: build
  script: [echo played a]
  rules:
    - ${rule}
b:
  stage: test
  script: [echo ran b]
`;
}

describe("runfleet run: blocking manual jobs", () => {
  it("plays a manual job with --manual and refuses a job that is not manual", async () => {
    const dir = await gitRepo({
      ".gitlab-ci.yml": `${pipeline("when: manual")}c:
  stage: test
  when: manual
  script: [echo played c]
`,
    });
    dirs.push(dir);
    const report = join(dir, ".runfleet", "report.json");
    const r = await runCli(["run", "--report", report, "--manual", "a"], { cwd: dir });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const written = await readReport(report);
    expect(Object.fromEntries(written.jobs.map((j) => [j.name, j.status]))).toEqual({
      a: "success",
      b: "success",
      c: "manual",
    });
    const refused = await runCli(["run", "--manual", "b"], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--manual b: the job is not manual in this pipeline");
    expect(refused.stderr).toContain("manual jobs: a, c");
  });

  it.each([
    { rule: "when: manual", args: [], code: 1, status: "failed", a: "manual", b: "created", blocked: true },
    {
      rule: "{ when: manual, allow_failure: true }",
      args: [],
      code: 0,
      status: "success",
      a: "manual",
      b: "success",
      blocked: false,
    },
    {
      rule: "when: manual",
      args: ["--manual", "a"],
      code: 0,
      status: "success",
      a: "success",
      b: "success",
      blocked: false,
    },
    {
      rule: "when: manual",
      args: ["a", "b"],
      code: 0,
      status: "success",
      a: "success",
      b: "success",
      blocked: false,
    },
  ])("$rule, named: $args → exit $code", async ({ rule, args, code, status, a, b, blocked }) => {
    const dir = await gitRepo({ ".gitlab-ci.yml": pipeline(rule) });
    dirs.push(dir);
    const report = join(dir, ".runfleet", "report.json");
    const r = await runCli(["run", "--report", report, ...args], { cwd: dir });
    expect(r.code, r.stderr + r.stdout).toBe(code);
    expect(existsSync(report)).toBe(true);
    const written = await readReport(report);
    expect(written.status).toBe(status);
    expect(Object.fromEntries(written.jobs.map((j) => [j.name, j.status]))).toEqual({ a, b });
    if (blocked) expect(r.stderr).toMatch(/Pipeline blocked: a is a manual job .* runfleet run --manual a$/m);
    else expect(r.stderr).not.toMatch(/Pipeline blocked/);
  });
});
