import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { zipSync } from "fflate";
import { afterEach, describe, expect, it } from "vitest";
import { Coordinator } from "../../src/coordinator/coordinator.js";
import type { JobRecord } from "../../src/coordinator/types.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { planRepo } from "./support/plan-repo.js";
import { freePort, killGroup, type Started, startScript, waitUntil } from "./support/processes.js";
import { cleanup, gitRepo, tempDir } from "./support/temp-repo.js";

// Real processes and real faults: a coordinator SIGKILLed mid-pipeline, a runner SIGKILLed mid-job,
// trace patches hit by 5xx and dropped connections through a proxy, bad tokens, hostile archives.

const undo: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const u of undo.splice(0).reverse()) await u().catch(() => undefined);
});

async function scratch(): Promise<string> {
  const dir = await tempDir("runfleet-reliability-");
  undo.push(() => cleanup(dir));
  return dir;
}
async function repo(files: Record<string, string>): Promise<string> {
  const dir = await gitRepo(files);
  undo.push(() => cleanup(dir));
  return dir;
}
function track(started: Started): Started {
  undo.push(() => killGroup(started.child));
  return started;
}

async function inProcessCoordinator(dir: string, options: { heartbeatTimeoutMs?: number } = {}) {
  const coordinator = await Coordinator.start({
    dbPath: join(dir, "coordinator.db"),
    dataDir: join(dir, "data"),
    longPollMs: 2_000,
    traceUpdateIntervalSeconds: 1,
    watchdogIntervalMs: 200,
    ackTimeoutMs: 5_000,
    timeoutGraceMs: 1_000,
    ...options,
  });
  undo.push(() => coordinator.stop());
  return coordinator;
}

async function submitRepo(coordinator: Coordinator, repoDir: string) {
  const project = await coordinator.registerProject({ repoDir, path: "reliability/project" });
  const { token } = await coordinator.createRunnerToken({ projectId: project.id });
  const { plan, sha, ref } = await planRepo(repoDir);
  const pipeline = await coordinator.submitPipeline({ projectId: project.id, commit: { ref, sha }, plan });
  return { token, pipeline };
}

function lastAttempts(jobs: readonly JobRecord[]): JobRecord[] {
  return jobs.filter((j) => !j.retried);
}

