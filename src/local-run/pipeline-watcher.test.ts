import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pipelineRecord } from "../coordinator/testing/job-fixtures.js";
import type { JobRecord, PipelineRecord } from "../coordinator/types.js";
import { JobLogs } from "./job-logs.js";
import type { LocalStack } from "./local-stack.js";
import { PipelineWatcher } from "./pipeline-watcher.js";
import { LineView } from "./progress/progress-view.js";

// The watcher against a scripted coordinator port: what it prints, in which order, and when it ends.

function pipeline(
  id: number,
  status: PipelineRecord["status"],
  parent: [number, number] | null = null,
): PipelineRecord {
  return pipelineRecord({
    id,
    iid: id,
    parentPipelineId: parent?.[0] ?? null,
    parentJobId: parent?.[1] ?? null,
    status,
  });
}

function job(
  id: number,
  pipelineId: number,
  name: string,
  status: JobRecord["status"],
  extra: Partial<JobRecord> = {},
) {
  return {
    id,
    pipelineId,
    projectId: 1,
    name,
    stage: "test",
    stageIndex: 1,
    status,
    allowFailure: false,
    allowFailureExitCodes: [],
    attempt: 1,
    retried: false,
    parallel: null,
    exitCode: status === "success" ? 0 : status === "failed" ? 1 : null,
    failureReason: status === "failed" ? "script_failure" : null,
    startedAt: status === "created" || status === "pending" || status === "manual" ? null : 1000,
    finishedAt: status === "success" || status === "failed" ? 2500 : null,
    ...extra,
  } as JobRecord;
}

class ScriptedStack implements LocalStack {
  readonly url = "http://127.0.0.1:1/";
  readonly traces = new Map<number, string>();
  readonly jobs = new Map<number, JobRecord>();
  async submit(): Promise<PipelineRecord> {
    return pipeline(1, "pending");
  }
  async readTrace(jobId: number): Promise<string> {
    return this.traces.get(jobId) ?? "";
  }
  readonly pipelines = new Map<number, PipelineRecord>();
  async getPipeline(id: number): Promise<PipelineRecord | undefined> {
    return this.pipelines.get(id);
  }
  async listJobs(pipelineId: number): Promise<readonly JobRecord[]> {
    return [...this.jobs.values()].filter((j) => j.pipelineId === pipelineId);
  }
  async cancel(): Promise<void> {}
  async stop(): Promise<void> {}
}

describe("PipelineWatcher", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "runfleet-watcher-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prints events in order, names child jobs after their trigger, waits for child pipelines", async () => {
    const stack = new ScriptedStack();
    const out: string[] = [];
    const view = new LineView([], { write: (t: string) => out.push(t) }, false);
    const watcher = new PipelineWatcher(stack, view, false);
    const logs = new JobLogs(dir, 1);
    await logs.open();
    // An event before the root pipeline is known waits for start().
    watcher.handle({ type: "job", job: job(10, 1, "build", "running") });
    watcher.start(pipeline(1, "running"), logs);
    stack.traces.set(10, "\x1b[32mbuilt\x1b[0m\n");
    watcher.handle({ type: "job", job: job(10, 1, "build", "success") });
    watcher.handle({ type: "pipeline", pipeline: pipeline(2, "running", [1, 11]) });
    watcher.handle({ type: "job", job: job(11, 1, "trigger", "success") });
    watcher.handle({ type: "pipeline", pipeline: pipeline(1, "success") });
    let ended = false;
    void watcher.done.then(() => {
      ended = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe(false);
    stack.traces.set(20, "child says hi\n");
    watcher.handle({ type: "job", job: job(20, 2, "child", "running") });
    watcher.handle({ type: "job", job: job(20, 2, "child", "failed") });
    watcher.handle({ type: "pipeline", pipeline: pipeline(2, "failed", [1, 11]) });
    expect((await watcher.done).status).toBe("success");
    expect(out.join("")).toBe(
      [
        "build started",
        "build passed (1.5s)",
        "trigger started",
        "trigger passed (1.5s)",
        "[trigger] -> child started",
        "[trigger] -> child failed (exit 1)",
        "",
      ].join("\n"),
    );
    expect(watcher.finalJobs().map((j) => [j.name, j.record.status, j.log !== null])).toEqual([
      ["build", "success", true],
      ["trigger", "success", true],
      ["[trigger] -> child", "failed", true],
    ]);
    expect(await readFile(logs.pathOf("build"), "utf8")).toBe("built\n");
  });

  it("notices a pipeline's end that no event announced", async () => {
    const stack = new ScriptedStack();
    const watcher = new PipelineWatcher(stack, new LineView([], { write: () => 0 }, true), false);
    const logs = new JobLogs(dir, 1);
    await logs.open();
    watcher.start(pipeline(1, "running"), logs);
    stack.pipelines.set(1, pipeline(1, "success"));
    expect((await watcher.done).status).toBe("success");
  });

  it("says a failed attempt will be retried and reports the newest attempt", async () => {
    const stack = new ScriptedStack();
    const out: string[] = [];
    const watcher = new PipelineWatcher(
      stack,
      new LineView([], { write: (t: string) => out.push(t) }, true),
      false,
    );
    const logs = new JobLogs(dir, 1);
    await logs.open();
    watcher.start(pipeline(1, "running"), logs);
    watcher.handle({ type: "job", job: job(1, 1, "flaky", "failed", { retried: true }) });
    watcher.handle({ type: "job", job: job(2, 1, "flaky", "success", { attempt: 2 }) });
    watcher.handle({ type: "pipeline", pipeline: pipeline(1, "success") });
    await watcher.done;
    expect(out.join("")).toContain("flaky failed (exit 1), retrying\n");
    expect(watcher.finalJobs().map((j) => [j.name, j.record.id])).toEqual([["flaky", 2]]);
  });
});
