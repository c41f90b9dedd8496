import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { submittedJob } from "./testing/job-fixtures.js";
import { ProtocolClient } from "./testing/protocol-client.js";
import { startTestCoordinator, type TestSetup } from "./testing/test-coordinator.js";

const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "true" };

/** Async: the coordinator answers from this same process, so a blocking spawn would deadlock. */
function git(cwd: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd, env: gitEnv, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
      resolve({ status: code, stdout, stderr });
    });
  });
}

describe("repository over git smart HTTP", () => {
  let t: TestSetup;
  let client: ProtocolClient;

  beforeEach(async () => {
    t = await startTestCoordinator();
    client = new ProtocolClient(t.coordinator.url, t.runnerToken);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("lets a running job fetch its pipeline's commit with the real git client, read-only", async () => {
    const pid = await t.submit({ stages: ["test"], variables: [], jobs: [submittedJob("unit")] });
    const job = await client.nextJob();
    await client.update(job.id, job.token, { state: "running" });
    const work = join(t.dir, "build");
    execFileSync("git", ["init", "-q", work]);
    expect((await git(work, "remote", "add", "origin", job.git_info.repo_url)).status).toBe(0);
    const fetched = await git(
      work,
      "fetch",
      "-q",
      `--depth=${job.git_info.depth}`,
      "origin",
      ...job.git_info.refspecs,
    );
    expect(fetched.stderr).toBe("");
    expect(fetched.status).toBe(0);
    expect((await git(work, "rev-parse", `refs/pipelines/${pid}`)).stdout.trim()).toBe(t.sha);
    expect((await git(work, "rev-parse", "refs/remotes/origin/main")).stdout.trim()).toBe(t.sha);
    expect((await git(work, "checkout", "-q", t.sha)).status).toBe(0);
    expect((await git(work, "show", "HEAD:README.md")).stdout).toBe("hello\n");
    const push = await git(work, "push", "origin", `${t.sha}:refs/heads/evil`);
    expect(push.status).not.toBe(0);
    expect(push.stderr).toMatch(/403/);
  });

  it("refuses wrong tokens and tokens of finished jobs", async () => {
    await t.submit({ stages: ["test"], variables: [], jobs: [submittedJob("unit")] });
    const job = await client.nextJob();
    const url = new URL(job.git_info.repo_url);
    url.password = "glcbt-wrong";
    const wrong = await git(t.dir, "ls-remote", url.toString());
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/403/);
    await client.runJob(job);
    const done = await git(t.dir, "ls-remote", job.git_info.repo_url);
    expect(done.status).not.toBe(0);
    expect(done.stderr).toMatch(/403/);
  });
});
