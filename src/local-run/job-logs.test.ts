import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JobLogs, safeFileName } from "./job-logs.js";

describe("safeFileName", () => {
  it.each([
    ["build", "build"],
    ["test 3/200", "test-3-of-200"],
    ["deploy: [aws, eu]", "deploy-aws-eu"],
    ["../../etc/passwd", "etc-passwd"],
    ["???", "job"],
  ])("%s → %s", (name, file) => {
    expect(safeFileName(name)).toBe(file);
  });
});

describe("JobLogs", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "runfleet-logs-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes plain logs per job, keeps retried attempts and separates names that sanitise alike", async () => {
    const logs = new JobLogs(dir, 7);
    await logs.open();
    await logs.write("a:b", "\x1b[31mone\x1b[0m\n");
    await logs.write("a b", "two\n");
    const first = await logs.write("flaky", "try 1\n");
    expect(first).toBe(logs.pathOf("flaky"));
    const last = await logs.write("flaky", "try 2\n");
    expect(last).toBe(logs.pathOf("flaky"));
    expect(await readFile(join(dir, "logs", "7", "flaky.attempt-1.log"), "utf8")).toBe("try 1\n");
    expect((await readdir(logs.dir)).sort()).toEqual([
      "a-b-2.log",
      "a-b.log",
      "flaky.attempt-1.log",
      "flaky.log",
    ]);
    expect(await readFile(logs.pathOf("a:b"), "utf8")).toBe("one\n");
    expect(await readFile(last, "utf8")).toBe("try 2\n");
  });
});
