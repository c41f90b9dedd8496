import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { StageIo } from "../types.js";
import { SlotLauncher } from "./slot-launcher.js";

const dir = mkdtempSync(join(tmpdir(), "slot-launcher-"));
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

/** Running and not a zombie (a container's init may leave zombies unreaped). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

function sh(script: string) {
  return { command: "sh", args: ["-c", script], cwd: dir };
}

// bash uses job control for process groups; a plain POSIX sh (dash) uses setsid.
describe.each(["bash", "/bin/sh"])("SlotLauncher on %s", (shell) => {
  const launcher = new SlotLauncher(shell, process.env);
  afterAll(() => launcher.close());
  const runProcess = (spec: { command: string; args: string[]; cwd: string }, stageIo: StageIo) =>
    launcher.run(spec, stageIo);

  it.each([
    ["exit 0", 0],
    ["exit 7", 7],
    ["kill -TERM $$", 143],
  ])("%s → exit %i", async (script, code) => {
    const { io: stageIo } = io();
    expect(await runProcess(sh(script), stageIo)).toEqual({ kind: "exited", exitCode: code });
  });

  it("runs the same command again, and another one in another directory, each with its own arguments", async () => {
    const other = mkdtempSync(join(dir, "other-"));
    const pwd = (cwd: string, word: string) => ({
      command: "sh",
      args: ["-c", `echo "$(pwd) ${word}"`],
      cwd,
    });
    const outputs: string[] = [];
    for (const spec of [pwd(dir, "a"), pwd(dir, "a"), pwd(other, "it's"), pwd(dir, "a")]) {
      const { io: stageIo, output } = io();
      expect(await runProcess(spec, stageIo)).toEqual({ kind: "exited", exitCode: 0 });
      outputs.push(output());
    }
    expect(outputs).toEqual([`${dir} a\n`, `${dir} a\n`, `${other} it's\n`, `${dir} a\n`]);
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

  it("keeps output intact: NUL bytes, marker look-alikes, large output, no trailing newline", async () => {
    const { io: stageIo, output } = io();
    const outcome = await runProcess(
      sh("printf 'a\\0b\\0rf-end-x 1\\0'; head -c 300000 /dev/zero | tr '\\0' x; printf tail"),
      stageIo,
    );
    expect(outcome).toEqual({ kind: "exited", exitCode: 0 });
    const out = output();
    expect(out.startsWith("a\0b\0rf-end-x 1\0")).toBe(true);
    expect(out.length).toBe(15 + 300000 + 4);
    expect(out.endsWith("tail")).toBe(true);
  });

  it("runs in the given directory and runs commands one after the other", async () => {
    const a = io();
    const b = io();
    const [ra, rb] = await Promise.all([
      runProcess(sh("sleep 0.2; pwd"), a.io),
      runProcess(sh("echo second"), b.io),
    ]);
    expect([ra, rb]).toEqual([
      { kind: "exited", exitCode: 0 },
      { kind: "exited", exitCode: 0 },
    ]);
    expect(a.output()).toBe(`${dir}\n`);
    expect(b.output()).toBe("second\n");
  });

  it("fails the command, not the launcher, when the directory is missing", async () => {
    const { io: stageIo } = io();
    const outcome = await runProcess({ command: "true", args: [], cwd: join(dir, "missing") }, stageIo);
    expect(outcome.kind === "exited" && outcome.exitCode !== 0).toBe(true);
    const next = io();
    expect(await runProcess(sh("echo alive"), next.io)).toEqual({ kind: "exited", exitCode: 0 });
  });

  it("kills what a finished command left running in its group", async () => {
    const marker = join(dir, "leftover-marker");
    const { io: stageIo } = io();
    expect(await runProcess(sh(`(sleep 1; touch ${marker}) & echo started`), stageIo)).toEqual({
      kind: "exited",
      exitCode: 0,
    });
    await new Promise((r) => setTimeout(r, 1_300));
    expect(existsSync(marker)).toBe(false);
  });

  it("starts a new launcher when the old one died", async () => {
    const killer = io();
    await runProcess(sh("kill -KILL $PPID"), killer.io).catch(() => undefined);
    const { io: stageIo, output } = io();
    expect(await runProcess(sh("echo back"), stageIo)).toEqual({ kind: "exited", exitCode: 0 });
    expect(output()).toBe("back\n");
  });

  it("ends the running job when the process that owns the launcher is SIGKILLed", async () => {
    const pidFile = join(dir, `owner-killed-${shell.replace(/\W/g, "")}`);
    const owner = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `import { SlotLauncher } from ${JSON.stringify(fileURLToPath(new URL("./slot-launcher.ts", import.meta.url)))};
new SlotLauncher(${JSON.stringify(shell)}, process.env).run(
  { command: "sh", args: ["-c", "echo $$ > ${pidFile}.tmp && mv ${pidFile}.tmp ${pidFile} && exec sleep 300"], cwd: ${JSON.stringify(dir)} },
  { sink: () => {}, signal: new AbortController().signal, deadline: Date.now() + 600000 },
);`,
      ],
      { stdio: "ignore" },
    );
    try {
      expect(await eventually(() => existsSync(pidFile), 20_000)).toBe(true);
      const job = Number(readFileSync(pidFile, "utf8"));
      expect(running(job)).toBe(true);
      owner.kill("SIGKILL");
      expect(await eventually(() => !running(job), 10_000)).toBe(true);
    } finally {
      owner.kill("SIGKILL");
    }
  }, 40_000);

  it("an already aborted signal cancels at once", async () => {
    const ctl = new AbortController();
    ctl.abort();
    const { io: stageIo } = io({ signal: ctl.signal });
    expect(await runProcess(sh("sleep 30"), stageIo)).toEqual({ kind: "canceled" });
  });
});
