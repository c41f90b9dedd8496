import { execFile, spawn } from "node:child_process";
import { mkdir, readdir, rmdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** `RUNFLEET_CLI` points the suites at another build (an installed package, a build elsewhere). */
export const CLI = process.env.RUNFLEET_CLI ?? join(REPO_ROOT, "dist", "cli", "main.js");

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSource(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
      newest = Math.max(newest, (await stat(path)).mtimeMs);
    }
  }
  return newest;
}

/**
 * The end-to-end suites run the built CLI, as a user does. `npm test` builds first; a suite started on
 * its own builds when `dist/` is older than `src/` — once, even with several suites starting together.
 */
export async function ensureBuilt(): Promise<void> {
  if (process.env.RUNFLEET_CLI !== undefined) return;
  const lock = join(tmpdir(), "runfleet-e2e-build.lock");
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    const built = await stat(CLI).catch(() => undefined);
    if (built !== undefined && built.mtimeMs >= (await newestSource(join(REPO_ROOT, "src")))) return;
    await new Promise<void>((ok, fail) => {
      execFile("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: REPO_ROOT }, (err, stdout) =>
        err ? fail(new Error(`build failed:\n${stdout}`)) : ok(),
      );
    });
  } finally {
    await rmdir(lock);
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** False: `run` without `--executor` keeps its automatic choice (see `withShellExecutor`). */
  readonly pinShellExecutor?: boolean;
  /** Called once the process is up, e.g. to signal it. */
  readonly onSpawn?: (pid: number, output: () => string) => void;
}

/**
 * `runfleet run` without `--executor` puts jobs with an `image:` in containers when a Docker Engine API
 * answers, and CI exports DOCKER_HOST. Suites where images are incidental pin the shell executor so
 * they test what they mean to and need no engine; suites about containers name `--executor` themselves.
 */
export function withShellExecutor(args: readonly string[]): readonly string[] {
  if (args[0] !== "run" || args.some((a) => a === "--executor" || a.startsWith("--executor="))) return args;
  return ["run", "--executor", "shell", ...args.slice(1)];
}

/** Runs `node dist/cli/main.js ARGS` (shell executor unless named) and collects its exit code and output. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const cliArgs = options.pinShellExecutor === false ? args : withShellExecutor(args);
    const child = spawn(process.execPath, [CLI, ...cliArgs], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("spawn", () => {
      if (child.pid !== undefined) options.onSpawn?.(child.pid, () => stdout + stderr);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}
