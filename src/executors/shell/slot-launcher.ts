/**
 * Starts a slot's processes from one long-lived bash instead of from Node. Forking Node costs time in
 * proportion to its memory (tens of ms for a busy runner), forking a small bash costs almost nothing,
 * and at a 1000-job fan-out every job starts several processes. Each command runs as its own process
 * group (bash job control, or setsid under a plain sh), with stdout and stderr on the launcher's stdout; the launcher reports the
 * group id on fd 3 and ends the output with a marker carrying the exit code. Cancel and timeout kill
 * the group from here (SIGTERM, then SIGKILL after a grace period); leftovers are killed at exit.
 * When the runner dies without a word (SIGKILL, OOM), the launcher learns it from fd 4, a pipe nobody
 * writes: a watcher blocked reading it sees end-of-file and sends the launcher SIGTERM, whose trap ends
 * the running job's group the same way — a job never outlives its runner.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import { RunfleetError } from "../../errors/index.js";
import { shellQuote } from "../../jobscript/index.js";
import type { StageIo, StageOutcome } from "../types.js";

export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

/** How long a group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2_000;

/**
 * Signals the job's process group; until the group exists (the job's process has not yet reached
 * `setpgid`/`setsid` — a window a loaded machine widens), the leader itself, which is the job.
 */
function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    try {
      process.kill(pgid, signal);
    } catch {
      // already gone
    }
  }
}

interface Pending {
  /** The launcher process this command was written to. */
  readonly child: ChildProcess;
  readonly io: StageIo;
  readonly marker: Buffer;
  pgid: number | undefined;
  ending: "canceled" | "timed_out" | undefined;
  graceTimer: NodeJS.Timeout | undefined;
  /** Output bytes that might be the start of the end marker. */
  held: Buffer;
  settle(result: { outcome: StageOutcome } | { error: unknown }): void;
}

export class SlotLauncher {
  private child: ChildProcess | undefined;
  private control = "";
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * The directory and command last given to the launcher, kept there as its positional parameters: a
   * slot runs the same script file in the same directory job after job, and every byte of a command
   * line costs the shell a read(2), so a command is sent once and then named by `"$@"`.
   */
  private lastCommand: string | undefined;

  /** bash puts each job in its own process group (`set -m`); a plain sh gets one from `setsid`. */
  private readonly bash: boolean;

  constructor(
    private readonly shell: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.bash = /bash$/.test(shell);
  }

  /** Runs one command; commands on one launcher run one after the other. */
  run(spec: LaunchSpec, io: StageIo): Promise<StageOutcome> {
    const next = this.queue.then(() => this.start(spec, io));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    // The watcher reads end-of-file and goes too (the launcher, SIGKILLed, is past its trap).
    (this.child?.stdio[4] as Writable | null | undefined)?.destroy();
    this.child?.kill("SIGKILL");
    this.child = undefined;
  }

  private ensureChild(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    const args = this.bash ? ["--noprofile", "--norc", "-s"] : ["-s"];
    const child = spawn(this.shell, args, {
      env: this.env,
      stdio: ["pipe", "pipe", "ignore", "pipe", "pipe"],
    });
    const stdin = child.stdin as Writable;
    if (this.bash) stdin.write("set -m\n");
    // The trap ends the running job's group ($_rfp). The watcher keeps fd 4 and nothing else; the
    // launcher closes its own copy so that jobs do not inherit it.
    stdin.write(
      `_rfp=; trap 'if [ -n "$_rfp" ]; then kill -TERM "-$_rfp" 2>/dev/null; sleep ${KILL_GRACE_MS / 1000}; kill -KILL "-$_rfp" 2>/dev/null; fi; exit 143' TERM\n` +
        "{ read -r _rfx <&4; kill -TERM $$ 2>/dev/null; } </dev/null >/dev/null 2>&1 3>&- &\n" +
        "exec 4<&-\n",
    );
    // A shell reads a script from a pipe one byte per read(2): each command line is kept short by
    // defining the wrapper once. The subshell is the job (its own process group under `set -m`, or
    // through setsid); after it ends, whatever it left running in its group is killed before the
    // end marker goes out.
    stdin.write(
      `_rf() { _rfn=$1; _rfd=$2; shift 2; ( cd -- "$_rfd" && exec ${this.bash ? "" : "setsid "}"$@" ) </dev/null 2>&1 3>&- & _rfp=$!; echo "$_rfp" >&3; wait "$_rfp"; _rfc=$?; kill -KILL "-$_rfp" 2>/dev/null; _rfp=; printf '\\0rf-end-%s %d\\0' "$_rfn" "$_rfc"; }\n`,
    );
    (child.stdout as Readable).on("data", (chunk: Buffer) => this.onOutput(chunk));
    (child.stdio[3] as Readable).on("data", (chunk: Buffer) => this.onControl(chunk));
    (child.stdin as Writable).on("error", () => undefined); // a dead launcher surfaces through "exit"
    this.lastCommand = undefined;
    child.on("exit", () => {
      (child.stdio[4] as Writable | null)?.destroy(); // lets the watcher go
      if (this.child === child) {
        this.child = undefined;
        this.control = "";
      }
      const p = this.pending?.child === child ? this.pending : undefined;
      if (p === undefined) return;
      this.pending = undefined;
      p?.settle({ error: new RunfleetError("INTERNAL", "the slot's process launcher exited unexpectedly") });
    });
    child.on("error", () => undefined);
    this.unref(child);
    this.child = child;
    return child;
  }

