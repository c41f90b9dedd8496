/**
 * `npm run bench:dispatch`: jobs per second through the coordinator AND the real RunnerManager over
 * loopback — request, acknowledge, trace, final update, every protocol step the runner takes — with a
 * no-op executor, so what is measured is dispatch, not job work. The coordinator runs in this process,
 * the runner manager in a child process (as in a deployment). A pipeline of `--jobs` instances
 * (`parallel`, no stage waits) is timed from submission to its end, `--rounds` times on the same
 * coordinator and runner: the first round is cold (V8 still compiling the hot paths, connections being
 * opened), the later ones show what a long-running coordinator sustains; both are printed.
 * `npm run bench:dispatch` compiles it with tsc first and runs the JavaScript, as the product is run
 * (`tsx` works too, but its loader wraps every function it defines and costs ~10-15% here).
 *
 *   tsx bench/dispatch-runner-bench.ts [--jobs 2000] [--concurrent 64] [--requests 16] [--rounds 5]
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadCiConfig } from "../src/config/index.js";
import { Coordinator } from "../src/coordinator/coordinator.js";
import type { Executor, JobEnvironment, StageOutcome } from "../src/executors/index.js";
import { type PipelinePlan, planPipeline } from "../src/plan/index.js";
import { RunnerManager } from "../src/runner/index.js";

/** CPU time (user + system) of a process and all its descendants (tsx runs the script in a child), from /proc. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const own = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(" ")
      .filter(Boolean);
    return own + children.reduce((sum, child) => sum + processCpuMs(Number(child)), 0);
  } catch {
    return 0;
  }
}

const OK: StageOutcome = { kind: "exited", exitCode: 0 };

/** Runs nothing: every stage succeeds at once. */
const noopExecutor: Executor = {
  name: "noop",
  async prepare(): Promise<JobEnvironment> {
    return {
      shell: "bash",
      buildsDir: "/nonexistent/builds",
      projectDir: "/nonexistent/builds/project",
      tempDir: "/nonexistent/builds/project.tmp",
      hostProjectDir: "/nonexistent/builds/project",
      shared: true,
      getSources: async () => OK,
      runScript: async (_stage, _script, io) => {
        io.sink(Buffer.from("ok\n"));
        return OK;
      },
      cleanup: async () => {},
    };
  },
};

interface RunnerArgs {
  readonly url: string;
  readonly token: string;
  readonly concurrent: number;
  readonly requests: number;
}

function runnerRole(args: RunnerArgs): void {
  const manager = new RunnerManager({
    executorFor: () => noopExecutor,
    config: {
      concurrent: args.concurrent,
      checkInterval: 1,
      logLevel: "error",
      runners: [
        {
          name: "bench",
          url: args.url,
          token: args.token,
          executor: "noop",
          limit: args.concurrent,
          requestConcurrency: args.requests,
          buildsDir: undefined,
          cacheDir: undefined,
          environment: [],
          outputLimitKb: 4096,
          customBuildDirEnabled: false,
          cache: {},
          executorSection: {},
        },
      ],
    },
  });
  manager.start();
  process.on("SIGTERM", () => {
    void manager.stop().then(() => process.exit(0));
  });
}

interface RoundResult {
  readonly jobs: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly end: string;
  readonly coordinatorMs: number;
  readonly runnerMs: number;
  readonly queuedMs: number;
  readonly ackMs: number;
  readonly runMs: number;
}

