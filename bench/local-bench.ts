/**
 * `npm run bench:local`: the same generated repository (5 jobs × `parallel: 200` of `echo`) run by
 * `runfleet run` and by gitlab-ci-local (shell executor), side by side, each run BENCH_RUNS times
 * (alternating, best wall time counts, the load average printed beside each run since the machine may
 * be shared): wall time, CPU time per job (the tool and every process it waited for), and memory sampled
 * from /proc — the tool's own process peak (VmHWM), and the whole process tree's peak PSS (shared pages
 * split between their sharers: what the run costs the machine) and summed RSS (shared pages counted in
 * every process). Goals: ≥ 4× faster, < 120 MB of tree PSS. BENCH_CONCURRENCY passes `--concurrency`.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const JOBS = Number(process.env.BENCH_JOBS ?? 5);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SAMPLE_MS = 50;
/** Every how many samples the tree's PSS is read. */
const PSS_EVERY = 4;

function pipelineYaml(): string {
  const jobs = Array.from(
    { length: JOBS },
    (_, i) =>
      `job-${i + 1}:\n  stage: test\n  parallel: ${PARALLEL}\n  script:\n    - echo "job ${i + 1} node $CI_NODE_INDEX of $CI_NODE_TOTAL"\n`,
  );
  return `stages: [test]\n\n${jobs.join("\n")}`;
}

function makeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "runfleet-bench-"));
  writeFileSync(join(dir, ".gitlab-ci.yml"), pipelineYaml());
  writeFileSync(join(dir, ".gitignore"), ".runfleet/\n.gitlab-ci-local/\n");
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "b",
    GIT_AUTHOR_EMAIL: "b@b",
    GIT_COMMITTER_NAME: "b",
    GIT_COMMITTER_EMAIL: "b@b",
  };
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir });
  execFileSync("git", ["add", "-A"], { cwd: dir });
  execFileSync("git", ["commit", "-q", "-m", "bench"], { cwd: dir, env });
  return dir;
}

/** The pids of `root` and all its descendants, read from /proc. */
function treePids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const pids: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() ?? 0;
    pids.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return pids;
}