  /** An idle launcher must not keep the runner's process alive. */
  private unref(child: ChildProcess): void {
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stdio[3], child.stdio[4]])
      (s as unknown as { unref?: () => void } | null)?.unref?.();
  }

  private ref(child: ChildProcess): void {
    child.ref();
    for (const s of [child.stdin, child.stdout, child.stdio[3]])
      (s as unknown as { ref?: () => void } | null)?.ref?.();
  }

  private start(spec: LaunchSpec, io: StageIo): Promise<StageOutcome> {
    return new Promise((resolve, reject) => {
      const child = this.ensureChild();
      this.ref(child);
      const nonce = randomBytes(8).toString("hex");
      const onAbort = (): void => this.stop(pending, "canceled");
      const deadlineTimer = setTimeout(
        () => this.stop(pending, "timed_out"),
        Math.max(0, io.deadline - Date.now()),
      );
      const pending: Pending = {
        child,
        io,
        marker: Buffer.from(`\0rf-end-${nonce} `),
        pgid: undefined,
        ending: undefined,
        graceTimer: undefined,
        held: Buffer.alloc(0),
        settle: (result) => {
          clearTimeout(deadlineTimer);
          if (pending.graceTimer) clearTimeout(pending.graceTimer);
          io.signal.removeEventListener("abort", onAbort);
          this.unref(child);
          if ("outcome" in result) resolve(result.outcome);
          else reject(result.error);
        },
      };
      io.signal.addEventListener("abort", onAbort, { once: true });
      this.pending = pending;
      const command = [spec.cwd, spec.command, ...spec.args].map(shellQuote).join(" ");
      const set = command === this.lastCommand ? "" : `set -- ${command}\n`;
      this.lastCommand = command;
      (child.stdin as Writable).write(`${set}_rf ${nonce} "$@"\n`);
      if (io.signal.aborted) onAbort();
    });
  }

  private stop(p: Pending, why: "canceled" | "timed_out"): void {
    if (p.ending !== undefined) return;
    p.ending = why;
    this.terminate(p);
  }

  private terminate(p: Pending): void {
    const pgid = p.pgid;
    if (pgid === undefined || p.ending === undefined) return;
    killGroup(pgid, "SIGTERM");
    p.graceTimer = setTimeout(() => killGroup(pgid, "SIGKILL"), KILL_GRACE_MS);
  }

  private onControl(chunk: Buffer): void {
    this.control += chunk.toString("utf8");
    let nl = this.control.indexOf("\n");
    while (nl >= 0) {
      const line = this.control.slice(0, nl).trim();
      this.control = this.control.slice(nl + 1);
      const p = this.pending;
      if (p && p.pgid === undefined && /^\d+$/.test(line)) {
        p.pgid = Number(line);
        this.terminate(p);
      }
      nl = this.control.indexOf("\n");
    }
  }

  private onOutput(chunk: Buffer): void {
    const p = this.pending;
    if (p === undefined) return;
    const data = p.held.length > 0 ? Buffer.concat([p.held, chunk]) : chunk;
    const at = data.indexOf(p.marker);
    if (at >= 0) {
      const close = data.indexOf(0, at + p.marker.length);
      if (close < 0) {
        if (at > 0) p.io.sink(data.subarray(0, at));
        p.held = Buffer.from(data.subarray(at));
        return;
      }
      if (at > 0) p.io.sink(data.subarray(0, at));
      const code = Number(data.subarray(at + p.marker.length, close).toString("utf8"));
      this.pending = undefined;
      p.settle({ outcome: p.ending !== undefined ? { kind: p.ending } : { kind: "exited", exitCode: code } });
      return;
    }
    // Hold back a tail that could be the start of the marker.
    let keep = 0;
    for (let k = Math.min(p.marker.length - 1, data.length); k > 0; k--) {
      if (data.subarray(data.length - k).equals(p.marker.subarray(0, k))) {
        keep = k;
        break;
      }
    }
    if (data.length - keep > 0) p.io.sink(data.subarray(0, data.length - keep));
    p.held = keep > 0 ? Buffer.from(data.subarray(data.length - keep)) : Buffer.alloc(0);
  }
}
