/**
 * Runs one command in its own process group and streams its output. Cancel and timeout kill the whole
 * group (SIGTERM, then SIGKILL after a grace period), so background children never outlive their stage.
 */
import { spawn } from "node:child_process";
import { RunfleetError } from "../../errors/index.js";
import type { StageIo, StageOutcome } from "../types.js";

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** How long a group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2_000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

export function runProcess(spec: ProcessSpec, io: StageIo): Promise<StageOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let ending: "canceled" | "timed_out" | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const stop = (why: "canceled" | "timed_out"): void => {
      if (ending !== undefined || child.pid === undefined) return;
      ending = why;
      killGroup(child.pid, "SIGTERM");
      graceTimer = setTimeout(() => {
        if (child.pid !== undefined) killGroup(child.pid, "SIGKILL");
      }, KILL_GRACE_MS);
    };
    const onAbort = (): void => stop("canceled");
    const deadlineTimer = setTimeout(() => stop("timed_out"), Math.max(0, io.deadline - Date.now()));
    io.signal.addEventListener("abort", onAbort, { once: true });
    if (io.signal.aborted) onAbort();
    child.stdout.on("data", (chunk: Buffer) => io.sink(chunk));
    child.stderr.on("data", (chunk: Buffer) => io.sink(chunk));
    child.on("error", (err) => {
      clearTimeout(deadlineTimer);
      io.signal.removeEventListener("abort", onAbort);
      reject(new RunfleetError("INTERNAL", `cannot start ${spec.command}: ${err.message}`, { cause: err }));
    });
    child.on("exit", (code, signal) => {
      clearTimeout(deadlineTimer);
      io.signal.removeEventListener("abort", onAbort);
      // Leftover background processes would hold the pipes open and keep running: end the group.
      if (child.pid !== undefined) killGroup(child.pid, "SIGKILL");
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      const finish = (): void => {
        if (ending !== undefined) resolve({ kind: ending });
        else resolve({ kind: "exited", exitCode: code ?? (signal ? 128 + signalNumber(signal) : 1) });
      };
      // Let the pipes drain what was written before exit.
      if (child.stdout.readableEnded && child.stderr.readableEnded) finish();
      else child.on("close", finish);
    });
  });
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
};

function signalNumber(signal: NodeJS.Signals): number {
  return SIGNAL_NUMBERS[signal] ?? 1;
}