/** Submits one pipeline of the planned fan-out and times it from submission to its end. */
async function timeRound(
  coordinator: Coordinator,
  runnerPid: number | undefined,
  projectId: number,
  sha: string,
  plan: PipelinePlan,
): Promise<RoundResult> {
  const runnerCpuBefore = processCpuMs(runnerPid);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const pipeline = await coordinator.submitPipeline({ projectId, commit: { ref: "main", sha }, plan });
  const end = await new Promise<string>((resolve) => {
    const stop = coordinator.subscribe((e) => {
      if (
        e.type === "pipeline" &&
        e.pipeline.id === pipeline.id &&
        ["success", "failed", "canceled"].includes(e.pipeline.status)
      ) {
        stop();
        resolve(e.pipeline.status);
      }
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const n = plan.jobs.length;
  const cpu = process.cpuUsage(cpuBefore);
  // Where a job's time goes: waiting in the queue, handed out but not yet acknowledged, running.
  const records = await coordinator.listJobs(pipeline.id);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const span = (
    from: (j: (typeof records)[number]) => number | null,
    to: (j: (typeof records)[number]) => number | null,
  ) => median(records.map((j) => (to(j) ?? 0) - (from(j) ?? 0)));
  return {
    jobs: n,
    seconds,
    perSecond: n / seconds,
    end,
    coordinatorMs: (cpu.user + cpu.system) / 1000 / n,
    runnerMs: (processCpuMs(runnerPid) - runnerCpuBefore) / n,
    queuedMs: span(
      (j) => j.queuedAt,
      (j) => j.assignedAt,
    ),
    ackMs: span(
      (j) => j.assignedAt,
      (j) => j.startedAt,
    ),
    runMs: span(
      (j) => j.startedAt,
      (j) => j.finishedAt,
    ),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      jobs: { type: "string", default: "2000" },
      concurrent: { type: "string", default: "64" },
      requests: { type: "string", default: "16" },
      rounds: { type: "string", default: "5" },
    },
  });
  const jobs = Number(values.jobs);
  const concurrent = Number(values.concurrent);
  const requests = Number(values.requests);
  const rounds = Math.max(1, Number(values.rounds));
  const dir = mkdtempSync(join(tmpdir(), "runfleet-dispatch-"));
  const repo = join(dir, "repo");
  execFileSync("git", ["init", "-q", "-b", "main", repo]);
  const copies = Math.ceil(jobs / 200);
  const yaml = Array.from(
    { length: copies },
    (_, i) => `fan-${i}:\n  parallel: ${Math.min(200, jobs - i * 200)}\n  script: [echo]\n`,
  ).join("");
  writeFileSync(join(repo, ".gitlab-ci.yml"), yaml);
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "b",
    GIT_AUTHOR_EMAIL: "b@b",
    GIT_COMMITTER_NAME: "b",
    GIT_COMMITTER_EMAIL: "b@b",
  };
  execFileSync("git", ["add", "-A"], { cwd: repo });
  execFileSync("git", ["commit", "-q", "-m", "bench"], { cwd: repo, env });
  const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repo, encoding: "utf8" }).trim();

  const coordinator = await Coordinator.start({ dbPath: join(dir, "c.db"), dataDir: join(dir, "data") });
  const project = await coordinator.registerProject({ repoDir: repo, path: "bench/dispatch" });
  const { token } = await coordinator.createRunnerToken({ projectId: project.id });
  const { config } = await loadCiConfig({ file: ".gitlab-ci.yml", projectDir: repo });
  const planned = planPipeline(config, {
    ref: "main",
    refType: "branch",
    sha,
    beforeSha: "0".repeat(40),
    source: "push",
    defaultBranch: "main",
    repositoryFiles: [".gitlab-ci.yml"],
    variables: {},
    projectPath: "bench/dispatch",
  });
  if (planned.kind !== "pipeline") throw new Error("no pipeline planned");

  const self = fileURLToPath(import.meta.url);
  const runnerArgs: RunnerArgs = { url: coordinator.url, token, concurrent, requests };
  // The same node with the same flags (tsx's loader, and --cpu-prof when profiling) runs the runner role.
  const runner = spawn(
    process.execPath,
    [...process.execArgv, self, "--role-runner", JSON.stringify(runnerArgs)],
    {
      stdio: "inherit",
    },
  );
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const results: RoundResult[] = [];
    for (let round = 1; round <= rounds; round++) {
      const result = await timeRound(coordinator, runner.pid, project.id, sha, planned.plan);
      results.push(result);
      process.stdout.write(
        `round ${round}${round === 1 ? " (cold: JIT warming up)" : ""}: ${result.jobs} jobs in ` +
          `${result.seconds.toFixed(2)} s = ${result.perSecond.toFixed(0)} jobs/s, pipeline ${result.end}; ` +
          `CPU per job coordinator ${result.coordinatorMs.toFixed(2)} ms, runner manager ` +
          `${result.runnerMs.toFixed(2)} ms; median queued→assigned ${result.queuedMs} ms, ` +
          `assigned→running ${result.ackMs} ms, running→finished ${result.runMs} ms\n`,
      );
    }
    const [cold, ...warm] = results;
    const best = warm.reduce<RoundResult | undefined>(
      (a, b) => (a === undefined || b.perSecond > a.perSecond ? b : a),
      undefined,
    );
    const shown = best ?? cold;
    if (shown === undefined) return;
    process.stdout.write(
      `dispatch through coordinator + RunnerManager (no-op executor), concurrent ${concurrent}, ` +
        `${requests} requests in flight:\n` +
        `  ${best === undefined ? "cold" : `warm (best of rounds 2-${rounds})`}: ` +
        `${shown.perSecond.toFixed(0)} jobs/s (goal 2,000/s); cold first round ${cold?.perSecond.toFixed(0)} jobs/s\n` +
        `  CPU per job: coordinator ${shown.coordinatorMs.toFixed(2)} ms, runner manager ` +
        `${shown.runnerMs.toFixed(2)} ms (so ${(1000 / (shown.coordinatorMs + shown.runnerMs)).toFixed(0)} jobs/s ` +
        `per core if both shared one; load average ${loadavg()[0]?.toFixed(1)})\n`,
    );
  } finally {
    runner.kill("SIGTERM");
    await new Promise((r) => runner.once("exit", r));
    await coordinator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const roleIndex = process.argv.indexOf("--role-runner");
if (roleIndex >= 0) runnerRole(JSON.parse(process.argv[roleIndex + 1] ?? "{}") as RunnerArgs);
else await main();
