import { zipSync } from "fflate";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { submittedJob } from "./testing/job-fixtures.js";
import { ProtocolClient } from "./testing/protocol-client.js";
import { startTestCoordinator, type TestSetup } from "./testing/test-coordinator.js";
import type { SubmittedVariable } from "./types.js";

describe("GitLab Runner API", () => {
  let t: TestSetup;
  let client: ProtocolClient;

  beforeEach(async () => {
    t = await startTestCoordinator();
    client = new ProtocolClient(t.coordinator.url, t.runnerToken);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const post = (path: string, body: unknown, method = "POST") =>
    fetch(new URL(`api/v4/${path}`, t.coordinator.url), {
      method,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  it("registers with a registration token, verifies, and deletes runners", async () => {
    const registration = await t.coordinator.rotateRegistrationToken();
    const reg = await post("runners", {
      token: registration,
      description: "r1",
      tag_list: "linux, docker",
      run_untagged: false,
    });
    expect(reg.status).toBe(201);
    const body = (await reg.json()) as { id: number; token: string };
    expect(body.token).toMatch(/^glrt-/);
    expect((await post("runners/verify", { token: body.token })).status).toBe(200);
    expect((await post("runners", { token: "wrong" })).status).toBe(403);
    expect((await post("runners/verify", { token: "glrt-nope" })).status).toBe(403);
    const poller = new ProtocolClient(t.coordinator.url, body.token);
    expect((await poller.requestJob()).status).toBe(204);
    expect((await post("runners", { token: body.token }, "DELETE")).status).toBe(204);
    // Revoked at once, also for a runner that was just polling.
    expect((await poller.requestJob()).status).toBe(403);
    const revoked = await post("runners/verify", { token: body.token });
    expect(revoked.status).toBe(403);
    expect(await revoked.json()).toEqual({ message: "403 Forbidden" });
    // An older registration token stops working once rotated.
    await t.coordinator.rotateRegistrationToken();
    expect((await post("runners", { token: registration })).status).toBe(403);
  });

  it("answers 204 with X-GitLab-Last-Update after the long poll, 400 for bad JSON, 403 for bad tokens", async () => {
    const started = Date.now();
    const r = await client.requestJob();
    expect(r.status).toBe(204);
    expect(r.headers.get("x-gitlab-last-update")).toMatch(/^\d+$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect((await new ProtocolClient(t.coordinator.url, "glrt-wrong").requestJob()).status).toBe(403);
    const bad = await fetch(new URL("api/v4/jobs/request", t.coordinator.url), {
      method: "POST",
      body: "{not json",
    });
    expect(bad.status).toBe(400);
  });

  it("returns a parked long poll as soon as a job is queued", async () => {
    const waiting = client.requestJob();
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await t.submit({ stages: ["test"], variables: [], jobs: [submittedJob("unit")] });
    const r = await waiting;
    expect(r.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(JSON.parse(r.text).job_info.name).toBe("unit");
  });

  it("hands out a job in two phases and runs it to success with its trace", async () => {
    const pid = await t.submit({
      stages: ["test"],
      variables: [{ key: "GLOBAL", value: "g" }],
      jobs: [submittedJob("unit", { parallel: { index: 2, total: 3 } })],
    });
    const job = await client.nextJob();
    const vars = Object.fromEntries(job.variables.map((v) => [v.key, v.value]));
    expect(vars).toMatchObject({
      CI_JOB_NAME: "unit",
      CI_PIPELINE_ID: String(pid),
      CI_PROJECT_PATH: "group/app",
      CI_COMMIT_SHA: t.sha,
      CI_NODE_INDEX: "2",
      CI_NODE_TOTAL: "3",
      CI_JOB_TOKEN: job.token,
      GLOBAL: "g",
    });
    expect(job.variables.find((v) => v.key === "CI_JOB_TOKEN")?.masked).toBe(true);
    expect(job.git_info.repo_url).toContain(`gitlab-ci-token:${job.token}@`);
    expect(job.git_info.refspecs).toEqual([
      `+refs/pipelines/${pid}:refs/pipelines/${pid}`,
      "+refs/heads/main:refs/remotes/origin/main",
    ]);
    expect(job.git_info.depth).toBe(20);
    expect(job.features.trace_sections).toBe(true);
    // Handed out but not acknowledged: still pending.
    expect((await t.coordinator.getJob(job.id))?.status).toBe("pending");
    const ack = await client.update(job.id, job.token, { state: "running" });
    expect(ack.status).toBe(200);
    expect(ack.headers.get("job-status")).toBe("running");
    const p1 = await client.patchTrace(job.id, job.token, 0, "hello ");
    expect(p1.status).toBe(202);
    expect(p1.headers.get("range")).toBe("0-6");
    expect(p1.headers.get("x-gitlab-trace-update-interval")).toBe("3");
    // A resend from a stale offset is refused with where to resume.
    const stale = await client.patchTrace(job.id, job.token, 2, "llo ");
    expect(stale.status).toBe(416);
    expect(stale.headers.get("range")).toBe("0-6");
    expect((await client.patchTrace(job.id, job.token, 6, "world\n")).status).toBe(202);
    const missingRange = await fetch(new URL(`api/v4/jobs/${job.id}/trace`, t.coordinator.url), {
      method: "PATCH",
      headers: { "JOB-TOKEN": job.token },
      body: "x",
    });
    expect(missingRange.status).toBe(400);
    expect((await client.update(job.id, job.token, { state: "success" })).status).toBe(200);
    // The final update again (its reply was lost) is still fine; trace patches are not.
    expect((await client.update(job.id, job.token, { state: "success" })).status).toBe(200);
    const late = await client.patchTrace(job.id, job.token, 12, "late");
    expect(late.status).toBe(403);
    expect(late.headers.get("job-status")).toBe("success");
    expect(await t.coordinator.readTrace(job.id)).toBe("hello world\n");
    expect((await t.coordinator.getPipeline(pid))?.status).toBe("success");
  });

  it("refuses wrong job tokens with 403 and nothing else", async () => {
    await t.submit({ stages: ["test"], variables: [], jobs: [submittedJob("unit")] });
    const job = await client.nextJob();
    for (const r of [
      await client.update(job.id, "glcbt-wrong", { state: "running" }),
      await client.update(job.id + 1, job.token, { state: "running" }),
      await client.patchTrace(job.id, "glcbt-wrong", 0, "x"),
      await client.uploadArtifact(job.id, "glcbt-wrong", Buffer.from("x")),
    ]) {
      expect(r.status).toBe(403);
      expect(JSON.parse(r.text)).toEqual({ message: "403 Forbidden" });
    }
    expect((await client.update(job.id, job.token, { state: "bogus" })).status).toBe(400);
  });

  it("shows a cancel as Job-Status canceling, then canceled after the runner's final update", async () => {
    await t.submit({ stages: ["test"], variables: [], jobs: [submittedJob("unit")] });
    const job = await client.nextJob();
    await client.update(job.id, job.token, { state: "running" });
    await t.coordinator.cancelJob(job.id);
    const patch = await client.patchTrace(job.id, job.token, 0, "x");
    expect(patch.status).toBe(202);
    expect(patch.headers.get("job-status")).toBe("canceling");
    const put = await client.update(job.id, job.token, { state: "running" });
    expect(put.headers.get("job-status")).toBe("canceling");
    await client.update(job.id, job.token, { state: "failed", failure_reason: "job_canceled" });
    expect((await t.coordinator.getJob(job.id))?.status).toBe("canceled");
  });

  it("stores artifacts, refuses traversal and oversize, and serves them to dependent jobs only", async () => {
    await t.coordinator.stop();
    t.options = { ...t.options, maxArtifactBytes: 64 * 1024 };
    t.coordinator = await (await import("./coordinator.js")).Coordinator.start(t.options);
    client = new ProtocolClient(t.coordinator.url, t.runnerToken);
    await t.submit({
      stages: ["build", "test"],
      variables: [],
      jobs: [
        submittedJob("build", { stage: "build" }),
        submittedJob("other", { stage: "build" }),
        submittedJob("test", { stage: "test", dependencies: ["build"] }),
      ],
    });
    const build = await client.nextJob();
    const other = await client.nextJob();
    await client.update(build.id, build.token, { state: "running" });
    await client.update(other.id, other.token, { state: "running" });
    const evil = zipSync({ "../../etc/passwd": new Uint8Array([1]) });
    const refused = await client.uploadArtifact(build.id, build.token, Buffer.from(evil));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("outside the archive");
    const absolute = zipSync({ "/abs/file": new Uint8Array([1]) });
    expect((await client.uploadArtifact(build.id, build.token, Buffer.from(absolute))).status).toBe(400);
    const big = Buffer.alloc(100 * 1024, 1);
    expect((await client.uploadArtifact(build.id, build.token, big)).status).toBe(413);
    const good = Buffer.from(zipSync({ "out/app.txt": new TextEncoder().encode("built") }));
    expect(
      (
        await client.uploadArtifact(build.id, build.token, good, {
          artifact_type: "archive",
          artifact_format: "zip",
          expire_in: "1 day",
        })
      ).status,
    ).toBe(201);
    const dotenv = Buffer.from((await import("node:zlib")).gzipSync("VERSION=1.2.3\nNAME='app'\n"));
    expect(
      (
        await client.uploadArtifact(
          build.id,
          build.token,
          dotenv,
          { artifact_type: "dotenv", artifact_format: "gzip" },
          "dotenv.env.gz",
        )
      ).status,
    ).toBe(201);
    await client.update(build.id, build.token, { state: "success" });
    await client.update(other.id, other.token, { state: "success" });
    const test = await client.nextJob();
    expect(test.job_info.name).toBe("test");
    expect(test.dependencies).toEqual([
      {
        id: build.id,
        name: "build",
        token: test.token,
        artifacts_file: { filename: "artifacts.zip", size: good.length },
      },
    ]);
    const vars = Object.fromEntries(test.variables.map((v) => [v.key, v.value]));
    expect(vars).toMatchObject({ VERSION: "1.2.3", NAME: "app" });
    const download = await client.downloadArtifact(build.id, test.token);
    expect(download.status).toBe(200);
    expect(download.body.equals(good)).toBe(true);
    // `other` is not a dependency of `test`, and a wrong token gets nothing.
    expect((await client.downloadArtifact(other.id, test.token)).status).toBe(403);
    expect((await client.downloadArtifact(build.id, "glcbt-nope")).status).toBe(403);
  });

  it("places project variables above the job's own and dotenv, below the run's, masked ones masked", async () => {
    const project = (key: string, value: string, extra: Partial<SubmittedVariable> = {}) => ({
      key,
      value,
      ...extra,
    });
    const spec = (variables: SubmittedVariable[], projectVariables: SubmittedVariable[]) => ({
      ...submittedJob("x").spec,
      variables,
      projectVariables,
    });
    await t.coordinator.submitPipeline({
      projectId: t.project.id,
      commit: { ref: "main", sha: t.sha },
      plan: {
        stages: ["build", "test"],
        variables: [],
        jobs: [
          submittedJob("build", { stage: "build" }),
          submittedJob("test", {
            stage: "test",
            spec: spec(
              [project("FROM_JOB", "job"), project("FROM_DOTENV", "job")],
              [
                project("FROM_JOB", "project"),
                project("FROM_DOTENV", "project"),
                project("FROM_RUN", "project"),
                project("SECRET", "hunter22", { masked: true }),
              ],
            ),
          }),
        ],
      },
      variables: [{ key: "FROM_RUN", value: "run" }],
    });
    const build = await client.nextJob();
    await client.update(build.id, build.token, { state: "running" });
    const dotenv = Buffer.from((await import("node:zlib")).gzipSync("FROM_DOTENV=dotenv\n"));
    const upload = { artifact_type: "dotenv", artifact_format: "gzip" };
    expect((await client.uploadArtifact(build.id, build.token, dotenv, upload, "d.env.gz")).status).toBe(201);
    await client.update(build.id, build.token, { state: "success" });
    const test = await client.nextJob();
    const last = (key: string) => test.variables.filter((v) => v.key === key).at(-1);
    expect(last("FROM_JOB")?.value).toBe("project");
    expect(last("FROM_DOTENV")?.value).toBe("project");
    expect(last("FROM_RUN")?.value).toBe("run");
    expect(last("SECRET")).toMatchObject({ value: "hunter22", masked: true, public: false });
  });

  it("answers 409 when another coordinator on the same store took the job first", async () => {
    const second = await (await import("./coordinator.js")).Coordinator.start({ ...t.options, port: 0 });
    try {
      await t.submit({ stages: ["test"], variables: [], jobs: [submittedJob("unit")] });
      // The second coordinator learns of the job on restart only; load it by restarting it.
      await second.stop();
      const third = await (await import("./coordinator.js")).Coordinator.start({ ...t.options, port: 0 });
      try {
        const job = await client.nextJob();
        expect(job.job_info.name).toBe("unit");
        const raced = await new ProtocolClient(third.url, t.runnerToken).requestJob();
        expect(raced.status).toBe(409);
      } finally {
        await third.stop();
      }
    } finally {
      await second.stop();
    }
  });
});
