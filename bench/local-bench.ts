/**
 * `npm run bench:local`: the same generated repository (5 jobs × `parallel: 200` of `echo`) run by
 * `runfleet run` and by gitlab-ci-local (shell executor), side by side: wall time, peak RSS of the
 * whole process tree (sampled from /proc), and the ratios. Goals: ≥4× faster, < 120 MB.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const JOBS = Number(process.env.BENCH_JOBS ?? 5);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 200);
const SAMPLE_MS = 50;

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

/** Resident memory of `root` and all its descendants, in bytes, read from /proc. */
function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      const pages = Number(fields[21]);
      const pid = Number(entry);
      rss.set(pid, pages * 4096);
      const list = children.get(ppid) ?? [];
      list.push(pid);
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() ?? 0;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

interface Measured {
  readonly tool: string;
  readonly code: number | null;
  readonly wallMs: number;
  readonly peakRss: number;
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
    const started = performance.now();
    const child = spawn(command, [...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const keep = (d: Buffer) => {
      out = (out + d.toString("utf8")).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let peak = 0;
    const timer = setInterval(() => {
      if (child.pid !== undefined) peak = Math.max(peak, treeRss(child.pid));
    }, SAMPLE_MS);
    child.on("error", fail);
    child.on("close", (code) => {
      clearInterval(timer);
      done({
        tool,
        code,
        wallMs: performance.now() - started,
        peakRss: peak,
        tail: out.trim().split("\n").slice(-3).join("\n"),
      });
    });
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const cli = process.env.RUNFLEET_CLI ?? join(ROOT, "dist", "cli", "main.js");
  if (!existsSync(cli)) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  const gcl = join(ROOT, "node_modules", ".bin", "gitlab-ci-local");
  const total = JOBS * PARALLEL;
  process.stdout.write(
    `local bench: ${JOBS} jobs × parallel: ${PARALLEL} = ${total} echo jobs, shell executor\n`,
  );

  const repo = makeRepo();
  const home = mkdtempSync(join(tmpdir(), "runfleet-bench-home-"));
  try {
    const env = { ...process.env, HOME: home, NO_COLOR: "1", FORCE_COLOR: "0" };
    const runfleet = await measure("runfleet run", process.execPath, [cli, "run", "--quiet"], repo, env);
    const gitlabCiLocal = await measure("gitlab-ci-local 4.65.0", gcl, ["--shell-isolation"], repo, env);
    const rows = [runfleet, gitlabCiLocal];
    process.stdout.write(
      `\n${"tool".padEnd(24)}${"exit".padEnd(6)}${"wall".padEnd(12)}${"jobs/s".padEnd(10)}peak RSS (tree)\n`,
    );
    for (const r of rows) {
      process.stdout.write(
        `${r.tool.padEnd(24)}${String(r.code).padEnd(6)}${secs(r.wallMs).padEnd(12)}${(total / (r.wallMs / 1000)).toFixed(1).padEnd(10)}${mb(r.peakRss)}\n`,
      );
    }
    const speedup = gitlabCiLocal.wallMs / runfleet.wallMs;
    process.stdout.write(
      `\nrunfleet is ${speedup.toFixed(2)}× faster (goal ≥ 4×) and peaks at ${mb(runfleet.peakRss)} ` +
        `(goal < 120 MB; gitlab-ci-local ${mb(gitlabCiLocal.peakRss)}, ratio ${(gitlabCiLocal.peakRss / Math.max(1, runfleet.peakRss)).toFixed(2)}×)\n`,
    );
    for (const r of rows)
      if (r.code !== 0) process.stdout.write(`\n${r.tool} exited ${r.code}:\n${r.tail}\n`);
  } finally {
    rmSync(repo, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
