import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { unrunJobState } from "../state/unrun-job-state.js";
import { EMPTY_SPEC, newPipeline, newRunner } from "../testing/job-fixtures.js";
import { MIGRATIONS } from "./migrations.js";
import { SqliteStore } from "./sqlite-store.js";
import type { NewJob } from "./store.js";

function newJob(name: string, projectId: number, overrides: Partial<NewJob> = {}): NewJob {
  return {
    projectId,
    name,
    stage: "test",
    stageIndex: 0,
    needs: [{ job: "a", artifacts: true, optional: false }],
    dependencies: null,
    when: "on_success",
    startInSeconds: 0,
    allowFailure: false,
    allowFailureExitCodes: [3],
    retry: { max: 2, when: ["script_failure"], exitCodes: [] },
    timeoutSeconds: 60,
    tags: ["linux"],
    parallel: { index: 1, total: 2 },
    spec: EMPTY_SPEC,
    trigger: null,
    ...unrunJobState(1),
    status: "pending",
    queuedAt: 1,
    ...overrides,
  };
}

describe("SqliteStore", () => {
  let dir: string;
  let file: string;
  let store: SqliteStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "runfleet-store-"));
    file = join(dir, "coordinator.db");
    store = SqliteStore.open(file);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function seedPipeline(jobs: string[]) {
    const project = await store.createProject({
      path: "group/app",
      name: "app",
      repoDir: dir,
      gitDir: join(dir, ".git"),
      createdAt: 1,
    });
    const created = await store.createPipeline(
      newPipeline({
        projectId: project.id,
        status: "pending",
        variables: [{ key: "K", value: "V" }],
        userVariables: [{ key: "U", value: "1" }],
        createdAt: 1,
      }),
      jobs.map((n) => newJob(n, project.id)),
    );
    return { project, ...created };
  }

  it("applies migrations once and again on reopen without change", async () => {
    expect(store.appliedMigrations()).toEqual(MIGRATIONS.map((m) => m.version));
    await store.close();
    store = SqliteStore.open(file);
    const versions = MIGRATIONS.map((m) => m.version);
    expect(store.appliedMigrations()).toEqual(versions);
    const next = Math.max(...versions) + 1;
    const extra = [
      ...MIGRATIONS,
      { version: next, name: "extra column", sql: "ALTER TABLE projects ADD note TEXT" },
    ];
    await store.close();
    store = SqliteStore.open(file, extra);
    expect(store.appliedMigrations()).toEqual([...versions, next]);
    await store.close();
    store = SqliteStore.open(file, extra);
    expect(store.appliedMigrations()).toEqual([...versions, next]);
  });

  it("upgrades a database made by an older version, keeping its rows", async () => {
    await store.close();
    rmSync(file, { force: true });
    store = SqliteStore.open(file, MIGRATIONS.slice(0, 1));
    await store.createProject({ path: "old/app", name: "app", repoDir: dir, gitDir: dir, createdAt: 1 });
    await store.close();
    store = SqliteStore.open(file);
    expect(store.appliedMigrations()).toEqual(MIGRATIONS.map((m) => m.version));
    expect((await store.findProjectByPath("old/app"))?.name).toBe("app");
  });

  it("round-trips a pipeline and its jobs with every JSON field", async () => {
    const { pipeline, jobs } = await seedPipeline(["a", "b"]);
    expect(pipeline.iid).toBe(1);
    const again = await seedPipelineSameProject(store, pipeline.projectId);
    expect(again.iid).toBe(2);
    const listed = await store.listJobs(pipeline.id);
    expect(listed).toEqual(jobs);
    expect(listed[0]?.needs).toEqual([{ job: "a", artifacts: true, optional: false }]);
    expect(listed[0]?.parallel).toEqual({ index: 1, total: 2 });
    expect((await store.getPipeline(pipeline.id))?.variables).toEqual([{ key: "K", value: "V" }]);
    expect((await store.listActivePipelines()).map((p) => p.id)).toContain(pipeline.id);
  });

  it("applies job and pipeline patches and inserts retries in one transaction", async () => {
    const { pipeline, jobs } = await seedPipeline(["a"]);
    const first = jobs[0];
    if (first === undefined) throw new Error("no job");
    const inserted = await store.applyChanges({
      jobs: [{ id: first.id, status: "failed", exitCode: 2, failureReason: "script_failure", retried: true }],
      pipelines: [{ id: pipeline.id, status: "running" }],
      newJobs: [{ pipelineId: pipeline.id, job: newJob("a", first.projectId, { attempt: 2 }) }],
    });
    expect(inserted).toHaveLength(1);
    const after = await store.listJobs(pipeline.id);
    expect(after.map((j) => [j.name, j.status, j.attempt, j.retried, j.exitCode])).toEqual([
      ["a", "failed", 1, true, 2],
      ["a", "pending", 2, false, null],
    ]);
    expect((await store.getPipeline(pipeline.id))?.status).toBe("running");
  });

  it("claims a pending job once, also across two connections to the same file", async () => {
    const { jobs } = await seedPipeline(["a"]);
    const job = jobs[0];
    if (job === undefined) throw new Error("no job");
    const runner = await store.createRunner(newRunner({ tokenHash: "h1", createdAt: 1 }));
    const other = SqliteStore.open(file);
    try {
      expect(await other.claimJob(job.id, runner.id, "tok-1", 5)).toBe(true);
      expect(await store.claimJob(job.id, runner.id, "tok-2", 6)).toBe(false);
    } finally {
      await other.close();
    }
    expect((await store.findJobByTokenHash("tok-1"))?.id).toBe(job.id);
    expect(await store.findJobByTokenHash("tok-2")).toBeUndefined();
  });

  it("looks a job token up through an index, and keeps only one index of it", async () => {
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      const plan = db.prepare("EXPLAIN QUERY PLAN SELECT * FROM jobs WHERE token_hash = ?").all("x") as {
        detail: string;
      }[];
      expect(plan.map((p) => p.detail).join(" ")).toMatch(/USING INDEX sqlite_autoindex_jobs/);
      const indexes = db.prepare("PRAGMA index_list(jobs)").all() as { name: string }[];
      const onToken = indexes.filter((i) => {
        const cols = db.prepare(`PRAGMA index_info("${i.name}")`).all() as { name: string }[];
        return cols.some((c) => c.name === "token_hash");
      });
      expect(onToken).toHaveLength(1);
    } finally {
      db.close();
      store = SqliteStore.open(file);
    }
  });

  it("appends trace chunks only at the stored size", async () => {
    const { jobs } = await seedPipeline(["a"]);
    const id = jobs[0]?.id ?? 0;
    expect(await store.appendTrace(id, 0, Buffer.from("hello "))).toEqual({ ok: true, size: 6 });
    expect(await store.appendTrace(id, 3, Buffer.from("xx"))).toEqual({ ok: false, size: 6 });
    expect(await store.appendTrace(id, 6, Buffer.from("world"))).toEqual({ ok: true, size: 11 });
    expect((await store.readTrace(id)).toString()).toBe("hello world");
    expect(await store.appendTrace(id, 11, Buffer.alloc(0))).toEqual({ ok: true, size: 11 });
    expect(await store.appendTrace(id, 12, Buffer.alloc(0))).toEqual({ ok: false, size: 11 });
    expect((await store.getJob(id))?.traceSize).toBe(11);
    expect((await store.listJobs(jobs[0]?.pipelineId ?? 0)).map((j) => j.traceSize)).toEqual([11]);
  });

  it("derives a trace's size from its chunks: a second connection appends where the first stopped", async () => {
    const { jobs } = await seedPipeline(["a", "b"]);
    const [a, b] = jobs.map((j) => j.id);
    if (a === undefined || b === undefined) throw new Error("no jobs");
    await store.appendTrace(a, 0, Buffer.from("abc"));
    await store.committed();
    const other = SqliteStore.open(file);
    try {
      expect(await other.appendTrace(a, 0, Buffer.from("x"))).toEqual({ ok: false, size: 3 });
      expect(await other.appendTrace(a, 3, Buffer.from("def"))).toEqual({ ok: true, size: 6 });
    } finally {
      await other.close();
    }
    expect(await store.appendTrace(a, 6, Buffer.from("g"))).toEqual({ ok: true, size: 7 });
    expect((await store.readTrace(a)).toString()).toBe("abcdefg");
    expect((await store.getJob(b))?.traceSize).toBe(0);
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      const columns = db.prepare("PRAGMA table_info(jobs)").all() as { name: string }[];
      expect(columns.map((c) => c.name)).not.toContain("trace_size");
      const plan = db
        .prepare(
          "EXPLAIN QUERY PLAN SELECT offset + length(data) FROM trace_chunks WHERE job_id = ? ORDER BY offset DESC LIMIT 1",
        )
        .all(a) as { detail: string }[];
      // The primary key finds the last chunk; no scan of the job's chunks, no sort.
      expect(plan.map((p) => p.detail).join(" ")).toMatch(/USING PRIMARY KEY/);
      expect(plan.map((p) => p.detail).join(" ")).not.toMatch(/TEMP B-TREE/);
    } finally {
      db.close();
      store = SqliteStore.open(file);
    }
  });

  it("keeps runners, registration tokens, artifacts and dotenv variables", async () => {
    const { pipeline, jobs } = await seedPipeline(["a"]);
    const id = jobs[0]?.id ?? 0;
    await store.addRegistrationToken("reg-old", 1);
    await store.addRegistrationToken("reg-new", 2);
    await store.revokeRegistrationTokens("reg-new");
    expect(await store.hasRegistrationToken("reg-old")).toBe(false);
    expect(await store.hasRegistrationToken("reg-new")).toBe(true);
    const runner = await store.createRunner(
      newRunner({ tokenHash: "rt", tags: ["a", "b"], runUntagged: false, locked: true, maximumTimeout: 600 }),
    );
    await store.touchRunner(runner.id, 99);
    expect((await store.findRunnerByTokenHash("rt"))?.contactedAt).toBe(99);
    await store.revokeRunner(runner.id);
    expect(await store.findRunnerByTokenHash("rt")).toBeUndefined();
    await store.addArtifact({
      jobId: id,
      type: "archive",
      format: "zip",
      filename: "artifacts.zip",
      path: "/x",
      size: 3,
      sha256: "abc",
      expireAt: null,
      createdAt: 1,
    });
    expect((await store.listArtifacts(id)).map((a) => a.type)).toEqual(["archive"]);
    expect((await store.listArtifactsOfJobs([id, id + 1000], "archive")).map((a) => a.jobId)).toEqual([id]);
    expect(await store.listArtifactsOfJobs([id], "junit")).toEqual([]);
    await store.addDotenv(pipeline.id, [
      { jobId: id, key: "B", value: "2" },
      { jobId: id, key: "A", value: "1" },
    ]);
    expect(await store.listDotenv(pipeline.id)).toEqual([
      { jobId: id, key: "A", value: "1" },
      { jobId: id, key: "B", value: "2" },
    ]);
  });
});

async function seedPipelineSameProject(store: SqliteStore, projectId: number) {
  const { pipeline } = await store.createPipeline(
    {
      projectId,
      parentPipelineId: null,
      parentJobId: null,
      status: "pending",
      ref: "main",
      sha: "b".repeat(40),
      beforeSha: "0".repeat(40),
      refType: "branch",
      source: "push",
      canceledByUser: false,
      stages: [],
      variables: [],
      userVariables: [],
      createdAt: 2,
      finishedAt: null,
    },
    [],
  );
  return pipeline;
}
