import { execFile } from "node:child_process";

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one podman command to its end; never rejects (the caller reads the exit code). */
export function podman(args: readonly string[], bin = "podman"): Promise<CliResult> {
  return new Promise((done) => {
    execFile(bin, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      done({
        code,
        stdout: String(stdout),
        stderr: String(stderr) || (error && !stderr ? error.message : ""),
      });
    });
  });
}
