import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readLogFile } from "../logs/container-log.js";
import { LogStore } from "../logs/log-store.js";
import type { ContainerLaunch } from "./pod-runtime.js";
import { ProcessRuntime } from "./process-runtime.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "runfleet-proc-"));
  dirs.push(dir);
  const runtime = new ProcessRuntime(dir);
  const logs = new LogStore(dir);
  const launch = (name: string, script: string, extra: Partial<ContainerLaunch> = {}): ContainerLaunch => ({
    podUid: "uid-1",
    podName: "pod-1",
    hostname: "pod-1",
    namespace: "ns",
    podDir: join(dir, "pods", "uid-1"),
    name,
    image: "busybox",
    command: ["sh", "-c"],
    args: [script],
    workingDir: undefined,
    env: {},
    mounts: [],
    attempt: 0,
    log: logs.open({ namespace: "ns", pod: "pod-1", uid: "uid-1" }, name, 0),
    ...extra,
  });
  return { dir, runtime, launch };
}

/** Running and not a zombie (a killed orphan may wait a moment for init to reap it). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
};

describe("ProcessRuntime", () => {
  it.each([
    { script: "exit 0", exitCode: 0, reason: "Completed" },
    { script: "exit 3", exitCode: 3, reason: "Error" },
    { script: "kill -KILL $$", exitCode: 137, reason: "Error" },
  ])("reports `$script` as $exitCode", async ({ script, exitCode, reason }) => {
    const { runtime, launch } = setup();
    const running = await runtime.start(launch("main", script));
    expect(running.id).toMatch(/^process:\/\/\d+$/);
    expect(await running.exited).toMatchObject({ exitCode, reason });
  });

  it("runs in its root with env, working dir and volumes at their mount paths, and logs both streams", async () => {
    const { dir, runtime, launch } = setup();
    const volume = join(dir, "vol");
    mkdirSync(volume);
    writeFileSync(join(volume, "token"), "jwt");
    const l = launch("main", 'echo "$GREETING"; pwd; cat ../var/run/secrets/token; echo; echo oops >&2', {
      env: { GREETING: "hello" },
      workingDir: "/builds",
      mounts: [{ hostPath: volume, containerPath: "/var/run/secrets", readOnly: true }],
    });
    const exit = await (await runtime.start(l)).exited;
    expect(exit.exitCode).toBe(0);
    l.log.close();
    const lines = readLogFile(l.log.path).map((r) => `${r.stream}:${r.text}`);
    expect(lines.filter((line) => line.startsWith("stderr:"))).toEqual(["stderr:oops"]);
    const out = lines.filter((line) => line.startsWith("stdout:"));
    expect(out[0]).toBe("stdout:hello");
    expect(out[1]).toMatch(/\/roots\/main-0\/builds$/);
    expect(out[2]).toBe("stdout:jwt");
  });

  it("a SIGTERM trap gets its grace; a process that ignores it dies by SIGKILL", async () => {
    const { runtime, launch } = setup();
    const polite = await runtime.start(
      launch("polite", "trap 'echo bye; exit 42' TERM; while true; do sleep 0.1; done"),
    );
    const stubborn = await runtime.start(launch("stubborn", "trap '' TERM; while true; do sleep 0.1; done"));
    await new Promise((r) => setTimeout(r, 300));
    polite.kill("SIGTERM");
    stubborn.kill("SIGTERM");
    expect((await polite.exited).exitCode).toBe(42);
    const raced = await Promise.race([
      stubborn.exited,
      new Promise((r) => setTimeout(() => r("still running"), 500)),
    ]);
    expect(raced).toBe("still running");
    stubborn.kill("SIGKILL");
    expect(await stubborn.exited).toMatchObject({ exitCode: 137, signal: 9 });
  });

  it("kills what the main process left behind when it ends", async () => {
    const { dir, runtime, launch } = setup();
    const pidFile = join(dir, "bg.pid");
    const running = await runtime.start(launch("main", `sleep 300 & echo $! > ${pidFile}; exit 0`));
    await running.exited;
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(alive(pid)).toBe(false);
  });

  it("fails to start a missing command like runc (StartError)", async () => {
    const { runtime, launch } = setup();
    await expect(
      runtime.start(launch("main", "", { command: ["/no/such/binary"], args: [] })),
    ).rejects.toMatchObject({
      outcome: "terminated",
      reason: "StartError",
    });
  });

  it("kills a crashed agent's leftovers from the pid files", async () => {
    const { dir, launch } = setup();
    const first = new ProcessRuntime(dir);
    const running = await first.start(launch("main", "sleep 300"));
    const pid = Number(running.id.replace("process://", ""));
    expect(alive(pid)).toBe(true);
    // A new agent on the same state dir does not know the process but finds its pid file.
    await new ProcessRuntime(dir).cleanupAll();
    await running.exited;
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, "processes", String(pid)))).toBe(false);
  });

  it("ignores pid files of processes that are no longer the recorded ones", async () => {
    const { dir } = setup();
    const other = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
    const pid = other.pid ?? 0;
    writeFileSync(join(dir, "processes", String(pid)), "not-its-start-time");
    await new ProcessRuntime(dir).cleanupAll();
    expect(alive(pid)).toBe(true);
    other.kill("SIGKILL");
  });
});
