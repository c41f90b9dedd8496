import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMPTY_SPEC, submittedJob } from "../coordinator/testing/job-fixtures.js";
import { startTestCoordinator, type TestSetup } from "../coordinator/testing/test-coordinator.js";
import { parseRunnerOptions } from "./runner.js";

describe("parseRunnerOptions", () => {
  it.each([
    [[], { RUNFLEET_CONFIG: "/e/c.toml" }, "/e/c.toml"],
    [["--config", "/f/c.toml"], { RUNFLEET_CONFIG: "/e/c.toml" }, "/f/c.toml"],
  ])("%j with %j → %s", (args, env, path) => {
    expect(parseRunnerOptions(args, env)).toEqual({ config: path });
  });
});

describe("runfleet runner as a process", () => {
  let t: TestSetup;
  let dir: string;
  let config: string;
  let entry: string;
  beforeAll(async () => {
    t = await startTestCoordinator({
      longPollMs: 1000,
      traceUpdateIntervalSeconds: 1,
      heartbeatTimeoutMs: 6000,
    });
    dir = mkdtempSync(join(tmpdir(), "runner-cli-"));
    config = join(dir, "config.toml");
    writeFileSync(
      config,
      `concurrent = 2\ncheck_interval = 1\nlog_level = "error"\n\n[[runners]]\nname = "cli"\nurl = "${t.coordinator.url}"\ntoken = "${t.runnerToken}"\nexecutor = "shell"\nbuilds_dir = "${join(dir, "builds")}"\n`,
    );
    entry = join(dir, "entry.mts");
    writeFileSync(
      entry,
      `import { runnerCommand } from ${JSON.stringify(resolve("src/cli/runner.ts"))};\nprocess.exitCode = await runnerCommand.run(["--config", ${JSON.stringify(config)}]);\n`,
    );
  });
  afterAll(async () => {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  function startRunner(): { child: ChildProcess; exited: Promise<number | null> } {
    const child = spawn(process.execPath, ["--import", "tsx", entry], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    return { child, exited };
  }

  async function submit(script: string[]): Promise<number> {
    return t.submit({
      stages: ["test"],
      variables: [],
      jobs: [submittedJob("job", { spec: { ...EMPTY_SPEC, script } })],
    });
  }

  async function waitFor(
    pipelineId: number,
    statuses: string[],
  ): Promise<{ status: string; failureReason: string | null; id: number }> {
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const [job] = await t.coordinator.listJobs(pipelineId);
      if (job && statuses.includes(job.status))
        return { status: job.status, failureReason: job.failureReason, id: job.id };
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job never reached ${statuses.join("/")}`);
  }

  it("SIGQUIT lets the running job finish, takes no new one, then exits 0", async () => {
    const { child, exited } = startRunner();
    const first = await submit(["sleep 1.5", "echo finished"]);
    await waitFor(first, ["running"]);
    child.kill("SIGQUIT");
    await new Promise((r) => setTimeout(r, 200));
    const second = await submit(["echo should-not-run"]);
    expect(await exited).toBe(0);
    expect((await waitFor(first, ["success", "failed"])).status).toBe("success");
    expect((await t.coordinator.listJobs(second))[0]?.status).toBe("pending");
    await t.coordinator.cancelPipeline(second);
  });

  it("a runner killed mid-job leaves no job running: the coordinator fails it once heartbeats stop", async () => {
    const { child, exited } = startRunner();
    const pipeline = await submit(["echo started", "sleep 30"]);
    await waitFor(pipeline, ["running"]);
    child.kill("SIGKILL");
    await exited;
    const job = await waitFor(pipeline, ["failed", "pending", "success", "canceled"]);
    expect(job.status).toBe("failed");
    expect(job.failureReason).toMatch(/runner_system_failure|stuck_or_timeout_failure/);
  });

  it("SIGTERM during a drain escalates to aborting the running job", async () => {
    const { child, exited } = startRunner();
    const pipeline = await submit(["sleep 60"]);
    await waitFor(pipeline, ["running"]);
    child.kill("SIGQUIT");
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(await waitFor(pipeline, ["failed", "success", "canceled"])).toMatchObject({
      status: "failed",
      failureReason: "runner_system_failure",
    });
  });

  it("SIGTERM aborts the running job and reports it failed (runner_system_failure)", async () => {
    const { child, exited } = startRunner();
    const pipeline = await submit(["echo started", "sleep 60"]);
    await waitFor(pipeline, ["running"]);
    const started = Date.now();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const job = await waitFor(pipeline, ["failed", "success", "canceled"]);
    expect(job).toMatchObject({ status: "failed", failureReason: "runner_system_failure" });
    expect(await t.coordinator.readTrace(job.id)).toContain("the runner was stopped while the job ran");
  });
});
