import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { requireSuite } from "../../../support/require-suite.js";
import { readLogFile } from "../logs/container-log.js";
import { LogStore } from "../logs/log-store.js";
import { ContainerRuntime } from "./container-runtime.js";
import type { ContainerLaunch } from "./pod-runtime.js";
import { podman } from "./podman-cli.js";

const image = process.env.TEST_IMAGE ?? "localhost/runfleet-test/busybox:latest";

function imagePresent(): boolean {
  try {
    execFileSync("podman", ["image", "exists", image], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const available = requireSuite({
  suite: "node agent podman runtime",
  available: imagePresent(),
  howToEnable: `install podman and build ${image}: npm run setup:containers`,
});

const node = `test-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "runfleet-podman-"));
const runtime = new ContainerRuntime(node, () => {});
const logs = new LogStore(dir);
let n = 0;

const launch = (script: string, extra: Partial<ContainerLaunch> = {}): ContainerLaunch => {
  const name = `c${++n}`;
  return {
    podUid: `uid-${process.pid}`,
    podName: "pod",
    hostname: "pod",
    namespace: "ns",
    podDir: dir,
    name,
    image,
    command: ["sh", "-c"],
    args: [script],
    workingDir: undefined,
    env: {},
    mounts: [],
    attempt: 0,
    log: logs.open({ namespace: "ns", pod: "pod", uid: "u" }, name, 0),
    ...extra,
  };
};

afterAll(async () => {
  await runtime.cleanupAll();
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(available)("ContainerRuntime (podman)", () => {
  it("runs the image with env, mounts and working dir; logs both streams; reports the exit code", async () => {
    const vol = join(dir, "vol");
    mkdirSync(vol, { recursive: true });
    writeFileSync(join(vol, "token"), "jwt");
    const l = launch('echo "$A"; cat /sa/token; echo; pwd; hostname; echo err >&2; exit 5', {
      env: { A: "from-env" },
      mounts: [{ hostPath: vol, containerPath: "/sa", readOnly: true }],
      workingDir: "/tmp",
    });
    const running = await runtime.start(l);
    expect(running.id).toMatch(/^podman:\/\/[0-9a-f]{64}$/);
    expect(await running.exited).toMatchObject({ exitCode: 5, reason: "Error" });
    l.log.close();
    const lines = readLogFile(l.log.path);
    expect(lines.filter((r) => r.stream === "stdout").map((r) => r.text)).toEqual([
      "from-env",
      "jwt",
      "/tmp",
      "pod",
    ]);
    expect(lines.filter((r) => r.stream === "stderr").map((r) => r.text)).toEqual(["err"]);
  });

  it("reaches a server on the host's loopback (host network)", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((_req, res) => res.end("coordinator"));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as { port: number }).port;
    const l = launch(`wget -q -O - http://127.0.0.1:${port}/`);
    const exit = await (await runtime.start(l)).exited;
    server.close();
    l.log.close();
    expect(exit.exitCode).toBe(0);
    expect(readLogFile(l.log.path).map((r) => r.text)).toEqual(["coordinator"]);
  });

  it("SIGTERM reaches a trapping PID 1; SIGKILL ends one that ignores it with 137", async () => {
    const polite = await runtime.start(launch("trap 'exit 42' TERM; while true; do sleep 0.1; done"));
    const stubborn = await runtime.start(launch("trap '' TERM; while true; do sleep 0.1; done"));
    await new Promise((r) => setTimeout(r, 1000));
    polite.kill("SIGTERM");
    stubborn.kill("SIGTERM");
    expect((await polite.exited).exitCode).toBe(42);
    const raced = await Promise.race([
      stubborn.exited,
      new Promise((r) => setTimeout(() => r("running"), 1000)),
    ]);
    expect(raced).toBe("running");
    stubborn.kill("SIGKILL");
    expect((await stubborn.exited).exitCode).toBe(137);
  });

  it("a missing image waits with ErrImageNeverPull", async () => {
    await expect(
      runtime.start(launch("true", { image: "localhost/runfleet-test/absent:1" })),
    ).rejects.toMatchObject({
      outcome: "waiting",
      reason: "ErrImageNeverPull",
    });
  });

  it("cleanup removes the node's containers by label", async () => {
    await (await runtime.start(launch("true"))).exited;
    const label = `label=io.runfleet.node=${node}`;
    expect((await podman(["ps", "-aq", "--filter", label])).stdout.trim()).not.toBe("");
    await runtime.cleanupAll();
    expect((await podman(["ps", "-aq", "--filter", label])).stdout.trim()).toBe("");
  });
});
