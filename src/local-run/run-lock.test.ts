import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunLock } from "./run-lock.js";

describe("RunLock", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "runfleet-lock-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a second run while the first holds the lock, and frees it on release", async () => {
    const parent = process.ppid; // alive for the whole test, and not us
    await writeFile(join(dir, "run.lock"), JSON.stringify({ pid: parent }));
    await expect(RunLock.acquire(dir)).rejects.toMatchObject({ code: "CONFLICT" });
    await rm(join(dir, "run.lock"));
    const lock = await RunLock.acquire(dir);
    await lock.release();
    await (await RunLock.acquire(dir)).release();
  });

  it("takes over a lock whose process is gone", async () => {
    const gone = spawnSync("true").pid ?? 999_999;
    await writeFile(join(dir, "run.lock"), JSON.stringify({ pid: gone }));
    const lock = await RunLock.acquire(dir);
    await lock.release();
  });

  it("remembers the pipeline in flight until it is cleared", async () => {
    const lock = await RunLock.acquire(dir);
    expect(await RunLock.leftoverPipeline(dir)).toBeUndefined();
    await lock.rememberPipeline(dir, 42);
    expect(await RunLock.leftoverPipeline(dir)).toBe(42);
    await lock.rememberPipeline(dir, undefined);
    expect(await RunLock.leftoverPipeline(dir)).toBeUndefined();
    await lock.release();
  });
});
