import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plainLog } from "../../src/local-run/plain-log.js";
import { CLI, ensureBuilt, runCli } from "./support/built-cli.js";
import { jobIn, readReport } from "./support/report.js";
import { cleanup, gitRepo, tempDir } from "./support/temp-repo.js";

// Interrupting a run (Ctrl-C) and the live terminal view, driven through a real pseudo-terminal.

const dirs: string[] = [];
beforeAll(ensureBuilt, 180_000);
afterAll(async () => {
  for (const d of dirs) await cleanup(d);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("runfleet run: Ctrl-C", () => {
  it("cancels the pipeline, kills the job's processes and exits 1", async () => {
    const out = await tempDir();
    dirs.push(out);
    const pidFile = join(out, "sleep.pid");
    const dir = await gitRepo({
      ".gitlab-ci.yml": `stages: [a, b]
slow:
  stage: a
  script:
    - sleep 120 & echo $! > "${pidFile}"; wait
after:
  stage: b
  script: [echo never]
`,
    });
    dirs.push(dir);
    const report = join(out, "report.json");
    const started = Date.now();
    const r = await runCli(["run", "--report", report], {
      cwd: dir,
      timeoutMs: 60_000,
      onSpawn: (pid, output) => {
        void waitFor(() => existsSync(pidFile) && output().includes("slow started"), 30_000).then(() =>
          process.kill(pid, "SIGINT"),
        );
      },
    });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(40_000);
    const sleepPid = Number((await readFile(pidFile, "utf8")).trim());
    await waitFor(() => !alive(sleepPid), 5_000);
    const rep = await readReport(report);
    expect(rep.status).toBe("canceled");
    expect(jobIn(rep, "slow").status).toBe("canceled");
    expect(["canceled", "skipped"]).toContain(jobIn(rep, "after").status);
    expect(r.stdout).toMatch(/^slow canceled/m);
  });
});

describe("runfleet run: terminal view", () => {
  it("draws per-stage counts with done/total for parallel jobs, then the summary and failed output", async () => {
    const dir = await gitRepo({
      ".gitlab-ci.yml": `stages: [build, test]
fan:
  stage: build
  parallel: 12
  script: [echo "node $CI_NODE_INDEX"]
broken:
  stage: test
  script:
    - echo "the reason it broke"
    - exit 7
`,
    });
    dirs.push(dir);
    const command = `${process.execPath} ${CLI} run`;
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn("script", ["-qfec", command, "/dev/null"], {
        cwd: dir,
        env: { ...process.env, COLUMNS: "100", LINES: "40", TERM: "xterm" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let text = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        text += d;
      });
      child.on("error", reject);
      child.on("close", (code) => resolve(`${text}\nEXIT ${code}`));
    });
    const plain = plainLog(output);
    expect(plain).toMatch(/^EXIT 1$/m);
    expect(plain).toMatch(/^ {2}fan +12\/12/m);
    expect(plain).toMatch(/^build {2}12 passed$/m);
    expect(plain).toMatch(/^test {2}1 failed$/m);
    expect(plain).toMatch(/── broken failed \(exit 7\) ──/);
    expect(plain).toMatch(/^the reason it broke$/m);
    expect(plain).toMatch(/^Pipeline failed in .*: 12 passed, 1 failed, 0 skipped, 0 manual$/m);
    // No per-job output lines on a terminal: the live view replaces them.
    expect(plain).not.toMatch(/^fan 1\/12 > /m);
  });
});
