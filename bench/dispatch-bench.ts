/**
 * Jobs per second through the coordinator's HTTP API over loopback. The coordinator runs in this
 * process; a second process plays N runner managers with a minimal no-op protocol client: request →
 * PUT running → PATCH trace → PUT success. One pipeline of `--jobs` jobs (`needs: []`, all queued at
 * once) is timed from submission until the pipeline has finished.
 *
 *   tsx bench/dispatch-bench.ts [--jobs 5000] [--pollers 16]
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { SubmittedJob } from "../src/coordinator/index.js";
import { Coordinator, isPipelineFinished } from "../src/coordinator/index.js";

interface ClientConfig {
  readonly url: string;
  readonly token: string;
  readonly pollers: number;
  readonly jobs: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function call(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent, headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function pollerLoop(cfg: ClientConfig, id: number, done: { count: number }): Promise<void> {
  const base = new URL("api/v4/", cfg.url);
  const json = { "Content-Type": "application/json" };
  while (done.count < cfg.jobs) {
    const r = await call(
      new URL("jobs/request", base),
      "POST",
      json,
      JSON.stringify({ token: cfg.token, system_id: `s_bench${id}` }),
    );
    if (r.status !== 201) continue;
    const job = JSON.parse(r.text) as { id: number; token: string };
    const jobUrl = new URL(`jobs/${job.id}`, base);
    const auth = { ...json, "JOB-TOKEN": job.token };
    await call(jobUrl, "PUT", auth, JSON.stringify({ token: job.token, state: "running" }));
    const trace = "ok\n";
    await call(
      new URL(`jobs/${job.id}/trace`, base),
      "PATCH",
      { "JOB-TOKEN": job.token, "Content-Range": `0-${trace.length - 1}` },
      trace,
    );
    await call(jobUrl, "PUT", auth, JSON.stringify({ token: job.token, state: "success" }));
    done.count++;
  }
}

async function runClients(cfg: ClientConfig): Promise<void> {
  const done = { count: 0 };
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: cfg.pollers }, (_, i) => pollerLoop(cfg, i, done)));
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    `dispatch: client CPU ${((used.user + used.system) / 1000 / cfg.jobs).toFixed(2)} ms/job\n`,
  );
}

function job(i: number, total: number): SubmittedJob {
  return {
    name: `echo ${i + 1}/${total}`,
    stage: "test",
    needs: [],
    dependencies: null,
    when: "on_success",
    startInSeconds: 0,
    allowFailure: false,
    allowFailureExitCodes: [],
    retry: { max: 0, when: [], exitCodes: [] },
    timeoutSeconds: 3600,
    tags: [],
    parallel: { index: i + 1, total },
    spec: {
      beforeScript: [],
      script: ["echo"],
      afterScript: [],
      image: null,
      services: [],
      artifacts: [],
      cache: [],
      variables: [],
    },
    trigger: null,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      jobs: { type: "string", default: "5000" },
      pollers: { type: "string", default: "16" },
      client: { type: "string" },
    },
  });
  if (values.client !== undefined) {
    await runClients(JSON.parse(values.client) as ClientConfig);
    return;
  }
  const jobs = Number(values.jobs);
  const pollers = Number(values.pollers);
  const dir = mkdtempSync(join(tmpdir(), "runfleet-dispatch-bench-"));
  const repo = join(dir, "repo");
  execFileSync("git", ["init", "-q", "-b", "main", repo]);
  writeFileSync(join(repo, "f"), "x");
  execFileSync("git", ["-C", repo, "add", "f"]);
  execFileSync("git", ["-C", repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "x"]);
  const sha = execFileSync("git", ["-C", repo, "rev-parse", "HEAD"]).toString().trim();
  const coordinator = await Coordinator.start({
    dbPath: join(dir, "db.sqlite"),
    dataDir: join(dir, "data"),
    longPollMs: 1000,
  });
  try {
    const project = await coordinator.registerProject({ repoDir: repo, path: "bench/app" });
    const { token } = await coordinator.createRunnerToken();
    const cfg: ClientConfig = { url: coordinator.url, token, pollers, jobs };
    const clients = spawn(
      process.execPath,
      ["--import", "tsx", new URL(import.meta.url).pathname, "--client", JSON.stringify(cfg)],
      {
        stdio: "inherit",
      },
    );
    const finished = new Promise<void>((resolve) => {
      const off = coordinator.subscribe((e) => {
        if (e.type === "pipeline" && isPipelineFinished(e.pipeline.status)) {
          off();
          resolve();
        }
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await coordinator.submitPipeline({
      projectId: project.id,
      commit: { ref: "main", sha },
      plan: { stages: ["test"], variables: [], jobs: Array.from({ length: jobs }, (_, i) => job(i, jobs)) },
    });
    await finished;
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMsPerJob = (cpu.user + cpu.system) / 1000 / jobs;
    // The pollers stop after their last long poll and report their own CPU.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        clients.kill("SIGKILL");
        resolve();
      }, 5000);
      clients.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const rss = process.memoryUsage().rss / 1024 / 1024;
    process.stdout.write(
      `dispatch: ${jobs} jobs, ${pollers} pollers, ${seconds.toFixed(2)} s, ${Math.round(jobs / seconds)} jobs/s (goal 2000), coordinator RSS ${rss.toFixed(0)} MB\n` +
        // Wall time depends on what else the machine runs; CPU per job is the coordinator's own cost.
        `dispatch: coordinator CPU ${cpuMsPerJob.toFixed(2)} ms/job = ${Math.round(1000 / cpuMsPerJob)} jobs/s per core; load average ${(await import("node:os")).loadavg()[0]?.toFixed(1)}\n`,
    );
  } finally {
    await coordinator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
