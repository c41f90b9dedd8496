import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { exitFromSignal } from "../pod/container-run.js";
import {
  type ContainerExit,
  type ContainerLaunch,
  ContainerStartError,
  exitReason,
  type PodRuntime,
  type RunningContainer,
} from "./pod-runtime.js";

/** Field 22 of /proc/<pid>/stat: tells a live process from a later one that reused its pid. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Each container is a host process in its own process group, with a root folder in which the
 * pod's volumes appear at their mount paths (as symlinks) and the working directory lives. The
 * container ends when its main process ends; the rest of its group is then killed, as in a real
 * container. Pids are recorded in the state dir so a crashed agent's leftovers are killed at start.
 */
export class ProcessRuntime implements PodRuntime {
  readonly kind = "processes";
  private readonly live = new Map<string, Set<number>>();
  private readonly pidDir: string;

  constructor(stateDir: string) {
    this.pidDir = join(stateDir, "processes");
    mkdirSync(this.pidDir, { recursive: true });
  }

  async start(launch: ContainerLaunch): Promise<RunningContainer> {
    const argv = [...(launch.command ?? []), ...(launch.args ?? [])];
    const [file, ...rest] = argv;
    if (file === undefined) {
      throw new ContainerStartError(
        "waiting",
        "CreateContainerError",
        `container ${launch.name}: the processes runtime has no image entrypoint; give the container a command`,
      );
    }
    const root = join(launch.podDir, "roots", `${launch.name}-${launch.attempt}`);
    mkdirSync(root, { recursive: true });
    for (const mount of launch.mounts) {
      const at = join(root, mount.containerPath);
      mkdirSync(dirname(at), { recursive: true });
      rmSync(at, { recursive: true, force: true });
      symlinkSync(mount.hostPath, at);
    }
    const cwd = join(root, launch.workingDir ?? "");
    mkdirSync(cwd, { recursive: true });
    const child = spawn(file, rest, {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        HOME: root,
        HOSTNAME: launch.hostname,
        RUNFLEET_CONTAINER_ROOT: root,
        ...launch.env,
      },
    });
    await new Promise<void>((ok, fail) => {
      child.once("spawn", ok);
      child.once("error", (err) =>
        fail(new ContainerStartError("terminated", "StartError", `exec ${file}: ${err.message}`, err)),
      );
    });
    const pid = child.pid ?? 0;
    const startedAt = new Date();
    const pidFile = join(this.pidDir, String(pid));
    writeFileSync(pidFile, processStartTime(pid) ?? "");
    const pids = this.live.get(launch.podUid) ?? new Set<number>();
    pids.add(pid);
    this.live.set(launch.podUid, pids);
    child.stdout?.on("data", (chunk: Buffer) => launch.log.append("stdout", chunk));
    child.stderr?.on("data", (chunk: Buffer) => launch.log.append("stderr", chunk));
    const exited = new Promise<ContainerExit>((done) => {
      let result: { exitCode: number; signal?: number } = { exitCode: 0 };
      child.once("exit", (code, signal) => {
        result = exitFromSignal(signal, code);
        // The main process is gone: whatever it left in its group goes too, and then the pipes close.
        killGroup(pid, "SIGKILL");
      });
      child.once("close", () => {
        pids.delete(pid);
        rmSync(pidFile, { force: true });
        done({ ...result, reason: exitReason(result.exitCode), finishedAt: new Date() });
      });
    });
    return { id: `process://${pid}`, startedAt, exited, kill: (signal) => killGroup(pid, signal) };
  }

  async cleanupPod(podUid: string): Promise<void> {
    for (const pid of this.live.get(podUid) ?? []) killGroup(pid, "SIGKILL");
    this.live.delete(podUid);
  }

  async cleanupAll(): Promise<void> {
    for (const pids of this.live.values()) for (const pid of pids) killGroup(pid, "SIGKILL");
    this.live.clear();
    for (const name of readdirSync(this.pidDir)) {
      const pid = Number(name);
      const recorded = readFileSync(join(this.pidDir, name), "utf8");
      if (Number.isSafeInteger(pid) && pid > 1 && recorded && processStartTime(pid) === recorded) {
        killGroup(pid, "SIGKILL");
      }
      rmSync(join(this.pidDir, name), { force: true });
    }
  }
}