/** A `kB` field of a /proc file (`VmRSS`, `VmHWM`, `Pss`…) in bytes; 0 when the process is gone. */
function procKb(path: string, field: string): number {
  try {
    const m = readFileSync(path, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system, ms) of this process's waited-for children: a tool and all it waited for. */
function childrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // cutime and cstime are fields 16 and 17 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

interface Measured {
  readonly tool: string;
  readonly code: number | null;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Peak of the tool's own (first) process: VmHWM. */
  readonly mainPeak: number;
  /** Peak of the summed RSS of the whole tree: shared pages counted once per process. */
  readonly treeRssPeak: number;
  /** Peak of the summed PSS of the whole tree: shared pages split between their sharers. */
  readonly treePssPeak: number;
  readonly load: string;
  readonly tail: string;
}

function measure(
  tool: string,
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Measured> {
  return new Promise((done, fail) => {
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    const cpuBefore = childrenCpuMs();
    const started = performance.now();
    const child = spawn(command, [...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const keep = (d: Buffer) => {
      out = (out + d.toString("utf8")).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let mainPeak = 0;
    let treeRssPeak = 0;
    let treePssPeak = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const root = child.pid;
      if (root === undefined) return;
      mainPeak = Math.max(mainPeak, procKb(`/proc/${root}/status`, "VmHWM"));
      const pids = treePids(root);
      treeRssPeak = Math.max(
        treeRssPeak,
        sum(pids, (pid) => procKb(`/proc/${pid}/status`, "VmRSS")),
      );
      // PSS makes the kernel walk every mapping: sampled less often so the bench stays out of the way.
      if (ticks++ % PSS_EVERY === 0)
        treePssPeak = Math.max(
          treePssPeak,
          sum(pids, (pid) => procKb(`/proc/${pid}/smaps_rollup`, "Pss")),
        );
    }, SAMPLE_MS);
    child.on("error", fail);
    child.on("close", (code) => {
      clearInterval(timer);
      done({
        tool,
        code,
        wallMs: performance.now() - started,
        cpuMs: childrenCpuMs() - cpuBefore,
        mainPeak,
        treeRssPeak,
        treePssPeak,
        load,
        tail: out.trim().split("\n").slice(-3).join("\n"),
      });
    });
  });
}

function sum(pids: readonly number[], of: (pid: number) => number): number {
  let total = 0;
  for (const pid of pids) total += of(pid);
  return total;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The node flags the CLI's `#!/usr/bin/env -S node …` line gives it when run as `runfleet`. */
function shebangNodeFlags(cli: string): string[] {
  const first = readFileSync(cli, "utf8").split("\n", 1)[0] ?? "";
  const m = first.match(/^#!\/usr\/bin\/env -S node\s+(.*)$/);
  return m?.[1] ? m[1].trim().split(/\s+/) : [];
}

function best(runs: readonly Measured[]): Measured {
  const ok = runs.filter((r) => r.code === 0);
  const pool = ok.length > 0 ? ok : runs;
  return pool.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
}

function row(label: string, r: Measured, total: number): string {
  return (
    `${label.padEnd(26)}${String(r.code).padEnd(6)}${secs(r.wallMs).padEnd(10)}` +
    `${(total / (r.wallMs / 1000)).toFixed(1).padEnd(9)}${(r.cpuMs / total).toFixed(1).padEnd(11)}` +
    `${mb(r.mainPeak).padEnd(11)}${mb(r.treePssPeak).padEnd(11)}${mb(r.treeRssPeak).padEnd(11)}${r.load}\n`
  );
}

async function main(): Promise<void> {
  const cli = process.env.RUNFLEET_CLI ?? join(ROOT, "dist", "cli", "main.js");
  if (!existsSync(cli)) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  const gcl = join(ROOT, "node_modules", ".bin", "gitlab-ci-local");
  const nodeFlags = shebangNodeFlags(cli);
  // Unset: runfleet's own default, as a user gets it.
  const concurrency = process.env.BENCH_CONCURRENCY ? ["--concurrency", process.env.BENCH_CONCURRENCY] : [];
  const total = JOBS * PARALLEL;
  process.stdout.write(
    `local bench: ${JOBS} jobs × parallel: ${PARALLEL} = ${total} echo jobs, shell executor, ` +
      `${RUNS} run(s) of each tool, alternating; best wall time counts` +
      `${process.env.BENCH_CONCURRENCY ? `; runfleet --concurrency ${process.env.BENCH_CONCURRENCY}` : ""}\n`,
  );

  const repo = makeRepo();
  const home = mkdtempSync(join(tmpdir(), "runfleet-bench-home-"));
  try {
    const env = { ...process.env, HOME: home, NO_COLOR: "1", FORCE_COLOR: "0" };
    const runs: { runfleet: Measured[]; gcl: Measured[] } = { runfleet: [], gcl: [] };
    for (let i = 0; i < RUNS; i++) {
      runs.runfleet.push(
        await measure(
          "runfleet run",
          process.execPath,
          [...nodeFlags, cli, "run", "--quiet", ...concurrency],
          repo,
          env,
        ),
      );
      rmSync(join(repo, ".runfleet"), { recursive: true, force: true });
      runs.gcl.push(await measure("gitlab-ci-local 4.65.0", gcl, ["--shell-isolation"], repo, env));
      rmSync(join(repo, ".gitlab-ci-local"), { recursive: true, force: true });
    }
    process.stdout.write(
      `\n${"run".padEnd(26)}${"exit".padEnd(6)}${"wall".padEnd(10)}${"jobs/s".padEnd(9)}${"CPU ms/job".padEnd(11)}` +
        `${"main peak".padEnd(11)}${"tree PSS".padEnd(11)}${"tree RSS".padEnd(11)}load avg (1/5/15 min) at start\n`,
    );
    for (const [i, r] of runs.runfleet.entries())
      process.stdout.write(row(`runfleet run #${i + 1}`, r, total));
    for (const [i, r] of runs.gcl.entries()) process.stdout.write(row(`gitlab-ci-local #${i + 1}`, r, total));
    const rf = best(runs.runfleet);
    const gl = best(runs.gcl);
    const peak = (select: (m: Measured) => number, list: readonly Measured[]) =>
      Math.max(...list.map(select));
    process.stdout.write(
      `\nbest of ${RUNS}: runfleet ${secs(rf.wallMs)}, gitlab-ci-local ${secs(gl.wallMs)}: ` +
        `runfleet is ${(gl.wallMs / rf.wallMs).toFixed(2)}× faster (goal ≥ 4×); ` +
        `CPU per job ${(rf.cpuMs / total).toFixed(1)} ms vs ${(gl.cpuMs / total).toFixed(1)} ms\n` +
        `memory, highest of all runs: runfleet tree PSS ${mb(peak((m) => m.treePssPeak, runs.runfleet))} ` +
        `(the goal < 120 MB is judged by this: what the run costs the machine, shared pages counted once), ` +
        `node process ${mb(peak((m) => m.mainPeak, runs.runfleet))}, tree RSS ${mb(peak((m) => m.treeRssPeak, runs.runfleet))}; ` +
        `gitlab-ci-local tree PSS ${mb(peak((m) => m.treePssPeak, runs.gcl))}, tree RSS ${mb(peak((m) => m.treeRssPeak, runs.gcl))}\n`,
    );
    for (const r of [...runs.runfleet, ...runs.gcl])
      if (r.code !== 0) process.stdout.write(`\n${r.tool} exited ${r.code}:\n${r.tail}\n`);
  } finally {
    rmSync(repo, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
