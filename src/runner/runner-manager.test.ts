import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EMPTY_SPEC, submittedJob } from "../coordinator/testing/job-fixtures.js";
import { startTestCoordinator, type TestSetup } from "../coordinator/testing/test-coordinator.js";
import type { RunnerEntryConfig, RunnerManagerConfig } from "./config.js";
import { type JobEndEvent, RunnerManager } from "./runner-manager.js";

const dir = mkdtempSync(join(tmpdir(), "runner-manager-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function entry(url: string, token: string, overrides: Partial<RunnerEntryConfig> = {}): RunnerEntryConfig {
  return {
    name: "test",
    url,
    token,
    executor: "shell",
    limit: 0,
    requestConcurrency: 1,
    buildsDir: join(dir, "builds"),
    cacheDir: join(dir, "cache"),
    environment: [],
    outputLimitKb: 4096,
    customBuildDirEnabled: false,
    cache: {},
    executorSection: {},
    ...overrides,
  };
}

function config(runners: RunnerEntryConfig[], concurrent: number): RunnerManagerConfig {
  return { concurrent, checkInterval: 1, logLevel: "error", runners };
}

/** Peak number of jobs running at once, from the manager's events. */
function trackPeak(manager: RunnerManager): { peak: () => number; ended: JobEndEvent[] } {
  let now = 0;
  let peak = 0;
  const ended: JobEndEvent[] = [];
  manager.on("job-start", () => {
    now++;
    peak = Math.max(peak, now);
  });
  manager.on("job-end", (e) => {
    now--;
    ended.push(e);
  });
  return { peak: () => peak, ended };
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("RunnerManager against a coordinator", () => {
  let t: TestSetup;
  let manager: RunnerManager | undefined;
  beforeAll(async () => {
    t = await startTestCoordinator({ longPollMs: 1000, traceUpdateIntervalSeconds: 1 });
  });
  afterEach(async () => {
    await manager?.stop();
    manager = undefined;
  });
  afterAll(() => t.cleanup());

  const sleepy = (n: number, script = ["sleep 0.4"]) =>
    Array.from({ length: n }, (_, i) => submittedJob(`job-${i}`, { spec: { ...EMPTY_SPEC, script } }));

  it("never runs more than an entry's limit, and runs every job", async () => {
    manager = new RunnerManager({
      config: config([entry(t.coordinator.url, t.runnerToken, { limit: 2, requestConcurrency: 2 })], 4),
      log: () => undefined,
      traceIntervalMs: 200,
    });
    const { peak, ended } = trackPeak(manager);
    manager.start();
    await t.submit({ stages: ["test"], variables: [], jobs: sleepy(6) });
    await waitUntil(() => ended.length === 6);
    expect(peak()).toBe(2);
    expect(ended.every((e) => e.state === "success" && e.exitCode === 0)).toBe(true);
  });

  it("never runs more than `concurrent` over all entries", async () => {
    const second = await t.coordinator.createRunnerToken();
    manager = new RunnerManager({
      config: config(
        [
          entry(t.coordinator.url, t.runnerToken, { name: "a", limit: 2 }),
          entry(t.coordinator.url, second.token, { name: "b", limit: 2 }),
        ],
        3,
      ),
      log: () => undefined,
      traceIntervalMs: 200,
    });
    const { peak, ended } = trackPeak(manager);
    manager.start();
    await t.submit({ stages: ["test"], variables: [], jobs: sleepy(9) });
    await waitUntil(() => ended.length === 9);
    expect(peak()).toBe(3);
    expect(new Set(ended.map((e) => e.runner))).toEqual(new Set(["a", "b"]));
    // Slots are reused per entry: never more than its limit.
    expect(Math.max(...ended.map((e) => e.slot))).toBeLessThan(2);
  });

  it("reports job end events with state, reason and exit code", async () => {
    manager = new RunnerManager({
      config: config([entry(t.coordinator.url, t.runnerToken)], 1),
      log: () => undefined,
      traceIntervalMs: 200,
    });
    const { ended } = trackPeak(manager);
    manager.start();
    await t.submit({
      stages: ["test"],
      variables: [],
      jobs: [
        submittedJob("bad", { spec: { ...EMPTY_SPEC, image: { name: "alpine:3" }, script: ["exit 4"] } }),
      ],
    });
    await waitUntil(() => ended.length === 1);
    expect(ended[0]).toMatchObject({
      name: "bad",
      stage: "test",
      state: "failed",
      failureReason: "script_failure",
      exitCode: 4,
    });
    // The shell executor cannot honour `image:` and says so in one line.
    expect(await t.coordinator.readTrace(ended[0]?.jobId ?? 0)).toContain(
      'Job image "alpine:3" ignored: the shell executor runs jobs on this machine',
    );
  });

  it("survives a coordinator restart mid-job: the job ends, its trace intact", async () => {
    manager = new RunnerManager({
      config: config([entry(t.coordinator.url, t.runnerToken)], 1),
      log: () => undefined,
      traceIntervalMs: 100,
    });
    const { ended } = trackPeak(manager);
    manager.start();
    const pipeline = await t.submit({
      stages: ["test"],
      variables: [],
      jobs: [
        submittedJob("long", {
          spec: { ...EMPTY_SPEC, script: ["echo before-restart", "sleep 2", "echo after-restart"] },
        }),
      ],
    });
    await waitUntil(async () => (await t.coordinator.listJobs(pipeline))[0]?.status === "running");
    await new Promise((r) => setTimeout(r, 400));
    await t.restart();
    await waitUntil(() => ended.length === 1);
    const [job] = await t.coordinator.listJobs(pipeline);
    expect(job?.status).toBe("success");
    const trace = await t.coordinator.readTrace(job?.id ?? 0);
    expect(trace.match(/^before-restart$/gm)).toHaveLength(1);
    expect(trace.match(/^after-restart$/gm)).toHaveLength(1);
    expect(trace).toContain("Job succeeded");
  });
});

describe("RunnerManager request loop", () => {
  let server: Server;
  let url: string;
  let open = 0;
  let peakOpen = 0;
  let requests = 0;
  let status = 204;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (req.url?.endsWith("/runners/verify")) return void res.writeHead(200).end("{}");
      requests++;
      open++;
      peakOpen = Math.max(peakOpen, open);
      // Holds the request like a long poll, then answers.
      setTimeout(() => {
        open--;
        res.writeHead(status, { "X-GitLab-Last-Update": "1" }).end();
      }, 300);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  it("keeps request_concurrency requests in flight", async () => {
    status = 204;
    peakOpen = 0;
    const manager = new RunnerManager({
      config: config([entry(url, "t", { requestConcurrency: 3 })], 5),
      log: () => undefined,
    });
    manager.start();
    await new Promise((r) => setTimeout(r, 500));
    await manager.stop();
    expect(peakOpen).toBe(3);
  });

  it("does not hammer a coordinator that answers 403", async () => {
    status = 403;
    requests = 0;
    const logs: string[] = [];
    const manager = new RunnerManager({ config: config([entry(url, "t")], 1), log: (_l, m) => logs.push(m) });
    manager.start();
    await new Promise((r) => setTimeout(r, 1200));
    await manager.stop();
    expect(requests).toBeLessThanOrEqual(2);
    expect(logs.some((m) => m.includes("forbidden (403)"))).toBe(true);
  });
});
