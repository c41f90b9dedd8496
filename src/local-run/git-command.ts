import { execFile } from "node:child_process";
import { RunfleetError } from "../errors/index.js";

export interface GitOptions {
  readonly cwd: string;
  /** Extra environment (e.g. GIT_INDEX_FILE, GIT_DIR); merged over the process environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that are answers rather than failures (e.g. 1 for `rev-parse --verify` misses). */
  readonly allowExitCodes?: readonly number[];
}

export interface GitResult {
  readonly stdout: string;
  readonly exitCode: number;
}

/**
 * Runs one git command and returns its trimmed stdout. Git failures become RunfleetErrors naming the
 * command and git's own message, since "git failed" alone leaves the user nothing to act on.
 */
export function git(args: readonly string[], options: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...args],
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env, GIT_TERMINAL_PROMPT: "0" },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        if (exitCode === 0 || options.allowExitCodes?.includes(exitCode)) {
          resolve({ stdout: stdout.trim(), exitCode });
          return;
        }
        if (error !== null && error.code === "ENOENT") {
          reject(
            new RunfleetError("UNAVAILABLE", "git is not installed or not on PATH", {
              hint: "install git (e.g. apt-get install git) — runfleet run snapshots the project with it",
              cause: error,
            }),
          );
          return;
        }
        reject(
          new RunfleetError("INTERNAL", `git ${args.join(" ")} failed in ${options.cwd}: ${stderr.trim()}`, {
            cause: error,
          }),
        );
      },
    );
  });
}
