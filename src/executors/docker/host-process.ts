/**
 * Runs a host process (git for the job's sources) for a stage: output to the stage's sink, the whole
 * process group killed on cancel or at the deadline.
 */
import { spawn } from "node:child_process";
import type { StageIo, StageOutcome } from "../types.js";

const KILL_GRACE_MS = 2_000;

export function runHostProcess(
  command: string,
  args: readonly string[],
  cwd: string,
  io: StageIo,
): Promise<StageOutcome> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
    });
    let ending: "canceled" | "timed_out" | undefined;
    let grace: NodeJS.Timeout | undefined;
    const kill = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const stop = (why: "canceled" | "timed_out"): void => {
      if (ending !== undefined) return;
      ending = why;
      kill("SIGTERM");
      grace = setTimeout(() => kill("SIGKILL"), KILL_GRACE_MS);
    };
    const onAbort = (): void => stop("canceled");
    const timer = setTimeout(() => stop("timed_out"), Math.max(0, io.deadline - Date.now()));
    io.signal.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (c: Buffer) => io.sink(c));
    child.stderr.on("data", (c: Buffer) => io.sink(c));
    const done = (code: number): void => {
      clearTimeout(timer);
      if (grace) clearTimeout(grace);
      io.signal.removeEventListener("abort", onAbort);
      resolve(ending ? { kind: ending } : { kind: "exited", exitCode: code });
    };
    child.on("error", (err) => {
      io.sink(Buffer.from(`${command}: ${err.message}\n`));
      done(127);
    });
    child.on("close", (code) => done(code ?? 1));
    if (io.signal.aborted) onAbort();
  });
}