function numberedLines(trace: string, prefix: string): number[] {
  return [...trace.matchAll(new RegExp(`^${prefix} (\\d+)\\r?$`, "gm"))].map((m) => Number(m[1]));
}
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("reliability", () => {
  it("survives a SIGKILLed coordinator: the runner reconnects, no job is lost, traces stay whole", async () => {
    const dir = await scratch();
    const project = await repo({
      ".gitlab-ci.yml": `work:
  parallel: 4
  script:
    - for i in $(seq 1 10); do echo "line $i"; sleep 0.3; done
`,
    });
    const port = await freePort();
    const dbPath = join(dir, "coordinator.db");
    const base = { dbPath, dataDir: join(dir, "data"), port };
    const first = track(await startScript("coordinator-process.ts", { ...base, repo: project }));
    const { url, token, pipelineId } = JSON.parse(first.first) as {
      url: string;
      token: string;
      pipelineId: number;
    };
    track(
      await startScript("runner-process.ts", { url, token, buildsDir: join(dir, "builds"), concurrent: 4 }),
    );

    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    undo.push(async () => {
      db.close();
    });
    const running = () =>
      (db.prepare("SELECT count(*) AS n FROM jobs WHERE status = 'running'").get() as { n: number }).n;
    // Killed while scripts run (their first lines are stored), not while sources are fetched.
    const scripting = () =>
      (
        db
          .prepare(
            "SELECT count(DISTINCT job_id) AS n FROM trace_chunks WHERE CAST(data AS TEXT) LIKE '%line 1%'",
          )
          .get() as { n: number }
      ).n;
    await waitUntil(() => running() === 4 && scripting() === 4, 60_000, "jobs running their scripts");

    await killGroup(first.child);
    await new Promise((r) => setTimeout(r, 1500));
    track(await startScript("coordinator-process.ts", base));

    const status = () =>
      (db.prepare("SELECT status FROM pipelines WHERE id = ?").get(pipelineId) as { status: string }).status;
    await waitUntil(
      () => ["success", "failed", "canceled"].includes(status()),
      120_000,
      "the pipeline to end",
    );
    const firstTrace = (
      db.prepare("SELECT data FROM trace_chunks ORDER BY job_id, offset").all() as { data: Buffer }[]
    )
      .map((r) => r.data.toString("utf8"))
      .join("")
      .slice(0, 3000);
    const all = [
      db.prepare("SELECT name, status, failure_reason, attempt, retried FROM jobs").all(),
      firstTrace,
    ];
    expect(status(), JSON.stringify(all)).toBe("success");
    const jobs = db
      .prepare("SELECT id, name, status, retried FROM jobs WHERE pipeline_id = ? AND retried = 0 ORDER BY id")
      .all(pipelineId) as { id: number; name: string; status: string }[];
    expect(jobs.map((j) => [j.name, j.status])).toEqual(oneTo(4).map((i) => [`work ${i}/4`, "success"]));
    for (const job of jobs) {
      const rows = db
        .prepare("SELECT data FROM trace_chunks WHERE job_id = ? ORDER BY offset")
        .all(job.id) as {
        data: Buffer;
      }[];
      const trace = Buffer.concat(rows.map((r) => r.data)).toString("utf8");
      expect(numberedLines(trace, "line"), `${job.name}\n${trace}`).toEqual(oneTo(10));
    }
  }, 180_000);

  it("fails a job whose runner was SIGKILLed once its heartbeat lapses, or retries it per retry:", async () => {
    const dir = await scratch();
    const marker = join(dir, "retry-marker");
    const project = await repo({
      ".gitlab-ci.yml": `lost:
  script: [sleep 120]
again:
  retry:
    max: 1
    when: [runner_system_failure]
  script:
    - if [ -f "${marker}" ]; then echo "second attempt"; else touch "${marker}"; sleep 120; fi
`,
    });
    const coordinator = await inProcessCoordinator(dir, { heartbeatTimeoutMs: 3_000 });
    const { token, pipeline } = await submitRepo(coordinator, project);
    const args = { url: coordinator.url, token, buildsDir: join(dir, "builds"), concurrent: 2 };
    const runner = track(await startScript("runner-process.ts", args));
    const jobs = () => coordinator.listJobs(pipeline.id);
    await waitUntil(
      async () => (await jobs()).filter((j) => j.status === "running").length === 2 && existsSync(marker),
      60_000,
      "both jobs running",
    );
    await killGroup(runner.child);

    await waitUntil(
      async () =>
        (await jobs()).filter((j) => (j.name === "lost" || j.name === "again") && j.status === "failed")
          .length === 2,
      30_000,
      "both jobs of the killed runner to fail",
    );
    const lost = lastAttempts(await jobs()).find((j) => j.name === "lost");
    expect(lost).toMatchObject({ status: "failed", failureReason: "runner_system_failure" });
    const firstAttempt = (await jobs()).find((j) => j.name === "again" && j.attempt === 1);
    expect(firstAttempt, JSON.stringify(firstAttempt)).toMatchObject({
      status: "failed",
      failureReason: "runner_system_failure",
      retried: true,
    });

    track(await startScript("runner-process.ts", args));
    await waitUntil(
      async () =>
        ["success", "failed", "canceled"].includes(
          (await coordinator.getPipeline(pipeline.id))?.status ?? "",
        ),
      60_000,
      "the pipeline to end",
    );
    const final = lastAttempts(await jobs());
    expect(final.find((j) => j.name === "again")).toMatchObject({ status: "success", attempt: 2 });
    expect((await jobs()).filter((j) => j.status === "running" || j.status === "pending")).toEqual([]);
    const again = final.find((j) => j.name === "again");
    expect(await coordinator.readTrace(again?.id ?? 0)).toContain("second attempt");
  }, 180_000);

  it("loses and doubles no trace byte when patches meet 5xx answers and dropped connections", async () => {
    const dir = await scratch();
    const project = await repo({
      ".gitlab-ci.yml": `chatty:
  script:
    - for i in $(seq 1 150); do echo "row $i"; sleep 0.02; done
`,
    });
    const coordinator = await inProcessCoordinator(dir);
    const { token, pipeline } = await submitRepo(coordinator, project);
    let patches = 0;
    const cycle = ["pass", "status_502", "pass", "drop_after", "pass", "drop_before"] as const;
    const proxy = new FaultProxy(new URL(coordinator.url), (method, path) =>
      method === "PATCH" && path.includes("/trace") ? (cycle[patches++ % cycle.length] ?? "pass") : "pass",
    );
    const proxyUrl = await proxy.start();
    undo.push(() => proxy.stop());
    track(await startScript("runner-process.ts", { url: proxyUrl, token, buildsDir: join(dir, "builds") }));
    await waitUntil(
      async () => ["success", "failed"].includes((await coordinator.getPipeline(pipeline.id))?.status ?? ""),
      90_000,
      "the pipeline to end",
    );
    const [job] = await coordinator.listJobs(pipeline.id);
    expect(job?.status).toBe("success");
    const trace = await coordinator.readTrace(job?.id ?? 0);
    expect(numberedLines(trace, "row")).toEqual(oneTo(150));
    const kinds = new Set(proxy.faults.map((f) => f.fault));
    expect([...kinds].sort()).toEqual(["drop_after", "drop_before", "status_502"]);
  }, 180_000);

  it("answers 403 and nothing else to wrong or revoked tokens", async () => {
    const dir = await scratch();
    const project = await repo({ ".gitlab-ci.yml": "secret-job:\n  script: [echo hidden]\n" });
    const coordinator = await inProcessCoordinator(dir);
    const { token } = await submitRepo(coordinator, project);
    const api = (path: string, init: RequestInit) => fetch(new URL(`api/v4/${path}`, coordinator.url), init);
    const post = (path: string, body: unknown) =>
      api(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    const got = await post("jobs/request", { token });
    expect(got.status).toBe(201);
    const job = (await got.json()) as { id: number; token: string };

    const answers: [string, Response][] = [
      ["request with a wrong runner token", await post("jobs/request", { token: "glrt-not-a-token" })],
      ["verify with a wrong runner token", await post("runners/verify", { token: "glrt-not-a-token" })],
      [
        "trace with a wrong job token",
        await api(`jobs/${job.id}/trace`, {
          method: "PATCH",
          headers: { "JOB-TOKEN": "wrong", "Content-Range": "0-4" },
          body: "hello",
        }),
      ],
      [
        "update with a wrong job token",
        await api(`jobs/${job.id}`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token: "wrong", state: "success" }),
        }),
      ],
      [
        "artifacts with a wrong job token",
        await api(`jobs/${job.id}/artifacts`, { headers: { "JOB-TOKEN": "wrong" } }),
      ],
    ];
    const deleted = await api("runners", {
      method: "DELETE",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    expect(deleted.status).toBe(204);
    answers.push(["request with a revoked runner token", await post("jobs/request", { token })]);
    for (const [what, res] of answers) {
      const body = await res.text();
      expect(res.status, what).toBe(403);
      expect(body, what).not.toMatch(/secret-job|hidden|glrt-|"id"/);
    }
  }, 60_000);

  it("refuses an artifact archive whose entries climb out of their directory", async () => {
    const dir = await scratch();
    const project = await repo({ ".gitlab-ci.yml": "producer:\n  script: [echo]\n" });
    const coordinator = await inProcessCoordinator(dir);
    const { token } = await submitRepo(coordinator, project);
    const got = await fetch(new URL("api/v4/jobs/request", coordinator.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    const job = (await got.json()) as { id: number; token: string };
    await fetch(new URL(`api/v4/jobs/${job.id}`, coordinator.url), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: job.token, state: "running" }),
    });
    const upload = (zip: Uint8Array) => {
      const boundary = "----runfleet-test";
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="artifacts.zip"\r\nContent-Type: application/zip\r\n\r\n`;
      const body = Buffer.concat([
        Buffer.from(head),
        Buffer.from(zip),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return fetch(
        new URL(`api/v4/jobs/${job.id}/artifacts?artifact_format=zip&artifact_type=archive`, coordinator.url),
        {
          method: "POST",
          headers: { "JOB-TOKEN": job.token, "content-type": `multipart/form-data; boundary=${boundary}` },
          body,
        },
      );
    };
    for (const name of ["../../escape.txt", "/etc/escape.txt", "ok/../../escape.txt"]) {
      const res = await upload(zipSync({ [name]: new TextEncoder().encode("x") }));
      expect(res.status, name).toBeGreaterThanOrEqual(400);
      expect(res.status, name).toBeLessThan(500);
    }
    expect(existsSync(join(dir, "escape.txt"))).toBe(false);
    const fine = await upload(zipSync({ "out/result.txt": new TextEncoder().encode("x") }));
    expect(fine.status).toBe(201);
  }, 60_000);
});
