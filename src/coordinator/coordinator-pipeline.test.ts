import { zipSync } from "fflate";
import { afterEach, describe, expect, it } from "vitest";
import type { JobPayload } from "../protocol/index.js";
import type { CoordinatorOptions } from "./coordinator.js";
import { submittedJob } from "./testing/job-fixtures.js";
import { ProtocolClient } from "./testing/protocol-client.js";
import { startTestCoordinator, type TestSetup } from "./testing/test-coordinator.js";

const needs = (...names: string[]) => names.map((job) => ({ job, artifacts: true, optional: false }));

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("pipelines through the protocol", () => {
  let t: TestSetup;
  let client: ProtocolClient;
  const start = async (o: Partial<CoordinatorOptions> = {}) => {
    t = await startTestCoordinator({ longPollMs: 300, ...o });
    client = new ProtocolClient(t.coordinator.url, t.runnerToken);
  };
  afterEach(async () => {
    await t.cleanup();
  });

  const statuses = async (pid: number) =>
    Object.fromEntries(
      (await t.coordinator.listJobs(pid)).filter((j) => !j.retried).map((j) => [j.name, j.status]),
    );

  it("hands out the first stage and needs: [] jobs at once, nothing that waits", async () => {
    await start();
    const pid = await t.submit({
      stages: ["build", "test", "deploy"],
      variables: [],
      jobs: [
        submittedJob("build", { stage: "build" }),
        submittedJob("lint", { stage: "test", needs: [] }),
        submittedJob("unit", { stage: "test" }),
        submittedJob("deploy", { stage: "deploy", needs: needs("unit") }),
      ],
    });
    const first = [await client.nextJob(), await client.nextJob()].map((j) => j.job_info.name).sort();
    expect(first).toEqual(["build", "lint"]);
    expect((await client.requestJob()).status).toBe(204);
    expect(await statuses(pid)).toEqual({
      build: "pending",
      lint: "pending",
      unit: "created",
      deploy: "created",
    });
  });

  it("walks a whole pipeline: stages, needs, on_failure, always, allow_failure", async () => {
    await start();
    const pid = await t.submit({
      stages: ["build", "test", "deploy"],
      variables: [],
      jobs: [
        submittedJob("build", { stage: "build" }),
        submittedJob("flaky", { stage: "test", allowFailure: true }),
        submittedJob("unit", { stage: "test", allowFailureExitCodes: [42] }),
        submittedJob("deploy", { stage: "deploy", needs: needs("unit") }),
        submittedJob("notify", { stage: "deploy", when: "on_failure" }),
        submittedJob("cleanup", { stage: "deploy", when: "always" }),
      ],
    });
    const run = async (name: string, outcome: Parameters<ProtocolClient["runJob"]>[1]) => {
      const job = await client.nextJob();
      expect(job.job_info.name).toBe(name);
      await client.runJob(job, outcome);
    };
    await run("build", { state: "success" });
    const a = await client.nextJob();
    const b = await client.nextJob();
    const byName = new Map([a, b].map((j) => [j.job_info.name, j]));
    await client.runJob(byName.get("flaky") as JobPayload, {
      state: "failed",
      exitCode: 1,
      reason: "script_failure",
    });
    await client.runJob(byName.get("unit") as JobPayload, {
      state: "failed",
      exitCode: 42,
      reason: "script_failure",
    });
    // Both failures are allowed: deploy and cleanup run, notify is skipped.
    const names = [await client.nextJob(), await client.nextJob()];
    expect(names.map((j) => j.job_info.name).sort()).toEqual(["cleanup", "deploy"]);
    for (const j of names) await client.runJob(j);
    expect(await statuses(pid)).toEqual({
      build: "success",
      flaky: "failed",
      unit: "failed",
      deploy: "success",
      notify: "skipped",
      cleanup: "success",
    });
    expect((await t.coordinator.getPipeline(pid))?.status).toBe("success");
  });

  it("retries as a new attempt with a new id and keeps the failed one", async () => {
    await start();
    const pid = await t.submit({
      stages: ["test"],
      variables: [],
      jobs: [submittedJob("unit", { retry: { max: 1, when: ["script_failure"], exitCodes: [] } })],
    });
    const first = await client.nextJob();
    await client.runJob(first, { state: "failed", exitCode: 1, reason: "script_failure" });
    const second = await client.nextJob();
    expect(second.job_info.name).toBe("unit");
    expect(second.id).not.toBe(first.id);
    await client.runJob(second, { state: "failed", exitCode: 1, reason: "script_failure" });
    const all = await t.coordinator.listJobs(pid);
    expect(all.map((j) => [j.name, j.attempt, j.status, j.retried])).toEqual([
      ["unit", 1, "failed", true],
      ["unit", 2, "failed", false],
    ]);
    expect((await t.coordinator.getPipeline(pid))?.status).toBe("failed");
  });

  it("fails a job whose runner went silent (runner_system_failure), or retries it per retry", async () => {
    await start({ heartbeatTimeoutMs: 300 });
    const pid = await t.submit({
      stages: ["test"],
      variables: [],
      jobs: [
        submittedJob("lost"),
        submittedJob("again", { retry: { max: 1, when: ["runner_system_failure"], exitCodes: [] } }),
      ],
    });
    for (const j of [await client.nextJob(), await client.nextJob()]) {
      await client.update(j.id, j.token, { state: "running" });
    }
    const jobs = await until(
      () => t.coordinator.listJobs(pid),
      (js) => js.length === 3,
    );
    expect(jobs.map((j) => [j.name, j.status, j.failureReason])).toEqual([
      ["lost", "failed", "runner_system_failure"],
      ["again", "failed", "runner_system_failure"],
      ["again", "pending", null],
    ]);
  });

  it("fails a job past its timeout (job_execution_timeout) even while its runner talks", async () => {
    await start({ timeoutGraceMs: 0 });
    const pid = await t.submit({
      stages: ["test"],
      variables: [],
      jobs: [submittedJob("slow", { timeoutSeconds: 1 })],
    });
    const job = await client.nextJob();
    expect(job.runner_info.timeout).toBe(1);
    await client.update(job.id, job.token, { state: "running" });
    const done = await until(
      async () => {
        await client.patchTrace(job.id, job.token, (await t.coordinator.getJob(job.id))?.traceSize ?? 0, ".");
        return t.coordinator.getJob(job.id);
      },
      (j) => j?.status === "failed",
    );
    expect(done?.failureReason).toBe("job_execution_timeout");
    expect((await t.coordinator.getPipeline(pid))?.status).toBe("failed");
  });

  it("requeues a job handed out but never acknowledged", async () => {
    await start({ ackTimeoutMs: 200 });
    await t.submit({ stages: ["test"], variables: [], jobs: [submittedJob("unit")] });
    const lost = await client.nextJob();
    const again = await client.nextJob();
    expect(again.id).toBe(lost.id);
    expect(again.token).not.toBe(lost.token);
    expect((await client.update(lost.id, lost.token, { state: "running" })).status).toBe(403);
    expect((await client.update(again.id, again.token, { state: "running" })).status).toBe(200);
  });

  it("holds manual jobs until played and starts delayed jobs after start_in", async () => {
    await start();
    const pid = await t.submit({
      stages: ["deploy"],
      variables: [],
      jobs: [
        submittedJob("release", { stage: "deploy", when: "manual" }),
        submittedJob("later", { stage: "deploy", when: "delayed", startInSeconds: 1 }),
      ],
    });
    expect(await statuses(pid)).toEqual({ release: "manual", later: "scheduled" });
    expect((await client.requestJob()).status).toBe(204);
    const later = await client.nextJob();
    expect(later.job_info.name).toBe("later");
    await client.runJob(later);
    expect((await t.coordinator.getPipeline(pid))?.status).toBe("manual");
    const release = (await t.coordinator.listJobs(pid)).find((j) => j.name === "release");
    await t.coordinator.playJob(release?.id ?? 0);
    const played = await client.nextJob();
    expect(played.variables.find((v) => v.key === "CI_JOB_MANUAL")?.value).toBe("true");
    await client.runJob(played);
    expect((await t.coordinator.getPipeline(pid))?.status).toBe("success");
  });

  it("cancels a whole pipeline: running jobs canceling, waiting ones canceled", async () => {
    await start();
    const pid = await t.submit({
      stages: ["a", "b"],
      variables: [],
      jobs: [
        submittedJob("one", { stage: "a" }),
        submittedJob("two", { stage: "a" }),
        submittedJob("three", { stage: "b" }),
      ],
    });
    const one = await client.nextJob();
    await client.update(one.id, one.token, { state: "running" });
    await t.coordinator.cancelPipeline(pid);
    expect(await statuses(pid)).toEqual({ one: "canceling", two: "canceled", three: "canceled" });
    const put = await client.update(one.id, one.token, { state: "running" });
    expect(put.headers.get("job-status")).toBe("canceling");
    await client.update(one.id, one.token, { state: "failed", failure_reason: "job_canceled" });
    expect(await statuses(pid)).toEqual({ one: "canceled", two: "canceled", three: "canceled" });
    expect((await t.coordinator.getPipeline(pid))?.status).toBe("canceled");
  });

  it("runs a child pipeline from a trigger job and mirrors its status with strategy: depend", async () => {
    await start();
    const child = { stages: ["test"], variables: [], jobs: [submittedJob("child-unit")] };
    const pid = await t.submit({
      stages: ["trigger", "after"],
      variables: [],
      jobs: [
        submittedJob("trigger-child", {
          stage: "trigger",
          trigger: {
            kind: "plan",
            strategy: "depend",
            child,
            userVariables: [{ key: "FROM_PARENT", value: "yes" }],
          },
        }),
        submittedJob("after", { stage: "after" }),
      ],
    });
    const job = await client.nextJob();
    expect(job.job_info.name).toBe("child-unit");
    expect(job.job_info.pipeline_id).not.toBe(pid);
    const vars = Object.fromEntries(job.variables.map((v) => [v.key, v.value]));
    expect(vars).toMatchObject({ CI_PIPELINE_SOURCE: "parent_pipeline", FROM_PARENT: "yes" });
    expect(await statuses(pid)).toMatchObject({ "trigger-child": "running", after: "created" });
    await client.runJob(job, { state: "failed", exitCode: 1, reason: "script_failure" });
    expect(await statuses(pid)).toEqual({ "trigger-child": "failed", after: "skipped" });
    expect((await t.coordinator.getPipeline(pid))?.status).toBe("failed");
  });

  it("plans a dynamic child pipeline from a parent job's artifact", async () => {
    const seen: string[] = [];
    await start({
      childPlanner: async ({ yaml, file }) => {
        seen.push(`${file}:${yaml}`);
        return {
          submission: { stages: ["test"], variables: [], jobs: [submittedJob(yaml.trim())] },
          userVariables: [],
        };
      },
    });
    const pid = await t.submit({
      stages: ["generate", "trigger"],
      variables: [],
      jobs: [
        submittedJob("generate", { stage: "generate" }),
        submittedJob("run-generated", {
          stage: "trigger",
          trigger: { kind: "artifact", strategy: "depend", job: "generate", artifact: "generated/child.yml" },
        }),
      ],
    });
    const gen = await client.nextJob();
    await client.update(gen.id, gen.token, { state: "running" });
    const zip = Buffer.from(zipSync({ "generated/child.yml": new TextEncoder().encode("generated-job\n") }));
    expect((await client.uploadArtifact(gen.id, gen.token, zip)).status).toBe(201);
    await client.update(gen.id, gen.token, { state: "success" });
    const childJob = await client.nextJob();
    expect(childJob.job_info.name).toBe("generated-job");
    expect(seen).toEqual(["generated/child.yml:generated-job\n"]);
    await client.runJob(childJob);
    expect((await t.coordinator.getPipeline(pid))?.status).toBe("success");
  });

  it("loads and plans a dynamic child configuration with the real config loader and planner", async () => {
    await start();
    const pid = await t.submit({
      stages: ["generate", "trigger"],
      variables: [],
      jobs: [
        submittedJob("generate", { stage: "generate" }),
        submittedJob("run-generated", {
          stage: "trigger",
          trigger: { kind: "artifact", strategy: "depend", job: "generate", artifact: "child.yml" },
        }),
      ],
    });
    const gen = await client.nextJob();
    await client.update(gen.id, gen.token, { state: "running" });
    const yaml = [
      "stages: [test]",
      "variables:",
      "  GREETING: hi",
      "shard:",
      "  stage: test",
      "  parallel: 2",
      "  needs:",
      "    - pipeline: $PARENT_PIPELINE_ID",
      "      job: generate",
      "  script: [echo $GREETING]",
      "",
    ].join("\n");
    const zip = Buffer.from(zipSync({ "child.yml": new TextEncoder().encode(yaml) }));
    expect((await client.uploadArtifact(gen.id, gen.token, zip)).status).toBe(201);
    await client.update(gen.id, gen.token, { state: "success" });
    const shards = [await client.nextJob(), await client.nextJob()];
    expect(shards.map((j) => j.job_info.name).sort()).toEqual(["shard 1/2", "shard 2/2"]);
    const vars = Object.fromEntries((shards[0]?.variables ?? []).map((v) => [v.key, v.value]));
    expect(vars).toMatchObject({ GREETING: "hi", CI_NODE_TOTAL: "2", CI_PIPELINE_SOURCE: "parent_pipeline" });
    expect(shards[0]?.steps[0]?.script).toEqual(["echo $GREETING"]);
    // needs:pipeline: the parent job's archive, downloadable with the child job's token.
    expect(shards[0]?.dependencies.map((d) => [d.id, d.name, d.artifacts_file?.size])).toEqual([
      [gen.id, "generate", zip.length],
    ]);
    const download = await client.downloadArtifact(gen.id, shards[0]?.token ?? "");
    expect(download.status).toBe(200);
    expect(download.body.equals(zip)).toBe(true);
    for (const j of shards) await client.runJob(j);
    expect((await t.coordinator.getPipeline(pid))?.status).toBe("success");
  });

  it("fails the trigger job with the reason in its trace when the child cannot be made", async () => {
    await start();
    const pid = await t.submit({
      stages: ["trigger"],
      variables: [],
      jobs: [
        submittedJob("downstream", {
          stage: "trigger",
          trigger: {
            kind: "unsupported",
            strategy: "none",
            reason: "triggering project other/app is not supported here",
          },
        }),
      ],
    });
    const job = (await t.coordinator.listJobs(pid))[0];
    expect(job?.status).toBe("failed");
    expect(await t.coordinator.readTrace(job?.id ?? 0)).toContain("other/app is not supported");
  });
  it("gives jobs without needs the newest attempts of every earlier-stage job, also after a retry", async () => {
    await start();
    const pid = await t.submit({
      stages: ["build", "test"],
      variables: [],
      jobs: [
        submittedJob("compile", { stage: "build", retry: { max: 1, when: [], exitCodes: [] } }),
        submittedJob("shard 1/2", { stage: "test", parallel: { index: 1, total: 2 } }),
        submittedJob("shard 2/2", { stage: "test", parallel: { index: 2, total: 2 } }),
      ],
    });
    const first = await client.nextJob();
    await client.update(first.id, first.token, { state: "running" });
    await client.update(first.id, first.token, {
      state: "failed",
      failure_reason: "script_failure",
      exit_code: 1,
    });
    const second = await client.nextJob();
    expect(second.job_info.name).toBe("compile");
    expect(second.id).not.toBe(first.id);
    await client.runJob(second);
    const shards = [await client.nextJob(), await client.nextJob()];
    for (const shard of shards) {
      expect(shard.dependencies.map((d) => [d.id, d.name])).toEqual([[second.id, "compile"]]);
    }
    for (const j of shards) await client.runJob(j);
    expect((await t.coordinator.getPipeline(pid))?.status).toBe("success");
  });
});
