import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunfleetError } from "../../errors/index.js";
import { SqliteStore } from "../store/sqlite-store.js";
import { newRunner, submittedJob } from "../testing/job-fixtures.js";
import type { ProjectRecord } from "../types.js";
import { type NewPipelineInput, PipelineEngine } from "./pipeline-engine.js";

describe("PipelineEngine creating a pipeline", () => {
  let dir: string;
  let store: SqliteStore;
  let project: ProjectRecord;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "runfleet-engine-"));
    store = SqliteStore.open(join(dir, "c.db"));
    project = await store.createProject({
      path: "g/app",
      name: "app",
      repoDir: dir,
      gitDir: dir,
      createdAt: 1,
    });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function input(): NewPipelineInput {
    return {
      project,
      submission: {
        stages: ["build", "test"],
        variables: [],
        jobs: [submittedJob("a", { stage: "build" }), submittedJob("b", { stage: "test" })],
      },
      pipeline: {
        projectId: project.id,
        parentPipelineId: null,
        parentJobId: null,
        ref: "main",
        sha: "a".repeat(40),
        beforeSha: "0".repeat(40),
        refType: "branch",
        source: "push",
        userVariables: [],
      },
    };
  }

  it("stores the first stage already pending and announces it once as queued", async () => {
    const engine = new PipelineEngine(store, () => 7);
    const seen: string[] = [];
    engine.subscribe((e) => {
      if (e.type === "job") seen.push(`${e.job.name}:${e.job.status}`);
    });
    const pipeline = await engine.createPipeline(input());
    await store.committed();
    expect(pipeline.status).toBe("pending");
    expect((await store.listJobs(pipeline.id)).map((j) => [j.name, j.status, j.queuedAt])).toEqual([
      ["a", "pending", 7],
      ["b", "created", null],
    ]);
    expect(seen).toEqual(["a:pending", "b:created"]);
    expect(engine.queuedJobs().map((j) => j.name)).toEqual(["a"]);
  });

  it("leaves the jobs of a pipeline that could not start as submitted", async () => {
    const engine = new PipelineEngine(store, () => 7);
    engine.setAfterInsert(async () => {
      throw new RunfleetError("UNAVAILABLE", "cannot pin the ref");
    });
    await expect(engine.createPipeline(input())).rejects.toThrow(/cannot pin the ref/);
    await store.committed();
    const [stored] = await store.listActivePipelines();
    expect(stored).toBeUndefined();
    const jobs = await store.listJobs(1);
    expect(jobs.map((j) => [j.name, j.status, j.queuedAt])).toEqual([
      ["a", "created", null],
      ["b", "created", null],
    ]);
    expect((await store.getPipeline(1))?.status).toBe("failed");
    expect(engine.queuedJobs()).toEqual([]);
  });

  it("keeps a job whose runner sends heartbeats, and fails the one whose runner went silent", async () => {
    let now = 1000;
    const engine = new PipelineEngine(store, () => now);
    const runner = await store.createRunner(newRunner());
    const both = {
      ...input(),
      submission: {
        stages: ["build"],
        variables: [],
        jobs: [submittedJob("a", { stage: "build" }), submittedJob("b", { stage: "build" })],
      },
    };
    const pipeline = await engine.createPipeline(both);
    const [a, b] = await engine.listJobs(pipeline.id);
    if (a === undefined || b === undefined) throw new Error("no jobs");
    for (const [job, token] of [
      [a, "ta"],
      [b, "tb"],
    ] as const) {
      await engine.claim(job.id, runner.id, token);
      await engine.acknowledge(job.id);
    }
    const limits = { heartbeatTimeoutMs: 500, ackTimeoutMs: 500, timeoutGraceMs: 0, cancelGraceMs: 500 };
    for (let step = 0; step < 4; step++) {
      now += 300;
      engine.heartbeat(a.id);
      await engine.tick(limits);
    }
    expect((await engine.getJob(a.id))?.status).toBe("running");
    expect(await engine.getJob(b.id)).toMatchObject({
      status: "failed",
      failureReason: "runner_system_failure",
    });
  });
});
