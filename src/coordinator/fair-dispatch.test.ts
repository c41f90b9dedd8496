import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { submittedJob } from "./testing/job-fixtures.js";
import { ProtocolClient } from "./testing/protocol-client.js";
import { startTestCoordinator, type TestSetup } from "./testing/test-coordinator.js";

function parallelJobs(count: number) {
  return Array.from({ length: count }, (_, i) =>
    submittedJob(`shard ${i + 1}/${count}`, { parallel: { index: i + 1, total: count } }),
  );
}

describe("fair dispatch between runner managers", () => {
  let t: TestSetup;
  beforeEach(async () => {
    t = await startTestCoordinator({ longPollMs: 1500 });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  /** One manager's poll loop: take a job, acknowledge it, ask again at once (it runs in the background). */
  async function pollLoop(
    client: ProtocolClient,
    got: number[],
    stop: () => boolean,
    delayMs = 0,
  ): Promise<void> {
    while (!stop()) {
      const r = await client.requestJob();
      if (r.status !== 201) continue;
      const job = JSON.parse(r.text) as { id: number; token: string };
      got.push(job.id);
      await client.update(job.id, job.token, { state: "running" });
      if (delayMs > 0) await new Promise((res) => setTimeout(res, delayMs));
    }
  }

  it("spreads a parallel job over every polling manager, parked long polls included", async () => {
    const total = 30;
    const managers = ["s_a", "s_b", "s_c"].map(
      (id) => new ProtocolClient(t.coordinator.url, t.runnerToken, id),
    );
    const got: number[][] = managers.map(() => []);
    const handed = () => got.reduce((n, g) => n + g.length, 0);
    // b and c park first; a joins when the jobs exist, in a tight loop like a greedy manager.
    const loops = [1, 2].map((i) =>
      pollLoop(managers[i] as ProtocolClient, got[i] as number[], () => handed() >= total),
    );
    await new Promise((r) => setTimeout(r, 100));
    await t.submit({ stages: ["test"], variables: [], jobs: parallelJobs(total) });
    loops.push(pollLoop(managers[0] as ProtocolClient, got[0] as number[], () => handed() >= total));
    await Promise.all(loops);
    const counts = got.map((g) => g.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
    for (const c of counts) expect(c).toBeGreaterThanOrEqual(8);
    expect(new Set(got.flat()).size).toBe(total);
  });

  it("serves a manager that waited before one that was just served, whoever asked first", async () => {
    const a = new ProtocolClient(t.coordinator.url, t.runnerToken, "s_a");
    const b = new ProtocolClient(t.coordinator.url, t.runnerToken, "s_b");
    await t.submit({ stages: ["test"], variables: [], jobs: parallelJobs(1) });
    const first = await a.requestJob();
    expect(first.status).toBe(201);
    // a asks again first, b right after; the next job goes to b, who has not been served yet.
    const aAgain = a.requestJob();
    await new Promise((r) => setTimeout(r, 50));
    const bWaiting = b.requestJob();
    await new Promise((r) => setTimeout(r, 50));
    await t.submit({ stages: ["test"], variables: [], jobs: parallelJobs(1) });
    expect((await bWaiting).status).toBe(201);
    expect((await aAgain).status).toBe(204);
  });

  it("keeps jobs beyond every runner's capacity queued, never failed", async () => {
    const pid = await t.submit({ stages: ["test"], variables: [], jobs: parallelJobs(10) });
    const client = new ProtocolClient(t.coordinator.url, t.runnerToken);
    for (let i = 0; i < 2; i++) {
      const j = await client.nextJob();
      await client.update(j.id, j.token, { state: "running" });
    }
    await new Promise((r) => setTimeout(r, 500));
    const jobs = await t.coordinator.listJobs(pid);
    expect(jobs.filter((j) => j.status === "running")).toHaveLength(2);
    expect(jobs.filter((j) => j.status === "pending" && j.runnerId === null)).toHaveLength(8);
    expect((await t.coordinator.getPipeline(pid))?.status).toBe("running");
  });

  it("gives tagged jobs only to runners with those tags; untagged ones to run_untagged runners", async () => {
    const tagged = await t.coordinator.createRunnerToken({ tags: ["gpu"], runUntagged: false });
    const gpu = new ProtocolClient(t.coordinator.url, tagged.token, "s_gpu");
    const plain = new ProtocolClient(t.coordinator.url, t.runnerToken, "s_plain");
    await t.submit({
      stages: ["test"],
      variables: [],
      jobs: [submittedJob("train", { tags: ["gpu"] }), submittedJob("lint")],
    });
    const g = await gpu.nextJob();
    expect(g.job_info.name).toBe("train");
    expect((await gpu.requestJob()).status).toBe(204);
    const p = await plain.nextJob();
    expect(p.job_info.name).toBe("lint");
  });
});
