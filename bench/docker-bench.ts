/**
 * `npm run bench:docker`: the docker executor's per-job overhead (prepare → one stage container →
 * exit → cleanup) against a bare `podman run --rm` of the same image and command, side by side, runs
 * interleaved so both see the same machine load (goal ≤ 1.3×); then BENCH_PARALLEL (50) container jobs
 * at once, every fifth with a service (so a network of its own), and a check that no container or
 * network of them is left on the engine.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DockerExecutor, HttpDockerClient, parseDockerHost } from "../src/executors/docker/index.js";
import type { JobPayload } from "../src/protocol/index.js";

const run = promisify(execFile);
const DOCKER_HOST = process.env.DOCKER_HOST ?? "unix:///run/runfleet/podman.sock";
const IMAGE = process.env.BENCH_IMAGE ?? "localhost/runfleet-test/busybox:latest";
const SERVICE_IMAGE = "localhost/runfleet-test/http-service:latest";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 50);
const SCRIPT = "echo hello from the job";

let nextId = 1;
function payload(services: JobPayload["services"] = []): JobPayload {
  const id = nextId++;
  return {
    id,
    token: `bench-${id}`,
    allow_git_fetch: true,
    job_info: { id, name: "bench", stage: "test", pipeline_id: 1, project_id: 1, project_name: "bench" },
    git_info: {
      repo_url: "",
      ref: "main",
      sha: "",
      before_sha: "",
      ref_type: "branch",
      refspecs: [],
      depth: 0,
    },
    runner_info: { timeout: 600 },
    variables: [],
    steps: [],
    image: { name: IMAGE },
    services,
    artifacts: [],
    cache: [],
    credentials: [],
    dependencies: [],
    features: { trace_sections: false, failure_reasons: [] },
  };
}

async function executorJob(
  executor: DockerExecutor,
  slot: number,
  services: JobPayload["services"] = [],
): Promise<string> {
  const env = await executor.prepare({ payload: payload(services), slot, runnerShortToken: "bench" });
  const out: Uint8Array[] = [];
  try {
    const outcome = await env.runScript("step_script", `set -e\n${SCRIPT}\n`, {
      sink: (c) => out.push(c),
      signal: new AbortController().signal,
      deadline: Date.now() + 600_000,
    });
    if (outcome.kind !== "exited" || outcome.exitCode !== 0)
      throw new Error(`job ended ${JSON.stringify(outcome)}`);
  } finally {
    await env.cleanup();
  }
  return Buffer.concat(out).toString();
}

async function bareRun(): Promise<string> {
  const { stdout } = await run("podman", ["run", "--rm", IMAGE, "sh", "-c", SCRIPT]);
  return stdout;
}

async function timed(fn: () => Promise<string>): Promise<number> {
  const started = performance.now();
  const out = await fn();
  if (!out.includes("hello from the job")) throw new Error(`unexpected output: ${out}`);
  return performance.now() - started;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

const ms = (v: number): string => `${v.toFixed(0)} ms`.padStart(9);

async function main(): Promise<void> {
  const buildsDir = mkdtempSync(join(tmpdir(), "runfleet-docker-bench-"));
  const client = new HttpDockerClient(parseDockerHost(DOCKER_HOST));
  const executor = new DockerExecutor(
    { buildsDir, section: {} },
    { defaultPullPolicy: "if-not-present", env: { ...process.env, DOCKER_HOST } },
  );
  try {
    await client.ping();
    // Warm-up: first runs pay for image layers and caches on both sides.
    await timed(() => executorJob(executor, 0));
    await timed(bareRun);
    const bare: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      bare.push(await timed(bareRun));
      ours.push(await timed(() => executorJob(executor, 0)));
    }
    const ratio = median(ours) / median(bare);
    console.log(`per-job overhead, ${ROUNDS} rounds of \`${SCRIPT}\` in ${IMAGE} (interleaved)`);
    console.log(`                      median      mean       min       max`);
    const row = (name: string, v: number[]) =>
      console.log(
        `${name.padEnd(20)}${ms(median(v))} ${ms(v.reduce((a, b) => a + b, 0) / v.length)} ${ms(Math.min(...v))} ${ms(Math.max(...v))}`,
      );
    row("podman run --rm", bare);
    row("docker executor", ours);
    console.log(`ratio (median): ${ratio.toFixed(2)}× (goal ≤ 1.30×) ${ratio <= 1.3 ? "met" : "NOT met"}`);

    console.log(`\n${PARALLEL} container jobs in parallel (every fifth with a service and its own network)`);
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: PARALLEL }, (_, i) =>
        executorJob(executor, i, i % 5 === 4 ? [{ name: SERVICE_IMAGE, alias: "web" }] : []),
      ),
    );
    const wall = performance.now() - started;
    const failed = results.filter((r) => r.status === "rejected");
    for (const f of failed.slice(0, 3)) console.log(`  failed: ${(f as PromiseRejectedResult).reason}`);
    const leftContainers = await client.listContainers("io.runfleet.managed", "true");
    const leftNetworks = await client.listNetworks("io.runfleet.managed", "true");
    console.log(
      `wall time ${(wall / 1000).toFixed(1)} s, ${PARALLEL - failed.length} succeeded, ${failed.length} failed`,
    );
    console.log(
      `left on the engine: ${leftContainers.length} containers, ${leftNetworks.length} networks (goal 0 and 0)`,
    );
    if (failed.length > 0 || leftContainers.length > 0 || leftNetworks.length > 0) process.exitCode = 1;
  } finally {
    await executor.close();
    client.close();
    rmSync(buildsDir, { recursive: true, force: true });
  }
}

await main();
