import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStore } from "./store/sqlite-store.js";
import { ProtocolClient } from "./testing/protocol-client.js";
import { makeRepo } from "./testing/test-coordinator.js";

const SCRIPT = new URL("./testing/coordinator-process.ts", import.meta.url).pathname;

function startProcess(
  args: string[],
): Promise<{ child: ChildProcess; info: Record<string, string | number> }> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once("line", (line) =>
      resolve({ child, info: JSON.parse(line) as Record<string, string | number> }),
    );
    child.once("exit", (code) => reject(new Error(`coordinator process exited early (${code})`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners("exit");
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

describe("coordinator killed and restarted", () => {
  const children: ChildProcess[] = [];
  let dir = "";
  afterEach(async () => {
    for (const c of children) await kill(c);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps pending and running jobs and traces across SIGKILL; runners carry on", async () => {
    dir = mkdtempSync(join(tmpdir(), "runfleet-restart-"));
    const { repoDir } = makeRepo(dir);
    const db = join(dir, "coordinator.db");
    const data = join(dir, "data");
    const first = await startProcess([db, data, repoDir, "0", "1"]);
    children.push(first.child);
    const url = String(first.info.url);
    const client = new ProtocolClient(url, String(first.info.runnerToken));
    const a = await client.nextJob();
    await client.update(a.id, a.token, { state: "running" });
    expect((await client.patchTrace(a.id, a.token, 0, "part one, ")).status).toBe(202);
    // b is handed out but not yet acknowledged when the coordinator dies.
    const b = await client.nextJob();

    await kill(first.child);
    const port = new URL(url).port;
    const second = await startProcess([db, data, repoDir, port, "0"]);
    children.push(second.child);
    expect(second.info.url).toBe(url);

    expect((await client.update(b.id, b.token, { state: "running" })).status).toBe(200);
    const resync = await client.patchTrace(a.id, a.token, 3, "stale");
    expect(resync.status).toBe(416);
    expect(resync.headers.get("range")).toBe("0-10");
    expect((await client.patchTrace(a.id, a.token, 10, "part two\n")).status).toBe(202);
    await client.update(a.id, a.token, { state: "success" });
    await client.runJob(b);
    const c = await client.nextJob();
    expect(c.job_info.name).toBe("c");
    await client.runJob(c);

    await kill(second.child);
    const store = SqliteStore.open(db);
    try {
      expect((await store.readTrace(a.id)).toString()).toBe("part one, part two\n");
      const jobs = await store.listJobs(Number(first.info.pipelineId));
      expect(jobs.map((j) => [j.name, j.status])).toEqual([
        ["a", "success"],
        ["b", "success"],
        ["c", "success"],
      ]);
      expect((await store.getPipeline(Number(first.info.pipelineId)))?.status).toBe("success");
    } finally {
      await store.close();
    }
  });
});
