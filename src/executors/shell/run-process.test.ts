import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { StageIo } from "../types.js";
import { runProcess } from "./run-process.js";

const dir = mkdtempSync(join(tmpdir(), "run-process-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(overrides: Partial<StageIo> = {}): { io: StageIo; output: () => string } {
  const chunks: Uint8Array[] = [];
  return {
    io: {
      sink: (c) => chunks.push(c),
      signal: new AbortController().signal,
      deadline: Date.now() + 10_000,
      ...overrides,
    },
    output: () => Buffer.concat(chunks).toString("utf8"),
  };
}

function sh(script: string) {
  return { command: "sh", args: ["-c", script], cwd: dir, env: process.env };
}

describe("runProcess", () => {
  it.each([
    ["exit 0", 0],
    ["exit 7", 7],
    ["kill -TERM $$", 143],
  ])("%s → exit %i", async (script, code) => {
    const { io: stageIo } = io();
    expect(await runProcess(sh(script), stageIo)).toEqual({ kind: "exited", exitCode: code });
  });

  it("streams stdout and stderr", async () => {
    const { io: stageIo, output } = io();
    await runProcess(sh("echo out; echo err >&2"), stageIo);
    expect(output()).toContain("out\n");
    expect(output()).toContain("err\n");
  });

  it("cancel kills the whole process group, background children included", async () => {
    const marker = join(dir, "cancel-marker");
    const ctl = new AbortController();
    const { io: stageIo } = io({ signal: ctl.signal });
    const started = Date.now();
    const run = runProcess(sh(`(sleep 1.5; touch ${marker}) & sleep 30`), stageIo);
    setTimeout(() => ctl.abort(), 200);
    expect(await run).toEqual({ kind: "canceled" });
    expect(Date.now() - started).toBeLessThan(5_000);
    await new Promise((r) => setTimeout(r, 1_800));
    expect(existsSync(marker)).toBe(false);
  });

  it("a deadline kills the stage and reports a timeout", async () => {
    const { io: stageIo } = io({ deadline: Date.now() + 300 });
    expect(await runProcess(sh("sleep 30"), stageIo)).toEqual({ kind: "timed_out" });
  });

  it("SIGKILLs a group that ignores SIGTERM", async () => {
    const { io: stageIo } = io({ deadline: Date.now() + 200 });
    const started = Date.now();
    expect(await runProcess(sh("trap '' TERM; sleep 30 & wait; sleep 30"), stageIo)).toEqual({
      kind: "timed_out",
    });
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it("an already aborted signal cancels at once", async () => {
    const ctl = new AbortController();
    ctl.abort();
    const { io: stageIo } = io({ signal: ctl.signal });
    expect(await runProcess(sh("sleep 30"), stageIo)).toEqual({ kind: "canceled" });
  });
});
